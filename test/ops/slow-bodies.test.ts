// Issue 12: "a trickled 4 MB unsigned body is cut off and memory stays flat for 200 such clients", against the real
// `serve` in a child process. 200 clients at once each start a 4 MB chunked body (no Content-Length, so only the
// body deadline can stop it) and trickle it at ~20 KB/s — it would take minutes to arrive. Every one must be
// cut off by the server (408 and the connection closed; the log names each one), and the child's own RSS and heap (its /metrics, sampled throughout) must
// not grow by more than a generous 100 MB. Before issue 12 such bodies were read whole (up to 4 MB each) for up to
// 300 s. Asserted on events and memory, never on how long anything took; test timeouts are a hang safety net only.
//
// nock's interceptor holds a raw socket's bytes until it has parsed a whole HTTP request, so a trickle would never
// reach the server: interception is off for this file (it talks to its own child and loopback servers only).
import { connect, type Socket } from 'node:net';
import nock from 'nock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appEnv } from '../adapters/teams/helpers.ts';
import { type TempDirs, tempDirs } from '../helpers/app.ts';
import {
  answerSlackAuthTest,
  type HangingApi,
  logLine,
  type ServeChild,
  spawnServe,
  startHangingApi,
} from '../helpers/serve-child.ts';
import { until } from '../helpers/until.ts';

const CLIENTS = 200;
const FOUR_MB = 4 * 1024 * 1024;
const CHUNK = 2048;
const TICK_MS = 100;
const MAX_GROWTH_MB = 100;

let dirs: TempDirs;
let api: HangingApi;
let serve: ServeChild;

beforeAll(async () => {
  nock.restore();
  api = await startHangingApi(answerSlackAuthTest);
  dirs = tempDirs();
  serve = await spawnServe({
    KNOWLEDGE_DIR: dirs.knowledgeDir,
    DATA_DIR: dirs.dataDir,
    PORT: '0',
    KNOWLEDGE_WATCH: 'false',
    LOG_LEVEL: 'info',
    SLACK_BOT_TOKEN: 'xoxb-slow-bodies',
    SLACK_SIGNING_SECRET: 'slow-bodies-signing-secret',
    SLACK_API_URL: `${api.url}/api/`,
    // Teams with an app id: a request needs an Authorization header to get past the guard; its token is verified
    // after the body, so these bodies are as anonymous as Slack's.
    ...appEnv,
  });
}, 120_000);

afterAll(async () => {
  if (serve && serve.child.exitCode === null) {
    serve.child.kill('SIGTERM');
    await serve.exited;
  }
  await api?.close();
  dirs?.cleanup();
  nock.activate();
}, 60_000);

interface Memory {
  rssMb: number;
  heapMb: number;
}

async function memory(): Promise<Memory> {
  const body = await (await fetch(`${serve.base}/metrics`)).text();
  const value = (name: string) => {
    const line = body.split('\n').find((l) => l.startsWith(`${name} `));
    return Number(line?.split(' ')[1]) / 1024 / 1024;
  };
  return {
    rssMb: value('mlops_guide_process_resident_memory_bytes'),
    heapMb: value('mlops_guide_nodejs_heap_size_used_bytes'),
  };
}

interface Client {
  socket: Socket;
  sent: number;
  received: string;
  closed: Promise<void>;
}

async function openClient(path: string, extraHeaders: string): Promise<Client> {
  const socket = connect(serve.port, '127.0.0.1');
  const client: Client = { socket, sent: 0, received: '', closed: Promise.resolve() };
  socket.on('data', (d) => {
    client.received += d.toString('latin1');
  });
  socket.on('error', () => {}); // a reset after the server closed is fine
  client.closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  socket.write(
    `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n${extraHeaders}` +
      'Transfer-Encoding: chunked\r\n\r\n',
  );
  return client;
}

/**
 * Opens CLIENTS connections that each trickle a 4 MB body; samples the child's memory until every connection has
 * closed. Returns the clients and the peak growth over the baseline.
 */
async function trickleMany(path: string, extraHeaders = '') {
  const baseline = await memory();
  const clients: Client[] = [];
  for (let i = 0; i < CLIENTS; i++) clients.push(await openClient(path, extraHeaders));
  const chunk = `${CHUNK.toString(16)}\r\n${'x'.repeat(CHUNK)}\r\n`;
  const tick = setInterval(() => {
    for (const c of clients) {
      if (c.socket.destroyed || !c.socket.writable || c.sent >= FOUR_MB) continue;
      c.socket.write(chunk);
      c.sent += CHUNK;
    }
  }, TICK_MS);
  let done = false;
  const allClosed = Promise.all(clients.map((c) => c.closed)).then(() => {
    done = true;
  });
  const peak = { ...baseline };
  try {
    while (!done) {
      const m = await memory();
      peak.rssMb = Math.max(peak.rssMb, m.rssMb);
      peak.heapMb = Math.max(peak.heapMb, m.heapMb);
      await Promise.race([allClosed, new Promise((r) => setTimeout(r, 200))]);
    }
    const after = await memory();
    peak.rssMb = Math.max(peak.rssMb, after.rssMb);
    peak.heapMb = Math.max(peak.heapMb, after.heapMb);
  } finally {
    clearInterval(tick);
  }
  return {
    clients,
    baseline,
    growth: { rssMb: peak.rssMb - baseline.rssMb, heapMb: peak.heapMb - baseline.heapMb },
  };
}

/**
 * Each connection closed by the server before its body was complete, with a 408 or with nothing at all: the server
 * closes a socket that still has unread bytes from the client, which the kernel answers with a reset, and a reset
 * can discard the 408 before the client reads it. That every one was cut by the deadline is checked in the log.
 */
function expectCutOff(clients: Client[]): void {
  for (const c of clients) {
    expect(c.received).toMatch(/^(HTTP\/1\.1 408 |$)/);
    expect(c.sent).toBeLessThan(FOUR_MB);
  }
}

const count = (msg: string) => serve.logs.filter((l) => l.msg === msg).length;

async function untilCount(msg: string, n: number): Promise<void> {
  await until(() => count(msg) >= n, `${n} "${msg}" lines (saw ${count(msg)})`, { timeoutMs: 60_000, intervalMs: 50 });
}

describe(`${CLIENTS} clients trickling 4 MB bodies at once`, () => {
  it('Slack (unsigned): every one is cut off at the body deadline; memory stays flat', {
    timeout: 180_000,
  }, async () => {
    await logLine(serve, 'server listening');
    const { clients, growth } = await trickleMany('/slack/events');
    expectCutOff(clients);
    await untilCount('Slack request body too slow; connection closed', CLIENTS);
    expect(growth.rssMb).toBeLessThan(MAX_GROWTH_MB);
    expect(growth.heapMb).toBeLessThan(MAX_GROWTH_MB);
    // Nothing reached the bot or the Slack API.
    expect(api.held).toEqual([]);
  });

  it('Teams (token not yet verified): every one is cut off at the body deadline; memory stays flat', {
    timeout: 180_000,
  }, async () => {
    await logLine(serve, 'server listening');
    const { clients, growth } = await trickleMany('/api/messages', 'Authorization: Bearer not-yet-verified\r\n');
    expectCutOff(clients);
    await untilCount('teams request body too slow; connection closed', CLIENTS);
    expect(growth.rssMb).toBeLessThan(MAX_GROWTH_MB);
    expect(growth.heapMb).toBeLessThan(MAX_GROWTH_MB);
  });
});
