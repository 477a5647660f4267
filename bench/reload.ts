// Reload latency, two modes. Synthetic knowledge is the shipped entries perturbed (new ids, titles, questions and
// names, so every copy is valid and distinct); `syntheticKnowledge` is shared with bench/scale.ts.
//
// In process (default): questions served at a steady rate through bot.handle (memory stores) while the knowledge is
// reloaded, at the shipped knowledge (~150 entries) and at ~1,500 synthetic entries. For each size it reloads once
// with the build on the main thread (the behaviour before issue 12) and once in the worker thread (today's default),
// and prints the worst question latency during the reload and the reload time. Latency counts from when a question
// was due, so a frozen event loop shows up in full. Prints; asserts nothing.
//
//   npm run bench:reload                       (defaults: 20 questions/s, 3 reloads per mode)
//   BENCH_RATE=50 BENCH_RELOADS=5 BENCH_SIZES=150,1500,15000 BENCH_MODES=worker npm run bench:reload
//
// Over HTTP (--http): the real service (`startService`, as `serve` runs it: HTTP server, Bolt, botbuilder, SQLite
// stores in a private DATA_DIR, the knowledge watcher on) in a child process; this process sends signed Slack
// mentions and Teams messages open-loop at a fixed rate (20 a second) and stands in for the Slack Web API and the
// Teams connector. During the load an operator's reloads: an edit of one entry file (the watcher reloads it), and an
// edit followed by `admin reload` from a maintainer in a Slack DM (one build: the watcher does not build again for a
// change the command's build already reads; src/core/runtime.ts). Counted per
// request: the HTTP latency (Slack: the ack; Teams: the round trip, which carries the answer), the answer latency
// (until the reply reaches the stand-in), connection resets and other errors, answers lost (acked, no reply).
// Targets (issue 12): no HTTP request over 500 ms, 0 connection resets, 0 lost answers. Prints; asserts nothing.
//
//   npm run bench:reload -- --http                                   (150 and 15,000 entries)
//   npm run bench:reload -- --http --sizes 150 --reloads 4 --rate 20 --teams 0.2 --pause 5 [--cpu-prof]
//
// --cpu-prof writes V8 CPU profiles of the service (main thread and build threads) into .cache/bench-reload-prof/.
import { type ChildProcess, fork } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, createServer, type IncomingMessage, request, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { createApp } from '../src/app.ts';
import { silentLogger } from '../src/base/index.ts';
import { loadConfig } from '../src/config.ts';
import type { Inbound } from '../src/core/inbound.ts';
import { checkKnowledge } from '../src/knowledge/load.ts';
import { ensureWordVectors } from '../src/retrieval/word-vectors.ts';

const ROOT = resolve(import.meta.dirname, '..');
const RATE = Number(process.env.BENCH_RATE ?? 20);
const RELOADS = Number(process.env.BENCH_RELOADS ?? 3);
const SIZES = (process.env.BENCH_SIZES ?? '150,1500').split(',').map(Number);
/** Which reload modes to run: `main` (the build on the event loop, before issue 12) and/or `worker` (today's). */
const MODES = (process.env.BENCH_MODES ?? 'main,worker').split(',');
const QUESTIONS = [
  'How do we version training data?',
  'What is MLOps?',
  'how do I monitor model drift in production',
  'Wie versioniere ich Trainingsdaten?',
  'which GPU cluster should I use for training',
  'who owns the sensor data?',
  'what is a feature store',
  'how do we roll back a bad model deployment',
];

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? (s[Math.min(s.length - 1, Math.floor(p * s.length))] as number) : Number.NaN;
};

function entryFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile() && d.name.endsWith('.md') && d.name.toLowerCase() !== 'readme.md')
    .map((d) => join(d.parentPath, d.name))
    .filter((p) => !relative(dir, p).startsWith('walkthroughs'));
}

/**
 * Copies the shipped knowledge and adds perturbed copies of every entry until there are about `target` entries.
 * Copy k of entry X is `X-s{k}`: its title, questions, aliases and unique names get a suffix (so duplicate checks
 * pass and no alias names two entries);
 * its references still point at the originals, which exist.
 */
export function syntheticKnowledge(target: number, into: string): number {
  cpSync(join(ROOT, 'knowledge'), into, { recursive: true });
  const files = entryFiles(into);
  const copies = Math.max(0, Math.ceil(target / files.length) - 1);
  for (const file of files) {
    const source = readFileSync(file, 'utf8');
    const id = basename(file, '.md');
    for (let k = 1; k <= copies; k++) {
      const end = source.indexOf('\n---', 4);
      const head = source.slice(0, end);
      const body = source.slice(end);
      let inList = '';
      const front = head
        .split('\n')
        .map((line) => {
          if (/^\S/.test(line)) inList = line.slice(0, line.indexOf(':'));
          if (line.startsWith('id: ')) return `id: ${id}-s${k}`;
          if (/^(title|term): /.test(line)) return line.replace(/"?\s*$/, (q) => ` s${k}${q}`);
          if (/^(option|name): /.test(line)) return `${line.trimEnd()}-s${k}`;
          if (inList === 'questions' && /^\s+- /.test(line))
            return line.replace(/"?\s*$/, (q) => ` (variant ${k})${q}`);
          // An alias names one entry (kb check warns otherwise: 40,000 warnings at 15,000 entries).
          if (inList === 'aliases' && /^\s+- /.test(line)) return line.replace(/"?\s*$/, (q) => ` s${k}${q}`);
          return line;
        })
        .join('\n');
      writeFileSync(join(dirname(file), `${id}-s${k}.md`), `${front}${body.replace(/\b(the|a) /, `$1 s${k} `)}`);
    }
  }
  return files.length * (copies + 1);
}

interface Run {
  reloadMs: number;
  worstDuringMs: number;
  p50DuringMs: number;
  questionsDuring: number;
  baselineP50Ms: number;
  ok: boolean;
}

async function measure(knowledgeDir: string, dataDir: string, offThread: boolean): Promise<Run[]> {
  const config = loadConfig(
    {
      KNOWLEDGE_DIR: knowledgeDir,
      DATA_DIR: dataDir,
      KNOWLEDGE_WATCH: 'false',
      LOG_LEVEL: 'silent',
      RATE_LIMIT_PER_MINUTE: '0',
    },
    ROOT,
  );
  const app = await createApp(config, { storage: 'memory', logger: silentLogger, reloadOffThread: offThread });
  let n = 0;
  const ask = (): Inbound => {
    n++;
    return {
      kind: 'message',
      user: { platform: 'test', id: `U${n % 97}` },
      conversation: { platform: 'test', id: `D${n % 97}`, isDirect: true },
      text: QUESTIONS[n % QUESTIONS.length] as string,
    };
  };
  for (let i = 0; i < 40; i++) await app.bot.handle(ask());

  const runs: Run[] = [];
  const marker = entryFiles(knowledgeDir).sort()[0] as string;
  const original = readFileSync(marker, 'utf8');
  for (let r = 0; r < RELOADS; r++) {
    // Questions due every 1/RATE s from t0; each latency counts from its due time, not from when a late timer fired.
    const samples: { due: number; ms: number }[] = [];
    const period = 1000 / RATE;
    const t0 = performance.now();
    let stop = false;
    const pending: Promise<void>[] = [];
    const loop = (async () => {
      for (let i = 0; !stop; i++) {
        const due = t0 + i * period;
        const wait = due - performance.now();
        if (wait > 0) await new Promise((res) => setTimeout(res, wait));
        pending.push(
          app.bot.handle(ask()).then(() => {
            samples.push({ due, ms: performance.now() - due });
          }),
        );
      }
    })();
    await new Promise((res) => setTimeout(res, 1000));
    // A real change (a new paragraph at the end of one entry), so every reload rebuilds the index.
    writeFileSync(marker, `${original.trimEnd()}\n\nReload marker ${r} (${Date.now()}).\n`);
    const from = performance.now();
    const result = await app.runtime.reload();
    const to = performance.now();
    await new Promise((res) => setTimeout(res, 500));
    stop = true;
    await loop;
    await Promise.all(pending);
    const during = samples.filter((s) => s.due + s.ms >= from && s.due <= to).map((s) => s.ms);
    const before = samples.filter((s) => s.due + s.ms < from).map((s) => s.ms);
    runs.push({
      reloadMs: to - from,
      worstDuringMs: Math.max(0, ...during),
      p50DuringMs: pct(during, 0.5),
      questionsDuring: during.length,
      baselineP50Ms: pct(before, 0.5),
      ok: result.ok,
    });
  }
  writeFileSync(marker, original);
  await app.close();
  return runs;
}

const fmt = (x: number) => (Number.isFinite(x) ? x.toFixed(0).padStart(6) : '     –');

async function main(): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), 'mlops-guide-bench-reload-'));
  try {
    const dataDir = join(root, 'data');
    mkdirSync(dataDir, { recursive: true });
    // The vectors converted once (slow, ~10 s) are kept in .cache/ and copied into each run's DATA_DIR.
    const cache = join(ROOT, '.cache', 'bench-data');
    ensureWordVectors(cache, silentLogger);
    cpSync(join(cache, 'vectors'), join(dataDir, 'vectors'), { recursive: true });

    console.log(
      `reload benchmark: ${RATE} questions/s through bot.handle during ${RELOADS} reloads per mode; ` +
        `${cpus().length} cores (${cpus()[0]?.model ?? 'unknown'}), Node ${process.version}, ${new Date().toISOString()}`,
    );
    console.log(
      'entries  mode          reload ms (each)        worst q ms (each)       p50 q during  p50 q before  ok',
    );
    for (const size of SIZES) {
      const knowledgeDir = join(root, `knowledge-${size}`);
      const entries = syntheticKnowledge(size, knowledgeDir);
      const check = await checkKnowledge(knowledgeDir);
      const errors = check.problems.filter((p) => p.severity === 'error');
      if (errors.length > 0) {
        console.log(`${entries} entries: synthetic knowledge has ${errors.length} errors, e.g. ${errors[0]?.message}`);
        continue;
      }
      rmSync(join(dataDir, 'index'), { recursive: true, force: true });
      for (const offThread of [false, true].filter((t) => MODES.includes(t ? 'worker' : 'main'))) {
        const runs = await measure(knowledgeDir, dataDir, offThread);
        console.log(
          `${String(check.entries.length).padStart(7)}  ${(offThread ? 'worker (now)' : 'main (before)').padEnd(13)} ` +
            `${runs.map((r) => fmt(r.reloadMs)).join('')}    ${runs.map((r) => fmt(r.worstDuringMs)).join('')}    ` +
            `${fmt(
              pct(
                runs.map((r) => r.p50DuringMs),
                0.5,
              ),
            )}        ${fmt(
              pct(
                runs.map((r) => r.baselineP50Ms),
                0.5,
              ),
            )}     ` +
            `${runs.every((r) => r.ok) ? 'yes' : 'NO'}`,
        );
      }
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

// ------------------------------------------------------------------------------------------------------------------
// Over HTTP (--http): the service in a child process, signed Slack events and Teams messages, reloads as an operator
// makes them.

const SECRET = 'bench-reload-signing-secret';
const BOT_USER = 'U0BOT';
const ADMIN = 'U0ADMIN';
const TEAMS_BOT = { id: '28:bench-bot', name: 'MLOps Guide' };
/** An answer not at the stand-in this long after it was sent counts as lost. */
const REPLY_TIMEOUT_MS = 60_000;
const HTTP_TIMEOUT_MS = 30_000;
const TARGET_MS = 500;
const RESET = /ECONNRESET|EPIPE|socket hang up|ECONNREFUSED/;
const ERROR_TEXT =
  /something went wrong|not reachable|faster than I can|could not read that|no longer supported|has expired|busy right now/i;

type Json = Record<string, unknown>;

/** The child: `serve`'s service (startService) and a few IPC answers for the bench. */
async function serviceChild(): Promise<void> {
  const { startService } = await import('../src/cli/serve.ts');
  const { createLogger } = await import('../src/cli/logger.ts');
  const { monitorEventLoopDelay } = await import('node:perf_hooks');
  const config = loadConfig(process.env);
  const service = await startService(config, { logger: createLogger(config.logLevel, 2) });
  const send = (m: Json) => process.send?.(m);
  // The main thread's event-loop delay (what holds every request), read and reset by the bench per reload window.
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  // Reloads as they finish (the holder counts each build; the bench times the window from its trigger).
  const { reloads } = service.app.runtime;
  let seen = reloads.ok + reloads.failed;
  const poll = setInterval(() => {
    const now = reloads.ok + reloads.failed;
    if (now === seen) return;
    seen = now;
    const last = service.app.runtime.lastReload();
    send({ type: 'reloaded', ok: reloads.ok, failed: reloads.failed, last: last ?? null });
  }, 20);
  process.on('message', (m: { type?: string }) => {
    if (m.type === 'delay-reset') {
      delay.reset();
      send({ type: 'delay-reset' });
    }
    if (m.type === 'delay')
      send({
        type: 'delay',
        maxMs: delay.max / 1e6,
        p99Ms: delay.percentile(99) / 1e6,
        rssMb: Math.round(process.memoryUsage().rss / 1048576),
      });
    if (m.type === 'stop') {
      clearInterval(poll);
      delay.disable();
      void service.stop().finally(() => {
        send({ type: 'stopped' });
        process.disconnect?.();
        process.exit(0);
      });
    }
  });
  process.on('disconnect', () => process.exit(1));
  send({ type: 'ready', port: service.port, entries: service.app.runtime.current().kb.entries.length });
}

class Child {
  readonly #child: ChildProcess;
  readonly #waiting = new Map<string, ((m: Json) => void)[]>();
  readonly #listeners: ((m: Json) => void)[] = [];
  constructor(env: Record<string, string>, execArgv: string[]) {
    this.#child = fork(import.meta.filename, ['--service-child'], {
      env,
      execArgv,
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.#child.on('message', (m: Json) => {
      for (const l of this.#listeners) l(m);
      const w = this.#waiting.get(String(m.type))?.shift();
      w?.(m);
    });
  }
  on(listener: (m: Json) => void) {
    this.#listeners.push(listener);
  }
  next(type: string, timeoutMs: number): Promise<Json> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`service did not send "${type}" in time`)), timeoutMs);
      const exit = (code: number | null) => reject(new Error(`service exited (${code}) before "${type}"`));
      this.#child.once('exit', exit);
      const list = this.#waiting.get(type) ?? [];
      list.push((m) => {
        clearTimeout(timer);
        this.#child.off('exit', exit);
        resolve(m);
      });
      this.#waiting.set(type, list);
    });
  }
  async ask(type: string): Promise<Json> {
    const reply = this.next(type, 10_000);
    this.#child.send({ type });
    return reply;
  }
  async stop(): Promise<void> {
    if (this.#child.exitCode !== null || this.#child.signalCode !== null) return;
    const exited = new Promise<void>((r) => this.#child.once('exit', () => r()));
    this.#child.send({ type: 'stop' });
    // A --cpu-prof profile is written when the child exits by itself.
    await Promise.race([exited, new Promise((r) => setTimeout(r, 30_000))]);
    this.kill();
  }
  kill(): void {
    if (this.#child.exitCode === null && this.#child.signalCode === null) this.#child.kill('SIGKILL');
  }
}

/** The Slack Web API (/api/…) and the Teams connector (/teams/v3/…): records every reply and wakes its waiter. */
class StandIn {
  readonly #waiters = new Map<string, (text: string) => void>();
  #ids = 0;
  port = 0;
  readonly #server = createServer({ keepAliveTimeout: 30_000 }, (req, res) => this.#handle(req, res));

  async start(): Promise<number> {
    await new Promise<void>((r) => this.#server.listen(0, '127.0.0.1', r));
    this.port = (this.#server.address() as AddressInfo).port;
    return this.port;
  }
  close(): Promise<void> {
    this.#server.closeAllConnections();
    return new Promise((r) => this.#server.close(() => r()));
  }
  /** Resolves with the reply's text when a reply with this key arrives, or undefined after `timeoutMs`. */
  wait(key: string, timeoutMs: number): Promise<string | undefined> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#waiters.delete(key);
        resolve(undefined);
      }, timeoutMs);
      this.#waiters.set(key, (text) => {
        clearTimeout(timer);
        resolve(text);
      });
    });
  }
  #deliver(key: string, text: string) {
    const w = this.#waiters.get(key);
    if (!w) return;
    this.#waiters.delete(key);
    w(text);
  }
  #handle(req: IncomingMessage, res: ServerResponse) {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const url = req.url ?? '';
      const json = (body: unknown) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      if (url.startsWith('/api/')) {
        const method = url.slice(5).split('?')[0] ?? '';
        const args: Json = {};
        if ((req.headers['content-type'] ?? '').includes('application/json'))
          Object.assign(args, JSON.parse(raw || '{}'));
        else for (const [k, v] of new URLSearchParams(raw)) args[k] = v;
        const channel = String(args.channel ?? '');
        const ts = `1800000000.${String(++this.#ids).padStart(6, '0')}`;
        if (method === 'auth.test') return json({ ok: true, user_id: BOT_USER, bot_id: 'B0BOT', team_id: 'T0001' });
        if (method === 'chat.postMessage' || method === 'chat.postEphemeral') {
          this.#deliver(`slack|${channel}|${String(args.thread_ts ?? '')}`, String(args.text ?? ''));
          return json({ ok: true, channel, ts, message_ts: ts });
        }
        if (method === 'conversations.open') return json({ ok: true, channel: { id: 'D0HOME' } });
        return json({ ok: true, ts });
      }
      const m = /^\/teams\/v3\/conversations\/([^/]+)\/activities/.exec(url);
      if (m?.[1]) {
        const activity = JSON.parse(raw || '{}') as Json;
        if (activity.type === 'message')
          this.#deliver(`teams|${decodeURIComponent(m[1])}`, JSON.stringify(activity.attachments ?? activity.text));
        return json({ id: `act-${++this.#ids}` });
      }
      res.writeHead(404).end();
    });
  }
}

interface HttpSample {
  kind: 'slack' | 'teams';
  /** When it was sent, ms since the load began. */
  at: number;
  /** HTTP latency: the Slack ack, the Teams round trip. */
  httpMs?: number;
  /** Until the reply reached the stand-in (Teams: the same request). */
  answerMs?: number;
  error?: 'reset' | 'timeout' | 'http' | 'lost' | 'error reply';
  detail?: string;
}

interface ReloadWindow {
  trigger: 'edit' | 'edit + admin reload';
  from: number;
  to: number;
  builds: number;
  durationMs: number[];
  ok: boolean;
  delayMaxMs: number;
  adminReply?: string;
}

class Sender {
  readonly #agent = new Agent({ keepAlive: true, maxSockets: 64 });
  readonly #port: number;
  readonly #standIn: StandIn;
  #seq = 0;
  constructor(port: number, standIn: StandIn) {
    this.#port = port;
    this.#standIn = standIn;
  }
  destroy() {
    this.#agent.destroy();
  }
  post(path: string, body: string, headers: Record<string, string> = {}) {
    return new Promise<number>((resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port: this.#port,
          path,
          method: 'POST',
          agent: this.#agent,
          timeout: HTTP_TIMEOUT_MS,
          headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...headers },
        },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(new Error('request timeout')));
      req.on('error', reject);
      req.end(body);
    });
  }
  nextTs(): string {
    this.#seq++;
    return `1715000000.${String(this.#seq).padStart(6, '0')}`;
  }
  /** A signed Slack event (a mention in a channel, or a DM); the answer is awaited at the stand-in. */
  async slack(
    user: string,
    channel: string,
    text: string,
    dm = false,
    replyTimeoutMs = REPLY_TIMEOUT_MS,
  ): Promise<HttpSample & { reply?: string }> {
    const ts = this.nextTs();
    const event = dm
      ? { type: 'message', channel_type: 'im', user, text, ts, channel, event_ts: ts }
      : { type: 'app_mention', user, text: `<@${BOT_USER}> ${text}`, ts, channel, event_ts: ts };
    const body = JSON.stringify({
      token: 'bench',
      team_id: 'T0001',
      api_app_id: 'A0001',
      type: 'event_callback',
      event_id: `EvRELOAD${ts.replace('.', '')}`,
      event_time: Math.floor(Date.now() / 1000),
      event,
    });
    const stamp = Math.floor(Date.now() / 1000);
    const sig = createHmac('sha256', SECRET).update(`v0:${stamp}:${body}`).digest('hex');
    const reply = this.#standIn.wait(`slack|${channel}|${dm ? '' : ts}`, replyTimeoutMs);
    const t0 = performance.now();
    const sample: HttpSample & { reply?: string } = { kind: 'slack', at: t0 };
    try {
      const status = await this.post('/slack/events', body, {
        'x-slack-signature': `v0=${sig}`,
        'x-slack-request-timestamp': String(stamp),
      });
      sample.httpMs = performance.now() - t0;
      if (status !== 200) return { ...sample, error: 'http', detail: `HTTP ${status}` };
    } catch (err) {
      return { ...sample, ...failure(err) };
    }
    const got = await reply;
    if (got === undefined) return { ...sample, error: 'lost' };
    sample.answerMs = performance.now() - t0;
    sample.reply = got;
    return ERROR_TEXT.test(got) ? { ...sample, error: 'error reply', detail: got.slice(0, 80) } : sample;
  }
  /** A Teams message (unauthenticated loopback mode); the reply is posted to the connector before the response. */
  async teams(user: string, text: string): Promise<HttpSample> {
    const conversation = `a:reload-${this.nextTs()}`;
    const reply = this.#standIn.wait(`teams|${conversation}`, REPLY_TIMEOUT_MS);
    const body = JSON.stringify({
      type: 'message',
      id: `reload-${this.#seq}`,
      timestamp: new Date().toISOString(),
      serviceUrl: `http://127.0.0.1:${this.#standIn.port}/teams/`,
      channelId: 'emulator',
      from: { id: user, name: 'Bench User' },
      conversation: { id: conversation },
      recipient: TEAMS_BOT,
      text,
    });
    const t0 = performance.now();
    const sample: HttpSample = { kind: 'teams', at: t0 };
    try {
      const status = await this.post('/api/messages', body);
      sample.httpMs = performance.now() - t0;
      if (status !== 200) return { ...sample, error: 'http', detail: `HTTP ${status}` };
    } catch (err) {
      return { ...sample, ...failure(err) };
    }
    const got = await reply;
    if (got === undefined) return { ...sample, error: 'lost' };
    sample.answerMs = performance.now() - t0;
    return ERROR_TEXT.test(got) ? { ...sample, error: 'error reply', detail: got.slice(0, 80) } : sample;
  }
}

function failure(err: unknown): Pick<HttpSample, 'error' | 'detail'> {
  const e = err as { code?: string; message?: string };
  const detail = `${e.code ?? ''} ${e.message ?? String(err)}`.trim();
  if (RESET.test(detail)) return { error: 'reset', detail };
  if (/timeout/i.test(detail)) return { error: 'timeout', detail };
  return { error: 'http', detail };
}

async function httpMain(): Promise<void> {
  const { values } = parseArgs({
    options: {
      http: { type: 'boolean' },
      sizes: { type: 'string', default: '150,15000' },
      rate: { type: 'string', default: '20' },
      /** Share of the messages sent as Teams messages (the rest: Slack mentions). */
      teams: { type: 'string', default: '0.2' },
      /** Reloads per size (alternately an edit, and an edit + `admin reload`); default 4 at ≤ 1,500 entries, else 2. */
      reloads: { type: 'string' },
      /** Seconds of load before the first reload, between reloads and after the last. */
      pause: { type: 'string', default: '5' },
      'cpu-prof': { type: 'boolean', default: false },
      'ready-timeout-min': { type: 'string', default: '15' },
    },
  });
  const rate = Number(values.rate);
  const teamsShare = Number(values.teams);
  const pauseMs = Number(values.pause) * 1000;
  const sizes = values.sizes.split(',').map((x) => Number(x.replace(/_/g, '')));
  const profDir = values['cpu-prof'] ? join(ROOT, '.cache', 'bench-reload-prof') : undefined;
  if (profDir) mkdirSync(profDir, { recursive: true });
  const cache = join(ROOT, '.cache', 'bench-data');
  ensureWordVectors(cache, silentLogger);
  console.log(
    `reload over HTTP: ${rate} messages/s open-loop (${Math.round(teamsShare * 100)} % Teams, the rest Slack mentions), ` +
      `serve in a child process (SQLite stores, watcher on); ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown'}), ` +
      `Node ${process.version}, ${new Date().toISOString()}, load average ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}`,
  );
  for (const size of sizes) {
    const root = mkdtempSync(join(tmpdir(), 'mlops-guide-bench-reload-http-'));
    try {
      const knowledgeDir = join(root, 'knowledge');
      const dataDir = join(root, 'data');
      syntheticKnowledge(size, knowledgeDir);
      cpSync(join(cache, 'vectors'), join(dataDir, 'vectors'), { recursive: true });
      const reloads = Number(values.reloads ?? (size <= 1500 ? 4 : 2));
      await httpRun({
        knowledgeDir,
        dataDir,
        rate,
        teamsShare,
        reloads,
        pauseMs,
        profDir,
        readyTimeoutMs: Number(values['ready-timeout-min']) * 60_000,
      });
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  }
  if (profDir) console.log(`CPU profiles in ${profDir}`);
  process.exit(0);
}

async function httpRun(o: {
  knowledgeDir: string;
  dataDir: string;
  rate: number;
  teamsShare: number;
  reloads: number;
  pauseMs: number;
  profDir: string | undefined;
  readyTimeoutMs: number;
}): Promise<void> {
  const standIn = new StandIn();
  const apiPort = await standIn.start();
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    NODE_ENV: 'production',
    KNOWLEDGE_DIR: o.knowledgeDir,
    DATA_DIR: o.dataDir,
    HOST: '127.0.0.1',
    PORT: '0',
    LOG_LEVEL: 'warn',
    KNOWLEDGE_WATCH: 'true',
    MAINTAINERS: `slack:${ADMIN}`,
    TEAMS_ALLOW_UNAUTHENTICATED: 'true',
    SLACK_BOT_TOKEN: 'xoxb-bench-reload',
    SLACK_SIGNING_SECRET: SECRET,
    SLACK_API_URL: `http://127.0.0.1:${apiPort}/api/`,
  };
  // BENCH_SERVICE_ARGS: more Node flags for the service (e.g. --trace-gc), space-separated.
  const execArgv = [
    ...(o.profDir ? ['--cpu-prof', `--cpu-prof-dir=${o.profDir}`] : []),
    ...(process.env.BENCH_SERVICE_ARGS ?? '').split(' ').filter(Boolean),
  ];
  const child = new Child(env, execArgv);
  let sender: Sender | undefined;
  try {
    const started = performance.now();
    const ready = await child.next('ready', o.readyTimeoutMs);
    const entries = Number(ready.entries);
    console.log(
      `\n${entries} entries: service ready in ${((performance.now() - started) / 1000).toFixed(1)} s ` +
        `(first start: parses the knowledge and builds the index); ${o.reloads} reloads, ${o.pauseMs / 1000} s of load around each`,
    );
    sender = new Sender(Number(ready.port), standIn);
    const s = sender;
    // Warm-up, not counted: a few answers on each platform.
    for (let i = 0; i < 10; i++) {
      await s.slack(`U0WARM${i}`, 'C0WARM', QUESTIONS[i % QUESTIONS.length] as string);
      await s.teams(`29:warm-${i}`, QUESTIONS[(i + 3) % QUESTIONS.length] as string);
    }

    const samples: HttpSample[] = [];
    const pending: Promise<void>[] = [];
    let stop = false;
    const t0 = performance.now();
    const period = 1000 / o.rate;
    const load = (async () => {
      for (let i = 0; !stop; i++) {
        const wait = t0 + i * period - performance.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        const text = QUESTIONS[i % QUESTIONS.length] as string;
        // A new user every 10 messages keeps everyone under the default rate limit (30 a minute).
        const user = Math.floor(i / 10);
        // Every n-th message a Teams one (n from the share), the others Slack mentions in 16 channels.
        const teams = o.teamsShare > 0 && i % Math.round(1 / o.teamsShare) === 0;
        const p = teams ? s.teams(`29:reload-${user}`, text) : s.slack(`U${1000 + user}`, `C0LOAD${i % 16}`, text);
        pending.push(p.then((r) => void samples.push(r)));
      }
    })();

    const windows: ReloadWindow[] = [];
    const builds: Json[] = [];
    child.on((m) => {
      if (m.type === 'reloaded') builds.push({ ...m, at: performance.now() });
    });
    const marker = entryFiles(o.knowledgeDir).sort()[0] as string;
    const original = readFileSync(marker, 'utf8');
    for (let r = 0; r < o.reloads; r++) {
      await new Promise((res) => setTimeout(res, o.pauseMs));
      await child.ask('delay-reset');
      const trigger: ReloadWindow['trigger'] = r % 2 === 0 ? 'edit' : 'edit + admin reload';
      const before = builds.length;
      const from = performance.now();
      // A real change (a new paragraph at the end of one entry), so every reload rebuilds the index.
      writeFileSync(marker, `${original.trimEnd()}\n\nReload marker ${r} (${Date.now()}).\n`);
      let adminReply: string | undefined;
      if (trigger === 'edit') {
        await waitFor(() => builds.length > before, REPLY_TIMEOUT_MS * 10);
      } else {
        // The operator types the command right after saving; its reply comes when the reload is done.
        // Its reply waits for the reload (a minute or more at 15,000 entries on a loaded machine).
        const admin = await s.slack(ADMIN, 'D0ADMIN', 'admin reload', true, REPLY_TIMEOUT_MS * 10);
        adminReply = admin.reply ?? admin.error;
        await waitFor(() => builds.length > before, REPLY_TIMEOUT_MS * 10);
        // The watcher's reload (same edit) may start a second build after the first: wait until quiet for 2 s.
        await quiet(() => builds.length, 2000);
      }
      const mine = builds.slice(before);
      const to = Number(mine.at(-1)?.at ?? performance.now());
      const delay = await child.ask('delay');
      windows.push({
        trigger,
        from: from - t0,
        to: to - t0,
        builds: mine.length,
        durationMs: mine.map((b) => Number((b.last as Json | null)?.durationMs ?? Number.NaN)),
        ok: mine.every((b) => (b.last as Json | null)?.ok === true),
        delayMaxMs: Number(delay.maxMs),
        ...(adminReply ? { adminReply } : {}),
      });
    }
    await new Promise((res) => setTimeout(res, o.pauseMs));
    stop = true;
    await load;
    await Promise.all(pending);
    const seconds = (performance.now() - t0) / 1000;
    const memory = await child.ask('delay');
    writeFileSync(marker, original);
    for (const x of samples) x.at -= t0;
    reportHttp(samples, windows, seconds, Number(memory.rssMb));
  } finally {
    sender?.destroy();
    await child.stop().catch(() => child.kill());
    await standIn.close();
  }
}

async function waitFor(done: () => boolean, timeoutMs: number): Promise<void> {
  const until = performance.now() + timeoutMs;
  while (!done()) {
    if (performance.now() > until) throw new Error('reload did not finish in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function quiet(count: () => number, ms: number): Promise<void> {
  let last = count();
  let since = performance.now();
  while (performance.now() - since < ms) {
    await new Promise((r) => setTimeout(r, 50));
    if (count() !== last) {
      last = count();
      since = performance.now();
    }
  }
}

function reportHttp(samples: HttpSample[], windows: ReloadWindow[], seconds: number, rssMb: number): void {
  const during = (x: HttpSample) => windows.some((w) => x.at <= w.to && x.at + (x.answerMs ?? x.httpMs ?? 0) >= w.from);
  const line = (label: string, xs: number[]) => {
    const s = [...xs].sort((a, b) => a - b);
    const over = s.filter((v) => v > TARGET_MS).length;
    return `${label.padEnd(40)} n=${String(s.length).padStart(5)}  p50 ${fmt(pct(s, 0.5))} ms  p99 ${fmt(pct(s, 0.99))} ms  max ${fmt(s.at(-1) ?? Number.NaN)} ms  > ${TARGET_MS} ms: ${over}`;
  };
  const kinds = ['slack', 'teams'] as const;
  const out: string[] = [];
  for (const w of windows)
    out.push(
      `  reload  ${w.trigger.padEnd(19)} at ${(w.from / 1000).toFixed(1).padStart(6)} s, done after ${((w.to - w.from) / 1000).toFixed(1).padStart(5)} s: ` +
        `${w.builds} build(s) of ${w.durationMs.map((d) => `${(d / 1000).toFixed(1)} s`).join(' + ')}, ok ${w.ok ? 'yes' : 'NO'}; ` +
        `service event-loop delay max ${w.delayMaxMs.toFixed(0)} ms${w.adminReply ? `; admin reply "${w.adminReply.slice(0, 60)}"` : ''}`,
    );
  for (const [scope, pick] of [
    ['whole run', (_: HttpSample) => true],
    ['during reloads', during],
  ] as const) {
    const xs = samples.filter(pick);
    for (const k of kinds) {
      const ks = xs.filter((x) => x.kind === k);
      const http = ks.filter((x) => x.httpMs !== undefined).map((x) => x.httpMs as number);
      out.push(`  ${line(`${scope}: ${k === 'slack' ? 'Slack ack (HTTP)' : 'Teams round trip (HTTP)'}`, http)}`);
      if (k === 'slack')
        out.push(
          `  ${line(
            `${scope}: Slack answer`,
            ks.filter((x) => x.answerMs !== undefined).map((x) => x.answerMs as number),
          )}`,
        );
    }
  }
  const count = (e: HttpSample['error']) => samples.filter((x) => x.error === e).length;
  const details = new Map<string, number>();
  for (const x of samples)
    if (x.error) details.set(`${x.error}: ${x.detail ?? ''}`, (details.get(`${x.error}: ${x.detail ?? ''}`) ?? 0) + 1);
  const httpAll = samples.filter((x) => x.httpMs !== undefined).map((x) => x.httpMs as number);
  const overAll = httpAll.filter((v) => v > TARGET_MS).length;
  const resets = count('reset');
  const lost = count('lost');
  out.push(
    `  sent ${samples.length} in ${seconds.toFixed(0)} s (${(samples.length / seconds).toFixed(1)}/s); resets ${resets}, timeouts ${count('timeout')}, ` +
      `other HTTP errors ${count('http')}, lost answers ${lost}, error replies ${count('error reply')}; service RSS ${rssMb} MB at the end`,
  );
  if (details.size) out.push(`  errors: ${[...details].map(([k, n]) => `${k} ×${n}`).join('; ')}`);
  out.push(
    `  targets: no HTTP request > ${TARGET_MS} ms: ${overAll === 0 ? 'met' : `NOT met (${overAll})`} · 0 connection resets: ${resets === 0 ? 'met' : 'NOT met'} · ` +
      `0 lost answers: ${lost === 0 ? 'met' : 'NOT met'} · all reloads ok: ${windows.every((w) => w.ok) ? 'yes' : 'NO'}`,
  );
  console.log(out.join('\n'));
}

// Run as a script (at the end: the classes above must be initialised); importing the module (to reuse
// syntheticKnowledge) runs nothing.
if (import.meta.main) {
  if (process.argv.includes('--service-child')) await serviceChild();
  else if (process.argv.includes('--http')) await httpMain();
  else await main();
}
