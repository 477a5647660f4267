// Socket Mode in the background: the HTTP server answers /healthz at once whatever Slack's WebSocket does, /readyz
// reports the Slack connection's state with its reason, and the connection is made and re-made on its own. Slack's
// Web API (apps.connections.open) is mocked with nock; the WebSocket is a refusing loopback port or a local server
// speaking Socket Mode (socket-server.ts).
import { createServer } from 'node:net';
import nock from 'nock';
import { afterEach, describe, expect, it } from 'vitest';
import { createSlackChannel } from '../../../adapters/slack/index.ts';
import { loadConfig } from '../../../src/config.ts';
import { createHttpServer, type HttpServer } from '../../../src/server.ts';
import { createMemoryKeyValueStore } from '../../../src/store/kv-memory.ts';
import { API, BOT_USER, createFakeBot, fixture, memoryLogger, mockApi, recorder, until } from './harness.ts';
import { type FakeSocketModeServer, startFakeSocketModeServer } from './socket-server.ts';

// biome-ignore lint/suspicious/noExplicitAny: JSON from the endpoints
type Json = Record<string, any>;

let server: HttpServer | undefined;
let ws: FakeSocketModeServer | undefined;

afterEach(async () => {
  await server?.stop();
  await ws?.close();
  server = undefined;
  ws = undefined;
  nock.cleanAll();
});

/**
 * A loopback port that will refuse connections once `close()` is called. It is held (dropping every connection)
 * until the HTTP server under test has its own port, so the kernel cannot hand the same port to that server.
 */
async function portToClose(): Promise<{ port: number; close(): Promise<void> }> {
  const s = createServer((socket) => socket.destroy());
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const address = s.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return { port, close: () => new Promise<void>((resolve) => s.close(() => resolve())) };
}

/** A port that refuses connections (a test's own HTTP server may take it later: only for the Web API URL). */
async function refusedPort(): Promise<number> {
  const p = await portToClose();
  await p.close();
  return p.port;
}

/** apps.connections.open, answering with a one-time URL (the ticket must never show up in logs or /readyz). */
function mockConnectionsOpen(url: string): { calls: number } {
  const counter = { calls: 0 };
  nock(API)
    .persist()
    .post('/api/apps.connections.open')
    .reply(() => {
      counter.calls += 1;
      return [200, { ok: true, url: `${url}?ticket=SECRET-TICKET&app_id=A0001` }];
    });
  return counter;
}

async function startSocketServer(bot = createFakeBot(), apiUrl = `${API}/api/`) {
  const logger = memoryLogger();
  const config = loadConfig({
    SLACK_BOT_TOKEN: 'xoxb-test-token',
    SLACK_APP_TOKEN: 'xapp-test-token',
    SLACK_API_URL: apiUrl,
  });
  nock(API).persist().post('/api/auth.test').reply(200, { ok: true, user_id: BOT_USER, bot_id: 'B0BOT' });
  const channel = createSlackChannel({
    config,
    bot,
    kv: createMemoryKeyValueStore(),
    logger,
    options: { socketReconnect: { minDelayMs: 10, maxDelayMs: 50 }, progressDelayMs: 60_000 },
  });
  server = createHttpServer({ host: '127.0.0.1', port: 0, channels: [channel] });
  const { port } = await server.start();
  const base = `http://127.0.0.1:${port}`;
  const get = async (path: string) => {
    const res = await fetch(`${base}${path}`);
    return { status: res.status, json: (await res.json()) as Json };
  };
  return { logger, get, bot };
}

describe('Slack Socket Mode in the background', () => {
  it('serves /healthz while the WebSocket is refused, and /readyz says why Slack is not connected', async () => {
    const refusing = await portToClose();
    const port = refusing.port;
    mockConnectionsOpen(`ws://127.0.0.1:${port}/link/`);
    const { logger, get } = await startSocketServer();
    await refusing.close();

    // server.start() returned without waiting for Slack: health is served now.
    expect(await get('/healthz')).toEqual({ status: 200, json: { status: 'ok' } });

    const refused = `ECONNREFUSED ws://127.0.0.1:${port}/link/`;
    let ready = await get('/readyz');
    for (let i = 0; i < 1000 && ready.json.channels.slack.reason !== refused; i++) {
      await new Promise((r) => setTimeout(r, 5));
      ready = await get('/readyz');
    }
    expect(ready.status).toBe(200);
    expect(ready.json.channels.slack).toEqual({ state: 'connecting', reason: refused });

    const failure = logger.lines.find(
      (l) => /could not connect/.test(l.msg ?? '') && (l.obj as Json).cause === refused,
    );
    expect(failure?.level).toBe('error');
    expect(failure?.obj).toMatchObject({ mode: 'socket', cause: refused, attempt: expect.any(Number) });
    expect(JSON.stringify(logger.lines)).not.toContain('SECRET-TICKET');
    expect(JSON.stringify(ready.json)).not.toContain('SECRET-TICKET');
  });

  it('keeps trying when Slack itself is unreachable (apps.connections.open fails), without crashing', async () => {
    // A real refused connection: Slack's Web API itself is unreachable.
    const { logger, get } = await startSocketServer(createFakeBot(), `http://127.0.0.1:${await refusedPort()}/api/`);
    expect((await get('/healthz')).status).toBe(200);
    await until(() => logger.lines.filter((l) => /could not connect/.test(l.msg ?? '')).length >= 2, 'retries');
    expect((await get('/readyz')).json.channels.slack).toEqual({
      state: 'connecting',
      reason: 'apps.connections.open failed: ECONNREFUSED',
    });
  });

  it('connects to a server speaking Socket Mode, answers events over it, and reconnects after a drop', async () => {
    ws = await startFakeSocketModeServer();
    const open = mockConnectionsOpen(ws.url);
    const { get, bot } = await startSocketServer();
    await until(() => ws?.connections === 1, 'connection');
    await until(() => server !== undefined && open.calls === 1, 'apps.connections.open');
    const connected = async () => (await get('/readyz')).json.channels.slack.state === 'connected';
    for (let i = 0; i < 1000 && !(await connected()); i++) await new Promise((r) => setTimeout(r, 5));
    expect((await get('/readyz')).json.channels.slack).toEqual({ state: 'connected' });

    // An app_mention delivered over the socket is acknowledged and answered through the Web API.
    const rec = recorder();
    const post = mockApi(rec, 'chat.postMessage', { ok: true, ts: '1' });
    ws.push({
      envelope_id: 'env-1',
      type: 'events_api',
      accepts_response_payload: false,
      retry_attempt: 0,
      retry_reason: '',
      payload: fixture('app_mention.json'),
    });
    await until(() => post.isDone() && ws?.acks.includes('env-1') === true, 'ack and answer');
    expect(bot.inbounds[0]).toMatchObject({ kind: 'message', text: 'how do we version training data?' });

    // The connection drops: the channel reconnects by itself (a new URL from apps.connections.open).
    ws.drop();
    await until(() => ws?.connections === 2 && open.calls === 2, 'reconnection');
    for (let i = 0; i < 1000 && !(await connected()); i++) await new Promise((r) => setTimeout(r, 5));
    expect((await get('/readyz')).json.channels.slack).toEqual({ state: 'connected' });
  });
});
