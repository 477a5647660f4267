// Load benchmark of the whole service (`serve`) on loopback: the real HTTP server, Bolt (Slack HTTP mode, signed
// requests), botbuilder (Teams, unauthenticated loopback mode) and the real core on the real knowledge base.
// The service runs in a child process (so its memory is measured alone, and it has a core to itself); this
// process runs the load and one tiny HTTP server standing in for the Slack Web API (SLACK_API_URL) and the Teams
// Bot Connector (the activities' serviceUrl). The mix: Slack mentions and DMs with questions, Teams questions and
// commands, and walkthrough clicks (Teams Action.Submit, Slack block_actions) through `infra` to its end.
//
//   npm run bench:load                                  (60 s measured after a 15 s warm-up, 16 concurrent)
//   npm run bench:load -- --seconds 10 --concurrency 8  (--max-messages N, --warmup S, --only slack|teams,
//                          --redis-url redis://…, --service-node-options=--max-semi-space-size=4,
//                          --answer-workers N: the service's ANSWER_WORKERS, default its own default)
//   npm run bench:load -- --overload 4 --seconds 20     (back-pressure: measures the capacity in Slack mentions/s,
//                          then sends 4× that rate open-loop; counts answered / "busy" / lost, checks
//                          mlops_guide_dropped_total against the busy replies, ack p99; --capacity-seconds S;
//                          --open-sockets N: connections the open-loop sender may open, default 256 — Slack posts
//                          each event as its own request, and a few keep-alive sockets would queue acks in the
//                          sender, timing the bench's own queue; --open-sockets 32 is the sender before 2 Dec 2026)
//
// Memory is read in the service after a full GC, once after the warm-up and once at the end. Under load V8 first
// grows its heap (young generation and a pool of 256 KB pages it keeps after GC) for ~10–20 s; the warm-up lets
// that settle so the growth figure shows what the service retains. The RSS timeline shows the shape.
//
// Latency: Teams = the HTTP round trip (the reply is posted to the connector before the response); Slack = from
// sending the event/click until its reply reaches the stand-in (the ack comes first). "Answered" = an inbound
// message whose reply reached a stand-in. Rate limit: the service keeps its default RATE_LIMIT_PER_MINUTE (30);
// each virtual user sends at most 20 messages and is then replaced by a new user id, so nobody is refused.
// Targets on 2 cores: ≥ 200 answered messages/s, p99 ≤ 100 ms, no errors, memory growth < 10 %.
import { type ChildProcess, fork } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { Agent, createServer, type IncomingMessage, request, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

const REPO = resolve(import.meta.dirname, '..');
const SECRET = 'bench-load-signing-secret';
const BOT_USER = 'U0BOT';
const TEAMS_BOT = { id: '28:bench-bot', name: 'MLOps Guide' };
const TARGETS = { messagesPerSecond: 200, p99Ms: 100, memoryGrowthPct: 10 };
const REQUEST_TIMEOUT_MS = 10_000;
/** Messages one virtual user sends before a new user id takes over (RATE_LIMIT_PER_MINUTE stays at 30). */
const MESSAGES_PER_USER = 20;
const ERROR_TEXT =
  /something went wrong|not reachable|faster than I can|could not read that|no longer supported|has expired/i;

const QUESTIONS = [
  'How do we version training data?',
  'What is model drift?',
  'How should we monitor models in production for drift?',
  'Who owns the coating process data?',
  'What is a feature store?',
  'How do I deploy a model next to a machine on the shop floor?',
  'What is the difference between MLOps and DevOps?',
  'How do we retrain a model when the data changes?',
  'What does data classification mean for cloud use?',
  'How do we track experiments?',
  'What is a model registry for?',
  'Why do ML projects need more data than expected?',
  'How do we get access to a confidential data set?',
  'What is the sidecar deployment pattern?',
  'What will the weather be like in Paris tomorrow?',
  'Can you recommend a good pizza place?',
];
const TEAMS_COMMANDS = ['help', 'properties', 'property drift', 'challenges', 'guidelines', 'about'];

type Json = Record<string, unknown>;
interface CpuSample {
  cpu: NodeJS.CpuUsage;
  /** The main thread's own CPU time (process.threadCpuUsage): what every message costs where acks are made. */
  main: NodeJS.CpuUsage;
  elu: { idle: number; active: number; utilization: number };
}
interface MemorySample {
  rss: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
  arrayBuffers: number;
  /** Linux: resident anonymous memory (heaps, malloc) and file-backed pages (code, mmapped files); 0 elsewhere. */
  rssAnon: number;
  rssFile: number;
}

// ------------------------------------------------------------------------------------------------------------------
// The service, in a child process.

async function serviceChild(): Promise<void> {
  const { loadConfig } = await import('../src/config.ts');
  const { startService } = await import('../src/cli/serve.ts');
  const { createLogger } = await import('../src/cli/logger.ts');
  const config = loadConfig(process.env);
  const service = await startService(config, { logger: createLogger(config.logLevel, 2) });
  const memory = (collect = true): MemorySample => {
    if (collect) (globalThis as { gc?: () => void }).gc?.();
    const m = process.memoryUsage();
    const status = existsSync('/proc/self/status') ? readFileSync('/proc/self/status', 'utf8') : '';
    const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0) * 1024;
    return {
      rss: m.rss,
      heapUsed: m.heapUsed,
      heapTotal: m.heapTotal,
      external: m.external,
      arrayBuffers: m.arrayBuffers,
      rssAnon: kb('RssAnon'),
      rssFile: kb('RssFile') + kb('RssShmem'),
    };
  };
  const send = (m: Json) => process.send?.(m);
  process.on('message', (m: { type?: string; gc?: boolean }) => {
    if (m.type === 'memory') send({ type: 'memory', memory: memory(m.gc !== false) });
    // CPU of the whole service (every thread) and how busy its main thread's event loop is.
    if (m.type === 'cpu')
      send({
        type: 'cpu',
        cpu: process.cpuUsage(),
        main: process.threadCpuUsage(),
        elu: performance.eventLoopUtilization(),
      });
    if (m.type === 'stop') {
      void service.stop().finally(() => {
        send({ type: 'stopped' });
        process.disconnect?.();
        process.exit(0);
      });
    }
  });
  // If the bench dies, so does its service.
  process.on('disconnect', () => process.exit(1));
  send({ type: 'ready', port: service.port, memory: memory() });
}

class ServiceProcess {
  readonly #child: ChildProcess;
  readonly #waiting = new Map<string, (m: Json) => void>();
  constructor(env: Record<string, string>) {
    this.#child = fork(new URL(import.meta.url).pathname, ['--service-child'], {
      env,
      execArgv: ['--expose-gc'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.#child.on('message', (m: Json) => {
      const type = String(m.type);
      const w = this.#waiting.get(type);
      if (w) {
        this.#waiting.delete(type);
        w(m);
      }
    });
  }
  next(type: string, timeoutMs = 120_000): Promise<Json> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`service did not send "${type}" in time`)), timeoutMs);
      const exit = (code: number | null) => reject(new Error(`service exited (${code}) before "${type}"`));
      this.#child.once('exit', exit);
      this.#waiting.set(type, (m) => {
        clearTimeout(timer);
        this.#child.off('exit', exit);
        resolve(m);
      });
    });
  }
  /** The service's memory; after a full GC unless `gc` is false (a cheap peek while the load runs). */
  async memory(gc = true): Promise<MemorySample> {
    const reply = this.next('memory', 10_000);
    this.#child.send({ type: 'memory', gc });
    return (await reply).memory as MemorySample;
  }
  /** CPU time of the service process (all threads) and its main thread's event-loop utilisation so far. */
  async cpu(): Promise<CpuSample> {
    const reply = this.next('cpu', 10_000);
    this.#child.send({ type: 'cpu' });
    const m = await reply;
    return { cpu: m.cpu as NodeJS.CpuUsage, main: m.main as NodeJS.CpuUsage, elu: m.elu as CpuSample['elu'] };
  }
  async stop(): Promise<void> {
    if (this.#child.exitCode !== null) return;
    const stopped = this.next('stopped', 20_000).catch(() => undefined);
    this.#child.send({ type: 'stop' });
    await stopped;
    // Let it exit by itself (a --cpu-prof profile is written at exit), then make sure.
    if (this.#child.exitCode === null)
      await new Promise<void>((r) => {
        const t = setTimeout(r, 10_000);
        this.#child.once('exit', () => {
          clearTimeout(t);
          r();
        });
      });
    this.kill();
  }
  kill(): void {
    if (this.#child.exitCode === null && this.#child.signalCode === null) this.#child.kill('SIGKILL');
  }
}

// ------------------------------------------------------------------------------------------------------------------
// The stand-in for the Slack Web API (/api/…, /hooks/…) and the Teams Bot Connector (/teams/v3/…).

interface SlackReply {
  channel: string;
  ts: string;
  text: string;
  blocks: unknown;
  ephemeral?: boolean;
}

class StandIn {
  readonly replies = { slack: 0, teams: 0, errorText: 0 };
  readonly calls = new Map<string, number>();
  /** Slack: waiters keyed by `post|channel|thread_ts` or `update|channel|ts`. */
  readonly #slackWaiters = new Map<string, (r: SlackReply) => void>();
  /** Teams: the latest card the bot posted or updated in each conversation. */
  readonly teamsCards = new Map<string, { activityId: string; card: unknown; replies: number; text: string }>();
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

  waitSlack(key: string, timeoutMs: number): { reply: Promise<SlackReply>; cancel(): void } {
    let timer: NodeJS.Timeout | undefined;
    const reply = new Promise<SlackReply>((resolve, reject) => {
      timer = setTimeout(() => {
        this.#slackWaiters.delete(key);
        reject(new Error('slack reply timeout'));
      }, timeoutMs);
      this.#slackWaiters.set(key, (r) => {
        clearTimeout(timer);
        resolve(r);
      });
    });
    // The timer runs from sending; under overload the ack itself can take longer, and a timeout before anyone awaits
    // the reply must not end the bench as an unhandled rejection (the caller still sees it when it awaits).
    reply.catch(() => undefined);
    return {
      reply,
      cancel: () => {
        clearTimeout(timer);
        this.#slackWaiters.delete(key);
      },
    };
  }

  #count(name: string) {
    this.calls.set(name, (this.calls.get(name) ?? 0) + 1);
  }

  #handle(req: IncomingMessage, res: ServerResponse) {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const url = req.url ?? '';
      const json = (status: number, body: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      try {
        if (url.startsWith('/api/'))
          return json(200, this.#slack(url.slice(5), req.headers['content-type'] ?? '', raw));
        if (url.startsWith('/hooks/')) {
          this.#count('response_url');
          return json(200, { ok: true });
        }
        const m = /^\/teams\/v3\/conversations\/([^/]+)\/activities(?:\/([^/?]+))?/.exec(url);
        if (m?.[1]) return json(200, this.#teams(req.method ?? 'POST', decodeURIComponent(m[1]), m[2], raw));
        json(404, { error: 'not found' });
      } catch (err) {
        json(500, { error: String(err) });
      }
    });
  }

  #slack(method: string, contentType: string, raw: string): Json {
    this.#count(method);
    const args: Json = {};
    if (contentType.includes('application/json')) Object.assign(args, JSON.parse(raw || '{}'));
    else for (const [k, v] of new URLSearchParams(raw)) args[k] = /^[[{]/.test(v) ? JSON.parse(v) : v;
    const channel = String(args.channel ?? '');
    switch (method) {
      case 'auth.test':
        return { ok: true, user_id: BOT_USER, bot_id: 'B0BOT', team_id: 'T0001', user: 'mlops-guide' };
      case 'chat.postMessage':
      case 'chat.update': {
        const ts = method === 'chat.update' ? String(args.ts) : `1800000000.${String(++this.#ids).padStart(6, '0')}`;
        const reply: SlackReply = { channel, ts, text: String(args.text ?? ''), blocks: args.blocks };
        this.replies.slack += 1;
        if (ERROR_TEXT.test(reply.text)) this.replies.errorText += 1;
        const key =
          method === 'chat.update' ? `update|${channel}|${ts}` : `post|${channel}|${String(args.thread_ts ?? '')}`;
        const waiter = this.#slackWaiters.get(key);
        if (waiter) {
          this.#slackWaiters.delete(key);
          waiter(reply);
        }
        return { ok: true, channel, ts };
      }
      case 'chat.postEphemeral': {
        // The "busy" notice to a mention's asker (and other private notices): delivered to the asker's waiter.
        const reply: SlackReply = {
          channel,
          ts: '',
          text: String(args.text ?? ''),
          blocks: args.blocks,
          ephemeral: true,
        };
        this.replies.slack += 1;
        const key = `post|${channel}|${String(args.thread_ts ?? '')}`;
        const waiter = this.#slackWaiters.get(key);
        if (waiter) {
          this.#slackWaiters.delete(key);
          waiter(reply);
        }
        return { ok: true, message_ts: `1800000000.${String(++this.#ids).padStart(6, '0')}` };
      }
      case 'conversations.open':
        return { ok: true, channel: { id: 'D0HOME' } };
      default:
        return { ok: true };
    }
  }

  #teams(method: string, conversationId: string, activityId: string | undefined, raw: string): Json {
    const activity = JSON.parse(raw || '{}') as Json;
    this.#count(`teams ${method} ${String(activity.type)}`);
    if (activity.type !== 'message') return { id: `typing-${++this.#ids}` };
    const id = method === 'PUT' && activityId ? decodeURIComponent(activityId) : `act-${++this.#ids}`;
    const attachments = activity.attachments as { content?: unknown }[] | undefined;
    const card = attachments?.[0]?.content;
    const text = JSON.stringify(card ?? activity.text ?? '');
    this.replies.teams += 1;
    if (ERROR_TEXT.test(text)) this.replies.errorText += 1;
    const prev = this.teamsCards.get(conversationId);
    this.teamsCards.set(conversationId, { activityId: id, card, replies: (prev?.replies ?? 0) + 1, text });
    return { id };
  }
}

// ------------------------------------------------------------------------------------------------------------------
// The load.

type Kind = 'slack-mention' | 'slack-dm' | 'slack-click' | 'teams-question' | 'teams-command' | 'teams-click';

interface Sample {
  kind: Kind;
  ms: number;
  ok: boolean;
  error?: string;
}

/** A small deterministic PRNG (mulberry32): the same mix on every run. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Every button/action carrying one of our walkthrough answers, anywhere in a Block Kit or Adaptive Card tree. */
function walkthroughAnswers(node: unknown, out: Json[] = []): Json[] {
  if (Array.isArray(node)) for (const n of node) walkthroughAnswers(n, out);
  else if (node && typeof node === 'object') {
    const o = node as Json;
    const data = o.data as Json | undefined;
    if (o.type === 'button' && typeof o.action_id === 'string' && o.action_id.startsWith('walkthrough:answer:'))
      out.push(o);
    else if (
      o.type === 'Action.Submit' &&
      typeof data?.actionId === 'string' &&
      data.actionId.startsWith('walkthrough:answer:')
    )
      out.push(o);
    for (const v of Object.values(o)) walkthroughAnswers(v, out);
  }
  return out;
}

/** A Slack Events API envelope (event_callback) around one event, as the JSON body Slack posts. */
function eventEnvelope(event: Json, eventId: string): string {
  return JSON.stringify({
    token: 'bench',
    team_id: 'T0001',
    api_app_id: 'A0001',
    type: 'event_callback',
    event_id: eventId,
    event_time: Math.floor(Date.now() / 1000),
    event,
  });
}

class Load {
  readonly samples: Sample[] = [];
  #seq = 0;
  #users = 0;
  readonly #agent: Agent;
  /** The open-loop sender's connections: Slack delivers each event as its own request, not over a few sockets. */
  readonly #openAgent: Agent;
  readonly port: number;
  readonly standIn: StandIn;
  constructor(port: number, standIn: StandIn, concurrency: number, openSockets = concurrency * 2) {
    this.port = port;
    this.standIn = standIn;
    this.#agent = new Agent({ keepAlive: true, maxSockets: concurrency * 2 });
    this.#openAgent = new Agent({ keepAlive: true, maxSockets: openSockets });
  }
  destroy() {
    this.#agent.destroy();
    this.#openAgent.destroy();
  }

  #post(
    path: string,
    contentType: string,
    body: string,
    headers: Record<string, string> = {},
    agent: Agent = this.#agent,
  ) {
    return new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port: this.port,
          path,
          method: 'POST',
          agent,
          timeout: REQUEST_TIMEOUT_MS,
          headers: { 'content-type': contentType, 'content-length': Buffer.byteLength(body), ...headers },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        },
      );
      req.on('timeout', () => req.destroy(new Error('request timeout')));
      req.on('error', reject);
      req.end(body);
    });
  }

  #slackSigned(body: string, contentType: string, open = false) {
    const ts = Math.floor(Date.now() / 1000);
    const sig = createHmac('sha256', SECRET).update(`v0:${ts}:${body}`).digest('hex');
    return this.#post(
      '/slack/events',
      contentType,
      body,
      { 'x-slack-signature': `v0=${sig}`, 'x-slack-request-timestamp': String(ts) },
      open ? this.#openAgent : this.#agent,
    );
  }

  #record(kind: Kind, started: number, error?: string) {
    const ms = performance.now() - started;
    this.samples.push(error ? { kind, ms, ok: false, error } : { kind, ms, ok: true });
  }

  nextTs(): string {
    this.#seq += 1;
    return `${1715000000 + Math.floor(this.#seq / 1e6)}.${String(this.#seq % 1e6).padStart(6, '0')}`;
  }
  newUser(): number {
    return ++this.#users;
  }

  /** A Slack event; resolves with the reply the stand-in received (or undefined on error). */
  async slackEvent(kind: 'slack-mention' | 'slack-dm', user: string, channel: string, text: string) {
    const ts = this.nextTs();
    const event =
      kind === 'slack-mention'
        ? { type: 'app_mention', user, text: `<@${BOT_USER}> ${text}`, ts, channel, event_ts: ts }
        : { type: 'message', channel_type: 'im', user, text, ts, channel, event_ts: ts };
    const body = eventEnvelope(event, `EvLOAD${ts.replace('.', '')}`);
    const waiter = this.standIn.waitSlack(`post|${channel}|${kind === 'slack-mention' ? ts : ''}`, REQUEST_TIMEOUT_MS);
    const started = performance.now();
    try {
      const ack = await this.#slackSigned(body, 'application/json');
      if (ack.status !== 200) throw new Error(`HTTP ${ack.status}`);
      const reply = await waiter.reply;
      this.#record(kind, started, ERROR_TEXT.test(reply.text) ? 'error reply' : undefined);
      return { reply, threadTs: ts };
    } catch (err) {
      waiter.cancel();
      this.#record(kind, started, err instanceof Error ? err.message : String(err));
      return undefined;
    }
  }

  /**
   * Overload: one mention sent without waiting for earlier ones. Resolves when its reply (answer or "busy") reaches
   * the stand-in, or with `lost` when it was accepted (HTTP 200) and nothing came within `replyTimeoutMs`.
   */
  async openLoopMention(user: string, channel: string, text: string, replyTimeoutMs: number): Promise<OpenLoopResult> {
    const ts = this.nextTs();
    const event = { type: 'app_mention', user, text: `<@${BOT_USER}> ${text}`, ts, channel, event_ts: ts };
    const body = eventEnvelope(event, `EvOVER${ts.replace('.', '')}`);
    const waiter = this.standIn.waitSlack(`post|${channel}|${ts}`, replyTimeoutMs);
    const started = performance.now();
    let ack: { status: number } | undefined;
    try {
      ack = await this.#slackSigned(body, 'application/json', true);
    } catch (err) {
      waiter.cancel();
      return { outcome: 'not accepted', ackMs: performance.now() - started, error: String(err) };
    }
    const ackMs = performance.now() - started;
    if (ack.status !== 200) {
      waiter.cancel();
      return { outcome: 'not accepted', ackMs, error: `HTTP ${ack.status}` };
    }
    try {
      const reply = await waiter.reply;
      const replyMs = performance.now() - started;
      return { outcome: BUSY_TEXT.test(reply.text) ? 'busy' : 'answered', ackMs, replyMs };
    } catch {
      return { outcome: 'lost', ackMs };
    }
  }

  /** A Slack block_actions click on a message the bot posted; resolves with the updated message. */
  async slackClick(user: string, channel: string, threadTs: string, message: SlackReply, button: Json) {
    const payload = {
      type: 'block_actions',
      user: { id: user, username: user.toLowerCase(), name: user.toLowerCase(), team_id: 'T0001' },
      api_app_id: 'A0001',
      token: 'bench',
      container: {
        type: 'message',
        message_ts: message.ts,
        channel_id: channel,
        is_ephemeral: false,
        thread_ts: threadTs,
      },
      trigger_id: `${this.#seq}.1.bench`,
      team: { id: 'T0001', domain: 'acme' },
      channel: { id: channel, name: 'ml-bench' },
      message: {
        type: 'message',
        user: BOT_USER,
        bot_id: 'B0BOT',
        ts: message.ts,
        thread_ts: threadTs,
        text: message.text,
      },
      state: { values: {} },
      response_url: `http://127.0.0.1:${this.standIn.port}/hooks/actions/${this.nextTs()}`,
      actions: [
        {
          action_id: button.action_id,
          block_id: 'bench',
          value: button.value,
          type: 'button',
          text: button.text,
          action_ts: this.nextTs(),
        },
      ],
    };
    const waiter = this.standIn.waitSlack(`update|${channel}|${message.ts}`, REQUEST_TIMEOUT_MS);
    const started = performance.now();
    try {
      const ack = await this.#slackSigned(
        `payload=${encodeURIComponent(JSON.stringify(payload))}`,
        'application/x-www-form-urlencoded',
      );
      if (ack.status !== 200) throw new Error(`HTTP ${ack.status}`);
      const reply = await waiter.reply;
      this.#record('slack-click', started, ERROR_TEXT.test(reply.text) ? 'error reply' : undefined);
      return reply;
    } catch (err) {
      waiter.cancel();
      this.#record('slack-click', started, err instanceof Error ? err.message : String(err));
      return undefined;
    }
  }

  /** A Teams activity (message or Action.Submit); resolves with the conversation's latest card after the reply. */
  async teams(
    kind: 'teams-question' | 'teams-command' | 'teams-click',
    user: string,
    conversation: string,
    extra: Json,
  ) {
    const before = this.standIn.teamsCards.get(conversation)?.replies ?? 0;
    const body = JSON.stringify({
      type: 'message',
      id: `load-${this.nextTs()}`,
      timestamp: new Date().toISOString(),
      serviceUrl: `http://127.0.0.1:${this.standIn.port}/teams/`,
      channelId: 'emulator',
      from: { id: user, name: 'Bench User' },
      conversation: { id: conversation },
      recipient: TEAMS_BOT,
      ...extra,
    });
    const started = performance.now();
    try {
      const res = await this.#post('/api/messages', 'application/json', body);
      if (res.status !== 200) throw new Error(`HTTP ${res.status}`);
      const after = this.standIn.teamsCards.get(conversation);
      if (!after || after.replies === before) throw new Error('no reply reached the connector');
      this.#record(kind, started, ERROR_TEXT.test(after.text) ? 'error reply' : undefined);
      return after;
    } catch (err) {
      this.#record(kind, started, err instanceof Error ? err.message : String(err));
      return undefined;
    }
  }
}

const BUSY_TEXT = /I'm busy right now/i;

interface OpenLoopResult {
  outcome: 'answered' | 'busy' | 'lost' | 'not accepted';
  ackMs: number;
  replyMs?: number;
  error?: string;
}

/**
 * Sends mentions at a fixed rate for `seconds`, each on its own (open loop: the sender never waits for the service),
 * then waits for every reply. Returns one result per message.
 */
async function openLoop(load: Load, ratePerSecond: number, seconds: number, seed: number): Promise<OpenLoopResult[]> {
  const rand = random(seed);
  const pending: Promise<OpenLoopResult>[] = [];
  const started = performance.now();
  const total = Math.round(ratePerSecond * seconds);
  let user = load.newUser();
  let sentByUser = 0;
  while (pending.length < total) {
    const due = Math.min(total, Math.floor(((performance.now() - started) / 1000) * ratePerSecond));
    while (pending.length < due) {
      if (++sentByUser > MESSAGES_PER_USER) {
        user = load.newUser();
        sentByUser = 1;
      }
      const i = pending.length;
      pending.push(
        load.openLoopMention(
          `U${user}`,
          `C0OVER${i % 64}`,
          QUESTIONS[Math.floor(rand() * QUESTIONS.length)] as string,
          OVERLOAD_REPLY_TIMEOUT_MS,
        ),
      );
    }
    await new Promise((r) => setTimeout(r, 5));
  }
  return Promise.all(pending);
}

/** How long an accepted message may take to get its reply (answer or "busy") before it counts as lost. */
const OVERLOAD_REPLY_TIMEOUT_MS = 120_000;

async function scrapeDropped(port: number): Promise<number> {
  const res = await fetch(`http://127.0.0.1:${port}/metrics`);
  const text = await res.text();
  let sum = 0;
  for (const m of text.matchAll(/^mlops_guide_dropped_total\{[^}]*\} (\d+(?:\.\d+)?)/gm)) sum += Number(m[1]);
  return sum;
}

type Task = 'slack-question' | 'teams-question' | 'teams-command' | 'teams-walkthrough' | 'slack-walkthrough';
type Platforms = 'all' | 'slack' | 'teams';

/**
 * Task weights. Per message this is roughly 45 % questions, 15 % commands, 40 % walkthrough steps (a walkthrough
 * task is about seven messages: the start and its clicks).
 */
const TASKS: readonly { task: Task; weight: number; platform: 'slack' | 'teams' }[] = [
  { task: 'slack-question', weight: 0.36, platform: 'slack' },
  { task: 'teams-question', weight: 0.33, platform: 'teams' },
  { task: 'teams-command', weight: 0.22, platform: 'teams' },
  { task: 'teams-walkthrough', weight: 0.045, platform: 'teams' },
  { task: 'slack-walkthrough', weight: 0.045, platform: 'slack' },
];

/** One virtual client: picks tasks from the mix until the phase ends; replaces its user every 20 messages. */
async function client(load: Load, id: number, rand: () => number, until: () => boolean, platforms: Platforms) {
  let user = load.newUser();
  let sent = 0;
  const userFor = (messages: number) => {
    if (sent + messages > MESSAGES_PER_USER) {
      user = load.newUser();
      sent = 0;
    }
    sent += messages;
    return user;
  };
  const pick = <T>(list: readonly T[]) => list[Math.floor(rand() * list.length)] as T;
  const tasks = TASKS.filter((t) => platforms === 'all' || t.platform === platforms);
  const total = tasks.reduce((sum, t) => sum + t.weight, 0);
  const nextTask = (): Task => {
    let r = rand() * total;
    for (const t of tasks) {
      r -= t.weight;
      if (r < 0) return t.task;
    }
    return tasks[0]?.task ?? 'teams-question';
  };

  while (!until()) {
    switch (nextTask()) {
      case 'slack-question': {
        // A mention in a channel or a DM, with a question.
        const u = `U${userFor(1)}`;
        if (rand() < 0.5) await load.slackEvent('slack-mention', u, `C0BENCH${id}`, pick(QUESTIONS));
        else await load.slackEvent('slack-dm', u, `D0BENCH${id}`, pick(QUESTIONS));
        break;
      }
      case 'teams-question': {
        const u = `29:bench-${userFor(1)}`;
        await load.teams('teams-question', u, `a:bench-${u}`, { text: pick(QUESTIONS) });
        break;
      }
      case 'teams-command': {
        const u = `29:bench-${userFor(1)}`;
        await load.teams('teams-command', u, `a:bench-${u}`, { text: pick(TEAMS_COMMANDS) });
        break;
      }
      case 'teams-walkthrough': {
        // `infra`, then Action.Submit clicks on the card (updated in place) to the end.
        const u = `29:bench-${userFor(9)}`;
        const conversation = `a:bench-${u}`;
        let card = await load.teams('teams-command', u, conversation, { text: 'infra' });
        for (let step = 0; card && step < 8 && !until(); step++) {
          const answers = walkthroughAnswers(card.card);
          if (answers.length === 0) break;
          const action = pick(answers);
          card = await load.teams('teams-click', u, conversation, { value: action.data, replyToId: card.activityId });
        }
        break;
      }
      case 'slack-walkthrough': {
        // Mention `infra` in a channel, then block_actions clicks (chat.update in place).
        const u = `U${userFor(9)}`;
        const channel = `C0BENCH${id}`;
        const started = await load.slackEvent('slack-mention', u, channel, 'infra');
        let message = started?.reply;
        for (let step = 0; started && message && step < 8 && !until(); step++) {
          const answers = walkthroughAnswers(message.blocks);
          if (answers.length === 0) break;
          message = await load.slackClick(u, channel, started.threadTs, message, pick(answers));
        }
        break;
      }
    }
  }
}

async function runPhase(
  load: Load,
  options: { concurrency: number; seconds: number; maxMessages: number; seed: number; platforms: Platforms },
) {
  const { concurrency, seconds, maxMessages, seed, platforms } = options;
  const first = load.samples.length;
  const started = performance.now();
  const deadline = started + seconds * 1000;
  const over = () => performance.now() >= deadline || load.samples.length - first >= maxMessages;
  await Promise.all(Array.from({ length: concurrency }, (_, i) => client(load, i, random(seed + i), over, platforms)));
  return { samples: load.samples.slice(first), seconds: (performance.now() - started) / 1000 };
}

// ------------------------------------------------------------------------------------------------------------------
// Report.

const pct = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? 0;
const mb = (n: number) => `${(n / 1048576).toFixed(1)} MB`;
const growth = (a: number, b: number) => ((b - a) / a) * 100;

function latencyLine(label: string, samples: Sample[]) {
  const ms = samples.map((s) => s.ms).sort((a, b) => a - b);
  return `${label.padEnd(15)} n=${String(ms.length).padStart(6)}  p50 ${pct(ms, 50).toFixed(1).padStart(6)} ms  p90 ${pct(ms, 90).toFixed(1).padStart(6)} ms  p99 ${pct(ms, 99).toFixed(1).padStart(6)} ms  max ${(ms.at(-1) ?? 0).toFixed(1).padStart(7)} ms`;
}

async function main() {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    options: {
      seconds: { type: 'string', default: '60' },
      warmup: { type: 'string' },
      concurrency: { type: 'string', default: '16' },
      'max-messages': { type: 'string', default: '200000' },
      'redis-url': { type: 'string' },
      only: { type: 'string', default: 'all' },
      'service-node-options': { type: 'string' },
      'answer-workers': { type: 'string' },
      overload: { type: 'string' },
      'capacity-seconds': { type: 'string', default: '15' },
      'open-sockets': { type: 'string', default: '256' },
    },
  });
  const seconds = Math.max(1, Math.min(3600, Number(values.seconds)));
  const warmup = Math.max(0, Math.min(60, Number(values.warmup ?? Math.min(15, Math.ceil(seconds / 4)))));
  const concurrency = Math.max(1, Math.min(512, Number(values.concurrency)));
  const maxMessages = Math.max(1, Number(values['max-messages']));
  if (![seconds, warmup, concurrency, maxMessages].every(Number.isFinite)) throw new Error('bad numeric option');
  const platforms = values.only as Platforms;
  if (!['all', 'slack', 'teams'].includes(platforms)) throw new Error('--only must be slack, teams or all');

  // A private DATA_DIR with the offline word vectors (copied from the test cache when it exists, else built once).
  const dataDir = mkdtempSync(join(tmpdir(), 'mlops-guide-bench-'));
  const cached = join(REPO, '.cache/test-data/vectors');
  if (existsSync(cached)) cpSync(cached, join(dataDir, 'vectors'), { recursive: true, dereference: true });
  else {
    const { ensureWordVectors } = await import('../src/retrieval/word-vectors.ts');
    const { silentLogger } = await import('../src/base/index.ts');
    ensureWordVectors(dataDir, silentLogger);
  }

  const standIn = new StandIn();
  let service: ServiceProcess | undefined;
  let load: Load | undefined;
  const cleanup = async () => {
    load?.destroy();
    await service?.stop().catch(() => service?.kill());
    await standIn.close();
    rmSync(dataDir, { recursive: true, force: true });
  };
  process.once('SIGINT', () => {
    service?.kill();
    rmSync(dataDir, { recursive: true, force: true });
    process.exit(130);
  });

  try {
    const apiPort = await standIn.start();
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '',
      ...(values['service-node-options'] ? { NODE_OPTIONS: values['service-node-options'] } : {}),
      ...(values['answer-workers'] !== undefined ? { ANSWER_WORKERS: values['answer-workers'] } : {}),
      ...(process.env.MALLOC_ARENA_MAX ? { MALLOC_ARENA_MAX: process.env.MALLOC_ARENA_MAX } : {}),
      NODE_ENV: 'production',
      KNOWLEDGE_DIR: join(REPO, 'knowledge'),
      DATA_DIR: dataDir,
      HOST: '127.0.0.1',
      PORT: '0',
      LOG_LEVEL: 'warn',
      KNOWLEDGE_WATCH: 'false',
      TEAMS_ALLOW_UNAUTHENTICATED: 'true',
      SLACK_BOT_TOKEN: 'xoxb-bench-load',
      SLACK_SIGNING_SECRET: SECRET,
      SLACK_API_URL: `http://127.0.0.1:${apiPort}/api/`,
      ...(values['redis-url'] ? { REDIS_URL: values['redis-url'] } : {}),
    };
    service = new ServiceProcess(env);
    const ready = await service.next('ready');
    const port = Number(ready.port);
    const atStart = ready.memory as MemorySample;
    const openSockets = Math.max(1, Math.min(900, Number(values['open-sockets'])));
    load = new Load(port, standIn, concurrency, openSockets);

    if (values.overload) {
      await overloadRun(load, service, port, {
        factor: Number(values.overload),
        capacitySeconds: Number(values['capacity-seconds']),
        seconds,
        concurrency,
        openSockets,
      });
      return;
    }
    process.stdout.write(
      `load benchmark: ${concurrency} concurrent clients, ${warmup} s warm-up + ${seconds} s measured (max ${maxMessages} messages), service pid in a child process\n`,
    );
    await runPhase(load, { concurrency, seconds: warmup, maxMessages, seed: 1, platforms });
    const before = await service.memory();
    const repliesBefore = { ...standIn.replies };
    // RSS every 10 s while the load runs (no GC: a peek), to tell steady growth from a plateau.
    const timeline: number[] = [];
    const svc = service;
    const peek = setInterval(() => {
      void svc.memory(false).then(
        (m) => timeline.push(m.rss),
        () => undefined,
      );
    }, 10_000);
    const { samples, seconds: measured } = await runPhase(load, {
      concurrency,
      seconds,
      maxMessages,
      seed: 1000,
      platforms,
    }).finally(() => clearInterval(peek));
    const after = await service.memory();

    const answered = samples.filter((s) => s.ok).length;
    const errors = samples.filter((s) => !s.ok);
    const byError = new Map<string, number>();
    for (const e of errors) byError.set(`${e.kind}: ${e.error}`, (byError.get(`${e.kind}: ${e.error}`) ?? 0) + 1);
    const all = samples.map((s) => s.ms).sort((a, b) => a - b);
    const kinds: Kind[] = [
      'slack-mention',
      'slack-dm',
      'slack-click',
      'teams-question',
      'teams-command',
      'teams-click',
    ];
    const rate = answered / measured;
    const p99 = pct(all, 99);
    const rssGrowth = growth(before.rss, after.rss);
    const heapGrowth = growth(before.heapUsed, after.heapUsed);
    const replies = {
      slack: standIn.replies.slack - repliesBefore.slack,
      teams: standIn.replies.teams - repliesBefore.teams,
    };
    const lines = [
      `messages     ${samples.length} sent in ${measured.toFixed(1)} s; ${answered} answered (reply reached the stand-in), ${errors.length} errors`,
      `throughput   ${rate.toFixed(0)} answered messages/s (stand-ins received ${replies.slack} Slack + ${replies.teams} Teams replies)`,
      `latency      ${latencyLine('all', samples).slice(15)}`,
      ...kinds.map(
        (k) =>
          `  ${latencyLine(
            k,
            samples.filter((s) => s.kind === k),
          )}`,
      ),
      `errors       ${errors.length === 0 ? 'none' : [...byError].map(([k, n]) => `${k} ×${n}`).join('; ')}`,
      `memory       at start rss ${mb(atStart.rss)} heap ${mb(atStart.heapUsed)}; after warm-up rss ${mb(before.rss)} heap ${mb(before.heapUsed)}; after ${seconds} s rss ${mb(after.rss)} heap ${mb(after.heapUsed)} (after GC)`,
      `rss timeline ${[before.rss, ...timeline].map(mb).join(' → ')} (every 10 s, without GC)`,
      `  breakdown  anonymous ${mb(before.rssAnon)} → ${mb(after.rssAnon)}, file-backed ${mb(before.rssFile)} → ${mb(after.rssFile)}, V8 heap total ${mb(before.heapTotal)} → ${mb(after.heapTotal)}, external ${mb(before.external)} → ${mb(after.external)}`,
      `growth       rss ${rssGrowth >= 0 ? '+' : ''}${rssGrowth.toFixed(1)} %, heap ${heapGrowth >= 0 ? '+' : ''}${heapGrowth.toFixed(1)} %`,
      `rate limit   RATE_LIMIT_PER_MINUTE=30 (default) kept; ${load.newUser() - 1} distinct virtual users, ≤ ${MESSAGES_PER_USER} messages each`,
      `targets      ≥ ${TARGETS.messagesPerSecond}/s: ${rate >= TARGETS.messagesPerSecond ? 'met' : 'NOT met'} · p99 ≤ ${TARGETS.p99Ms} ms: ${p99 <= TARGETS.p99Ms ? 'met' : 'NOT met'} · no errors: ${errors.length === 0 ? 'met' : 'NOT met'} · memory growth < ${TARGETS.memoryGrowthPct} %: ${Math.max(rssGrowth, heapGrowth) < TARGETS.memoryGrowthPct ? 'met' : 'NOT met'}`,
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    await cleanup();
  }
}

/**
 * Back-pressure: capacity first (closed loop, Slack mentions only, answered/s), then mentions sent open-loop at
 * `factor` × that rate. Every accepted message must get its answer or the "busy" reply; `dropped_total` must equal
 * the busy replies; the ack stays fast because answers run after it.
 */
async function overloadRun(
  load: Load,
  service: ServiceProcess,
  port: number,
  o: { factor: number; capacitySeconds: number; seconds: number; concurrency: number; openSockets: number },
) {
  if (!(o.factor > 0 && o.capacitySeconds > 0)) throw new Error('--overload and --capacity-seconds must be > 0');
  process.stdout.write(
    `overload benchmark: capacity over ${o.capacitySeconds} s (${o.concurrency} closed-loop clients, Slack mentions), then ${o.factor}× that rate open-loop for ${o.seconds} s over up to ${o.openSockets} connections\n`,
  );
  await runPhase(load, { concurrency: o.concurrency, seconds: 3, maxMessages: 1e9, seed: 7, platforms: 'slack' });
  // The service and this process (load and stand-in) share the machine's cores: both CPU figures are printed, so
  // answers per service CPU-second can be told apart from a machine that was simply busy.
  const cpuBefore = await service.cpu();
  const benchBefore = process.cpuUsage();
  const cap = await runPhase(load, {
    concurrency: o.concurrency,
    seconds: o.capacitySeconds,
    maxMessages: 1e9,
    seed: 8,
    platforms: 'slack',
  });
  const capacity = cap.samples.filter((s) => s.ok).length / cap.seconds;
  const cpuAfter = await service.cpu();
  const benchCpu = process.cpuUsage(benchBefore);
  const serviceCores =
    (cpuAfter.cpu.user + cpuAfter.cpu.system - cpuBefore.cpu.user - cpuBefore.cpu.system) / 1e6 / cap.seconds;
  const benchCores = (benchCpu.user + benchCpu.system) / 1e6 / cap.seconds;
  const mainCpuUs = cpuAfter.main.user + cpuAfter.main.system - cpuBefore.main.user - cpuBefore.main.system;
  const answeredInCapacity = cap.samples.filter((s) => s.ok).length;
  const activeMs = cpuAfter.elu.active - cpuBefore.elu.active;
  const idleMs = cpuAfter.elu.idle - cpuBefore.elu.idle;
  const mainElu = activeMs / Math.max(1, activeMs + idleMs);
  const droppedBefore = await scrapeDropped(port);
  const rate = capacity * o.factor;
  const overloadCpuBefore = await service.cpu();
  const t0 = performance.now();
  const results = await openLoop(load, rate, o.seconds, 99);
  const settled = (performance.now() - t0) / 1000;
  const overloadCpuAfter = await service.cpu();
  const overloadMainUs =
    overloadCpuAfter.main.user +
    overloadCpuAfter.main.system -
    overloadCpuBefore.main.user -
    overloadCpuBefore.main.system;
  const dropped = (await scrapeDropped(port)) - droppedBefore;
  const count = (k: OpenLoopResult['outcome']) => results.filter((r) => r.outcome === k).length;
  const accepted = results.length - count('not accepted');
  const acks = results
    .filter((r) => r.outcome !== 'not accepted')
    .map((r) => r.ackMs)
    .sort((a, b) => a - b);
  const answerMs = results
    .filter((r) => r.outcome === 'answered')
    .map((r) => r.replyMs ?? 0)
    .sort((a, b) => a - b);
  const busyMs = results
    .filter((r) => r.outcome === 'busy')
    .map((r) => r.replyMs ?? 0)
    .sort((a, b) => a - b);
  const errors = new Map<string, number>();
  for (const r of results) if (r.error) errors.set(r.error, (errors.get(r.error) ?? 0) + 1);
  const p99Ack = pct(acks, 99);
  const memory = await service.memory();
  const line = (xs: number[]) =>
    `p50 ${pct(xs, 50).toFixed(1)} ms, p99 ${pct(xs, 99).toFixed(1)} ms, max ${(xs.at(-1) ?? 0).toFixed(1)} ms`;
  const lines = [
    `capacity     ${capacity.toFixed(0)} answered mentions/s (closed loop, ${o.concurrency} clients, ${cap.seconds.toFixed(1)} s)`,
    `  cpu        service ${serviceCores.toFixed(2)} cores (all threads; ${(capacity / Math.max(0.01, serviceCores)).toFixed(0)} answers per service CPU-second), main thread ${(mainCpuUs / 1000 / Math.max(1, answeredInCapacity)).toFixed(2)} ms CPU per answered mention (${(mainCpuUs / 1e6 / cap.seconds).toFixed(2)} cores), main event loop ${(mainElu * 100).toFixed(0)} % busy; bench process ${benchCores.toFixed(2)} cores; load average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
    `offered      ${results.length} mentions at ${rate.toFixed(0)}/s (${o.factor}×) over ${o.seconds} s; all settled after ${settled.toFixed(1)} s`,
    `accepted     ${accepted} (HTTP 200); not accepted ${count('not accepted')}${errors.size ? ` (${[...errors].map(([k, n]) => `${k} ×${n}`).join('; ')})` : ''}`,
    `outcome      answered ${count('answered')}, told "busy" ${count('busy')}, LOST (accepted, no reply in ${OVERLOAD_REPLY_TIMEOUT_MS / 1000} s) ${count('lost')}`,
    `dropped      mlops_guide_dropped_total +${dropped} vs busy replies ${count('busy')}: ${dropped === count('busy') ? 'equal' : 'NOT equal'}`,
    `  cpu        main thread ${(overloadMainUs / 1000 / Math.max(1, results.length)).toFixed(2)} ms CPU per offered mention (ack + answer or busy reply; ${(overloadMainUs / 1e6 / settled).toFixed(2)} cores until all settled)`,
    `ack          ${line(acks)}`,
    `answer       ${line(answerMs)} (from sending)`,
    `busy reply   ${line(busyMs)} (from sending)`,
    `memory       rss ${mb(memory.rss)}, heap ${mb(memory.heapUsed)} after the run (after GC)`,
    `targets      0 lost: ${count('lost') === 0 ? 'met' : 'NOT met'} · dropped_total = busy replies: ${dropped === count('busy') ? 'met' : 'NOT met'} · p99 ack ≤ ${TARGETS.p99Ms} ms: ${p99Ack <= TARGETS.p99Ms ? 'met' : 'NOT met'}`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

if (process.argv.includes('--service-child')) {
  serviceChild().catch((err: unknown) => {
    process.stderr.write(`bench service failed: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  });
} else {
  main().then(
    () => process.exit(0),
    (err: unknown) => {
      process.stderr.write(`bench failed: ${err instanceof Error ? err.stack : String(err)}\n`);
      process.exit(1);
    },
  );
}
