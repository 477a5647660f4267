// Server limits against real loopback sockets: a client that trickles an unsigned Slack body, or never finishes
// its headers, is cut off; a declared oversized Slack body is refused before it is read; connections beyond the
// cap are closed. Every test waits for the socket's 'close' event — none asserts how fast anything happens.
//
// nock's interceptor holds a raw socket's bytes until it has parsed a whole HTTP request, so a trickle would never
// reach the server: interception is switched off for this file (it talks to its own loopback servers only, and
// the Slack verifier is mounted without Bolt, so nothing here calls out).
import { connect, type Socket } from 'node:net';
import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { slackVerification } from '../../adapters/slack/verify.ts';
import { loadConfig } from '../../src/config.ts';
import { createHttpServer, DEFAULT_HTTP_LIMITS, type HttpServer } from '../../src/server.ts';
import { memoryLogger, SECRET } from '../adapters/slack/harness.ts';
import { appEnv, emulatorEnv, startTeamsServer } from '../adapters/teams/helpers.ts';

beforeAll(() => {
  nock.restore();
});
afterAll(() => {
  nock.activate();
});

const FOUR_MB = 4 * 1024 * 1024;

let server: HttpServer | undefined;
const sockets: Socket[] = [];
const timers: NodeJS.Timeout[] = [];

afterEach(async () => {
  for (const t of timers) clearInterval(t);
  timers.length = 0;
  for (const s of sockets) s.destroy();
  sockets.length = 0;
  await server?.stop();
  server = undefined;
});

interface RawClient {
  socket: Socket;
  /** Everything the server sent. */
  received(): string;
  /** Resolves when the server (or the network) closed the connection. */
  closed: Promise<void>;
}

async function rawClient(port: number): Promise<RawClient> {
  const socket = connect(port, '127.0.0.1');
  sockets.push(socket);
  let data = '';
  socket.on('data', (chunk) => {
    data += chunk.toString('latin1');
  });
  socket.on('error', () => {}); // a reset after the server closed is fine
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  return { socket, received: () => data, closed };
}

/** Writes one byte on every tick of a short interval until the socket closes. Returns the bytes written so far. */
function trickle(socket: Socket, byte = 'x'): () => number {
  let sent = 0;
  const timer = setInterval(() => {
    if (socket.destroyed || !socket.writable) return;
    socket.write(byte);
    sent++;
  }, 20);
  timers.push(timer);
  socket.once('close', () => clearInterval(timer));
  return () => sent;
}

/** The HTTP server with only the Slack verifier on POST /slack/events (what runs before Bolt, unauthenticated). */
async function startVerifier(options: { bodyTimeoutMs?: number } = {}) {
  const logger = memoryLogger();
  server = createHttpServer({
    host: '127.0.0.1',
    port: 0,
    channels: [
      {
        name: 'slack',
        mount(app) {
          app.post('/slack/events', slackVerification(SECRET, logger, options), (_req, res) => {
            res.end('verified');
          });
        },
      },
    ],
  });
  const { port } = await server.start();
  return { port, logger, url: `http://127.0.0.1:${port}/slack/events` };
}

describe('Slack request bodies: small, and read with a deadline', () => {
  it('cuts off an unsigned client trickling a body of undeclared size (408, connection closed)', async () => {
    const v = await startVerifier({ bodyTimeoutMs: 300 });
    const client = await rawClient(v.port);
    // Chunked: no Content-Length for the size check to refuse up front; only the deadline can stop it.
    client.socket.write(
      'POST /slack/events HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n',
    );
    const sent = trickle(client.socket, '1\r\nx\r\n');
    await client.closed;
    expect(client.received()).toMatch(/^HTTP\/1\.1 408 /);
    expect(client.received()).not.toContain('verified');
    expect(sent()).toBeGreaterThan(0);
    expect(v.logger.lines.some((l) => /body too slow/.test(l.msg ?? ''))).toBe(true);
  });

  it('refuses a declared 4 MB body before reading it (413, connection closed)', async () => {
    const v = await startVerifier();
    const client = await rawClient(v.port);
    client.socket.write(
      `POST /slack/events HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${FOUR_MB}\r\n\r\n`,
    );
    trickle(client.socket);
    await client.closed;
    expect(client.received()).toMatch(/^HTTP\/1\.1 413 /);
  });

  it('refuses a chunked body once it passes 1 MB (413)', async () => {
    const v = await startVerifier();
    const res = await fetch(v.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: new Blob([new Uint8Array(1024 * 1024 + 1)]).stream(),
      duplex: 'half',
    } as RequestInit);
    expect(res.status).toBe(413);
  });
});

describe('Teams request bodies: read with a deadline once past the guard', () => {
  let teams: Awaited<ReturnType<typeof startTeamsServer>> | undefined;
  afterEach(async () => {
    await teams?.stop();
    teams = undefined;
  });

  for (const [what, env] of [
    ['with an app id (a bearer token present, not yet verified)', appEnv],
    ['in emulator mode', emulatorEnv],
  ] as const) {
    it(`cuts off a client trickling a body ${what} (408, connection closed)`, async () => {
      teams = await startTeamsServer(env, { bodyTimeoutMs: 300 });
      const port = Number(new URL(teams.url).port);
      const client = await rawClient(port);
      client.socket.write(
        'POST /api/messages HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n' +
          'Authorization: Bearer not-checked-before-the-body\r\nTransfer-Encoding: chunked\r\n\r\n1\r\n{\r\n',
      );
      const sent = trickle(client.socket, '1\r\n \r\n');
      await client.closed;
      expect(client.received()).toMatch(/^HTTP\/1\.1 408 /);
      expect(sent()).toBeGreaterThan(0);
      expect(teams.logger.lines.some((l) => /teams request body too slow/.test(l.msg ?? ''))).toBe(true);
      // The bot never saw it, and nothing else was answered on that request (one status line).
      expect(client.received().match(/HTTP\/1\.1 /g)).toHaveLength(1);
    });
  }

  it('still reads a body that arrives in time', async () => {
    teams = await startTeamsServer(emulatorEnv, { bodyTimeoutMs: 60_000 });
    const res = await teams.post('{not json');
    expect(res.status).toBe(400);
  });
});

describe('server timeouts and connection cap', () => {
  const limits = { requestTimeoutMs: 1000, headersTimeoutMs: 1000, keepAliveTimeoutMs: 1000, maxConnections: 3 };

  it('sets the configured timeouts and cap on the Node server', async () => {
    server = createHttpServer({ host: '127.0.0.1', port: 0, channels: [], limits });
    await server.start();
    expect(server.limits()).toEqual({
      requestTimeoutMs: 1000,
      headersTimeoutMs: 1000,
      keepAliveTimeoutMs: 1000,
      maxConnections: 3,
    });
  });

  it('cuts off a client that never finishes its headers (headersTimeout)', async () => {
    server = createHttpServer({ host: '127.0.0.1', port: 0, channels: [], limits });
    const { port } = await server.start();
    const client = await rawClient(port);
    client.socket.write('POST /api/messages HTTP/1.1\r\nHost: 127.0.0.1\r\n');
    // An endless header value, one byte at a time.
    client.socket.write('X-Slow: ');
    trickle(client.socket);
    await client.closed;
    expect(client.received()).toMatch(/^HTTP\/1\.1 408 |^$/);
  });

  it('cuts off a body trickled to any route (requestTimeout)', async () => {
    server = createHttpServer({ host: '127.0.0.1', port: 0, channels: [], limits });
    server.app.post('/slow', (req, res) => {
      req.on('data', () => {});
      req.on('end', () => res.end('done'));
    });
    const { port } = await server.start();
    const client = await rawClient(port);
    client.socket.write(`POST /slow HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: ${FOUR_MB}\r\n\r\n`);
    trickle(client.socket);
    await client.closed;
    expect(client.received()).not.toContain('done');
  });

  it('closes connections beyond maxConnections and logs it once', async () => {
    const logger = memoryLogger();
    server = createHttpServer({
      host: '127.0.0.1',
      port: 0,
      channels: [],
      logger,
      limits: { ...limits, requestTimeoutMs: 60_000, headersTimeoutMs: 60_000 },
    });
    const { port } = await server.start();
    const held = [];
    for (let i = 0; i < limits.maxConnections; i++) {
      const c = await rawClient(port);
      c.socket.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n'); // headers never finished
      held.push(c);
    }
    const extra = [await rawClient(port), await rawClient(port)];
    await Promise.all(extra.map((c) => c.closed));
    for (const c of extra) expect(c.received()).toBe('');
    expect(logger.lines.filter((l) => /connections refused/.test(l.msg ?? ''))).toHaveLength(1);
    // The held ones are still open.
    expect(held.every((c) => !c.socket.destroyed)).toBe(true);
  });
});

describe('configuration of the limits', () => {
  it('has deliberate defaults and refuses a headers timeout longer than the request timeout', () => {
    expect(DEFAULT_HTTP_LIMITS).toEqual(loadConfig({}).http);
    expect(loadConfig({}).http).toEqual({
      requestTimeoutMs: 30_000,
      headersTimeoutMs: 10_000,
      keepAliveTimeoutMs: 5000,
      maxConnections: 1000,
    });
    expect(loadConfig({}).slackQueue).toEqual({ maxJobs: 1000, maxWaitMs: 30_000, shedLagMs: 50 });
    expect(() => loadConfig({ HTTP_REQUEST_TIMEOUT_MS: '5000', HTTP_HEADERS_TIMEOUT_MS: '6000' })).toThrow(
      /HTTP_HEADERS_TIMEOUT_MS: must not exceed HTTP_REQUEST_TIMEOUT_MS/,
    );
  });

  it('SLACK_SHED_LAG_MS: a whole number of milliseconds, 0 turns shedding on lag off', () => {
    expect(loadConfig({ SLACK_SHED_LAG_MS: '0' }).slackQueue.shedLagMs).toBe(0);
    expect(loadConfig({ SLACK_SHED_LAG_MS: '200' }).slackQueue.shedLagMs).toBe(200);
    // Empty means unset (the default).
    expect(loadConfig({ SLACK_SHED_LAG_MS: '' }).slackQueue.shedLagMs).toBe(50);
    for (const bad of ['-1', '1.5', 'fast', '60001']) {
      expect(() => loadConfig({ SLACK_SHED_LAG_MS: bad })).toThrow(/SLACK_SHED_LAG_MS/);
    }
  });
});
