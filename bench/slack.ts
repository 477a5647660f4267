// Slack ack latency: the real server + Bolt app on loopback, a fast fake bot, and a tiny local HTTP server
// standing in for the Slack Web API (SLACK_API_URL). Sends signed Events API requests at a fixed concurrency
// and prints ack latency percentiles and throughput. Slack wants the ack within 3 s; our target is p99 ≤ 50 ms
// at 50 concurrent on 2 cores.
//
//   npm run bench:slack                          (defaults: 2,000 requests, 50 concurrent)
//   BENCH_REQUESTS=5000 BENCH_CONCURRENCY=100 npm run bench:slack
import { createHmac } from 'node:crypto';
import { Agent, createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isMainThread, parentPort, Worker } from 'node:worker_threads';
import { createSlackChannel } from '../adapters/slack/index.ts';
import { loadConfig } from '../src/config.ts';
import type { Reply } from '../src/core/reply.ts';
import type { Bot } from '../src/core/types.ts';
import { createHttpServer } from '../src/server.ts';
import { createMemoryKeyValueStore } from '../src/store/kv-memory.ts';

const TOTAL = Number(process.env.BENCH_REQUESTS ?? 2000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 50);
const WARMUP = Math.min(200, TOTAL);
const SECRET = 'bench-signing-secret';
const TARGET_P99_MS = 50;

const REPLY: Reply = {
  kind: 'answer',
  answerId: 'bench',
  fallbackText: 'Version training data with DVC.',
  blocks: [
    { type: 'markdown', text: 'Version training data with **DVC** or [lakeFS](https://lakefs.io) snapshots.' },
    { type: 'sources', sources: [{ id: 'a', title: 'Data versioning', type: 'guideline', citation: 'KB' }] },
    { type: 'feedback', answerId: 'bench' },
  ],
};

// The load generator and the Web API stand-in run in a worker thread, as Slack runs outside our process: the
// main thread only serves, which is what the figures describe.
interface Ready {
  type: 'api-ready';
  apiPort: number;
}
interface Done {
  type: 'done';
  latencies: number[];
  seconds: number;
  /** From the first measured request until every answer reached the Web API stand-in. */
  answeredSeconds: number;
  apiCalls: Record<string, number>;
}

async function loadWorker() {
  const apiCalls = new Map<string, number>();
  const api = createServer((req, res) => {
    const method = (req.url ?? '').replace(/^\/api\//, '');
    apiCalls.set(method, (apiCalls.get(method) ?? 0) + 1);
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ ok: true, ts: '1715000000.000100', user_id: 'U0BOT', bot_id: 'B0BOT' }));
    });
  });
  await new Promise<void>((resolve) => api.listen(0, '127.0.0.1', resolve));
  const port = await new Promise<number>((resolve) => {
    parentPort?.once('message', (m: { port: number }) => resolve(m.port));
    parentPort?.postMessage({ type: 'api-ready', apiPort: (api.address() as AddressInfo).port } satisfies Ready);
  });

  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const send = (i: number) =>
    new Promise<number>((resolve, reject) => {
      const body = JSON.stringify({
        token: 'x',
        team_id: 'T0001',
        api_app_id: 'A0001',
        type: 'event_callback',
        event_id: `EvBENCH${i}`,
        event_time: 1715000000,
        event: {
          type: 'message',
          channel_type: 'im',
          channel: 'D0DM1',
          user: 'U0USER1',
          text: `what is model drift? #${i}`,
          ts: `1715000000.${String(i).padStart(6, '0')}`,
          event_ts: `1715000000.${String(i).padStart(6, '0')}`,
        },
      });
      const ts = Math.floor(Date.now() / 1000);
      const sig = createHmac('sha256', SECRET).update(`v0:${ts}:${body}`).digest('hex');
      const started = performance.now();
      const req = request(
        {
          host: '127.0.0.1',
          port,
          path: '/slack/events',
          method: 'POST',
          agent,
          headers: {
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(body),
            'x-slack-signature': `v0=${sig}`,
            'x-slack-request-timestamp': String(ts),
          },
        },
        (res) => {
          res.resume();
          res.on('end', () => {
            if (res.statusCode !== 200) reject(new Error(`HTTP ${res.statusCode}`));
            else resolve(performance.now() - started);
          });
        },
      );
      req.on('error', reject);
      req.end(body);
    });

  const run = async (from: number, count: number) => {
    const latencies: number[] = [];
    let next = from;
    const worker = async () => {
      while (next < from + count) {
        const i = next++;
        latencies.push(await send(i));
      }
    };
    const started = performance.now();
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    return { latencies, seconds: (performance.now() - started) / 1000 };
  };

  await run(0, WARMUP);
  const measuredStart = performance.now();
  const { latencies, seconds } = await run(WARMUP, TOTAL);
  // The answers are posted after the ack; wait (bounded) until all of them reached the stand-in API.
  const deadline = Date.now() + 30_000;
  while ((apiCalls.get('chat.postMessage') ?? 0) < WARMUP + TOTAL && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 20));
  }
  const answeredSeconds = (performance.now() - measuredStart) / 1000;
  agent.destroy();
  await new Promise<void>((resolve) => api.close(() => resolve()));
  parentPort?.postMessage({
    type: 'done',
    latencies,
    seconds,
    answeredSeconds,
    apiCalls: Object.fromEntries(apiCalls),
  } satisfies Done);
}

async function main() {
  const worker = new Worker(new URL(import.meta.url));
  const ready = await new Promise<Ready>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  const config = loadConfig({
    SLACK_BOT_TOKEN: 'xoxb-bench',
    SLACK_SIGNING_SECRET: SECRET,
    SLACK_API_URL: `http://127.0.0.1:${ready.apiPort}/api/`,
  });
  const bot: Bot = { handle: async () => REPLY };
  const kv = createMemoryKeyValueStore();
  const channel = createSlackChannel({ config, bot, kv });
  const server = createHttpServer({ host: '127.0.0.1', port: 0, channels: [channel] });
  const { port } = await server.start();

  const done = await new Promise<Done>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
    worker.postMessage({ port });
  });
  await worker.terminate();
  await server.stop();
  await kv.close();

  const latencies = done.latencies.sort((a, b) => a - b);
  const pct = (p: number) =>
    latencies[Math.min(latencies.length - 1, Math.ceil((p / 100) * latencies.length) - 1)] ?? 0;
  const p99 = pct(99);
  const lines = [
    `slack ack benchmark: ${TOTAL} signed event requests, ${CONCURRENCY} concurrent (after ${WARMUP} warm-up)`,
    `  ack latency  p50 ${pct(50).toFixed(1)} ms · p90 ${pct(90).toFixed(1)} ms · p99 ${p99.toFixed(1)} ms · max ${(latencies.at(-1) ?? 0).toFixed(1)} ms`,
    `  throughput   ${(TOTAL / done.seconds).toFixed(0)} requests/s (${done.seconds.toFixed(2)} s)`,
    `  answers      ${done.apiCalls['chat.postMessage'] ?? 0} chat.postMessage (all posted ${done.answeredSeconds.toFixed(2)} s after the first measured request), ${done.apiCalls['auth.test'] ?? 0} auth.test`,
    `  target       p99 ≤ ${TARGET_P99_MS} ms: ${p99 <= TARGET_P99_MS ? 'met' : 'NOT met'}`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

(isMainThread ? main() : loadWorker()).catch((err: unknown) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
