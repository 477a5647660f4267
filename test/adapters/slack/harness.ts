// Drives the real Bolt app through the real HTTP server with signed requests shaped like Slack's, and records
// what the adapter sends to the (nock-mocked) Web API and response_url.
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import nock from 'nock';
import { afterEach, beforeEach } from 'vitest';
import { createSlackChannel, type SlackChannelDeps, type SlackChannelOptions } from '../../../adapters/slack/index.ts';
import type { Logger } from '../../../src/base/index.ts';
import { loadConfig } from '../../../src/config.ts';
import type { Inbound } from '../../../src/core/inbound.ts';
import { CoreAction, isShareable, type Reply } from '../../../src/core/reply.ts';
import type { Bot } from '../../../src/core/types.ts';
import { createHttpServer } from '../../../src/server.ts';
import { createMemoryKeyValueStore } from '../../../src/store/kv-memory.ts';
import type { KeyValueStore } from '../../../src/store/types.ts';
import { until as pollUntil } from '../../helpers/until.ts';

export const SECRET = 'test-signing-secret';
export const API = 'https://slack.test';
export const HOOKS = 'https://hooks.slack.com';
export const BOT_USER = 'U0BOT';

const fixtures = fileURLToPath(new URL('../../fixtures/slack/', import.meta.url));
export function fixture<T = Record<string, unknown>>(name: string): T {
  return JSON.parse(readFileSync(`${fixtures}${name}`, 'utf8')) as T;
}
export function fixtureText(name: string): string {
  return readFileSync(`${fixtures}${name}`, 'utf8');
}

export function signature(body: string, timestamp: number, secret = SECRET): Record<string, string> {
  const sig = createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex');
  return { 'x-slack-signature': `v0=${sig}`, 'x-slack-request-timestamp': String(timestamp) };
}

/**
 * The suite's `until` (test/helpers/until.ts) for Slack tests: the adapter works after the ack, so tests wait for its calls;
 * a timeout names the Web API calls still expected.
 */
export async function until(check: () => boolean, what = 'condition', timeoutMs = 5000): Promise<void> {
  await pollUntil(check, what, {
    timeoutMs,
    intervalMs: 5,
    detail: () => `pending mocks: ${nock.pendingMocks().join(', ')}`,
  });
}

export interface ApiCall {
  method: string;
  args: Record<string, unknown>;
}

/** Parses a Web API request body (form-encoded, JSON-valued fields such as `blocks` decoded) or JSON. */
export async function readBody(req: Request): Promise<Record<string, unknown>> {
  const text = await req.text();
  if ((req.headers.get('content-type') ?? '').includes('application/json')) {
    return JSON.parse(text) as Record<string, unknown>;
  }
  const out: Record<string, unknown> = {};
  for (const [k, v] of new URLSearchParams(text)) {
    out[k] = /^[[{]/.test(v) ? JSON.parse(v) : v;
  }
  return out;
}

export interface Recorder {
  calls: ApiCall[];
  of(method: string): Record<string, unknown>[];
}

export function recorder(): Recorder {
  const calls: ApiCall[] = [];
  return { calls, of: (method) => calls.filter((c) => c.method === method).map((c) => c.args) };
}

/** Mocks one Web API method `times` times, recording the arguments. */
export function mockApi(
  rec: Recorder,
  method: string,
  response: Record<string, unknown> = { ok: true },
  times = 1,
  status = 200,
  headers: Record<string, string> = {},
): nock.Scope {
  return nock(API)
    .post(`/api/${method}`)
    .times(times)
    .reply(async (req: Request) => {
      rec.calls.push({ method, args: await readBody(req) });
      return [status, response, headers];
    });
}

/** Mocks a response_url (`path` on hooks.slack.com). */
export function mockResponseUrl(rec: Recorder, path: string, times = 1): nock.Scope {
  return nock(HOOKS)
    .post(path)
    .times(times)
    .reply(async (req: Request) => {
      rec.calls.push({ method: `response_url ${path}`, args: await readBody(req) });
      return [200, 'ok'];
    });
}

export interface LogLine {
  level: string;
  obj: object;
  msg: string | undefined;
}

export function memoryLogger(): Logger & { lines: LogLine[] } {
  const lines: LogLine[] = [];
  const at = (level: string) => (obj: object, msg?: string) => {
    lines.push({ level, obj, msg });
  };
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

export interface Harness {
  url: string;
  kv: KeyValueStore;
  logger: ReturnType<typeof memoryLogger>;
  /** POSTs a signed request; JSON for events, form-encoded for commands and interactivity. */
  send(body: string, contentType: string, headers?: Record<string, string>): Promise<Response>;
  event(payload: object, headers?: Record<string, string>): Promise<Response>;
  command(form: string): Promise<Response>;
  interaction(payload: object): Promise<Response>;
  stop(): Promise<void>;
}

export async function startHarness(
  bot: Bot,
  options: SlackChannelOptions = {},
  extra: Pick<SlackChannelDeps, 'observer' | 'hashId'> & { kv?: KeyValueStore; env?: Record<string, string> } = {},
): Promise<Harness> {
  const kv = extra.kv ?? createMemoryKeyValueStore();
  const logger = memoryLogger();
  const config = loadConfig({
    SLACK_BOT_TOKEN: 'xoxb-test-token',
    SLACK_SIGNING_SECRET: SECRET,
    SLACK_API_URL: `${API}/api/`,
    ...extra.env,
  });
  // The bot's identity is looked up at start (and again on an event if that failed). Persisted: a harness
  // restarted inside a test may still be looking itself up when the next one registers its mocks.
  nock(API).post('/api/auth.test').optionally().times(Number.MAX_SAFE_INTEGER).reply(200, {
    ok: true,
    url: 'https://acme.slack.com/',
    team: 'Acme',
    user: 'mlops-guide',
    team_id: 'T0001',
    user_id: BOT_USER,
    bot_id: 'B0BOT',
  });
  const channel = createSlackChannel({
    config,
    bot,
    kv,
    logger,
    // Shedding on event-loop lag is off unless a test asks for it (with a fake lag): a real lag depends on speed.
    options: {
      progressDelayMs: 60_000,
      retryConfig: { retries: 2, minTimeout: 0, maxTimeout: 1 },
      shedLagMs: 0,
      ...options,
    },
    ...(extra.observer ? { observer: extra.observer } : {}),
    ...(extra.hashId ? { hashId: extra.hashId } : {}),
  });
  const server = createHttpServer({ host: '127.0.0.1', port: 0, channels: [channel] });
  const { port } = await server.start();
  const url = `http://127.0.0.1:${port}/slack/events`;
  const send = (body: string, contentType: string, headers: Record<string, string> = {}) =>
    fetch(url, {
      method: 'POST',
      headers: { 'content-type': contentType, ...signature(body, Math.floor(Date.now() / 1000)), ...headers },
      body,
    });
  return {
    url,
    kv,
    logger,
    send,
    event: (payload, headers) => send(JSON.stringify(payload), 'application/json', headers),
    command: (form) => send(form, 'application/x-www-form-urlencoded'),
    interaction: (payload) =>
      send(`payload=${encodeURIComponent(JSON.stringify(payload))}`, 'application/x-www-form-urlencoded'),
    async stop() {
      await server.stop();
      await kv.close();
    },
  };
}

// ---------------------------------------------------------------------------------------------------------------
// A scripted fake bot

export const ANSWER: Reply = {
  kind: 'answer',
  answerId: 'ans-1',
  fallbackText: 'Version training data with DVC or lakeFS snapshots.',
  blocks: [
    { type: 'markdown', text: 'Version training data with **DVC** or [lakeFS](https://lakefs.io) snapshots.' },
    {
      type: 'sources',
      sources: [
        {
          id: 'data-versioning',
          title: 'Data versioning',
          type: 'guideline',
          citation: 'Haug et al. 2025, MLOps Adoption in the Manufacturing Industry (slides)',
          url: 'https://kb.example.com/data-versioning',
        },
        { id: 'lineage', title: 'Lineage & provenance', type: 'concept' },
      ],
    },
    { type: 'feedback', answerId: 'ans-1' },
  ],
};

const step = (text: string, choices: [string, string][], replaceOriginal: boolean): Reply => ({
  kind: 'walkthrough',
  fallbackText: text,
  replaceOriginal,
  blocks: [
    { type: 'heading', text: 'Choose ML infrastructure' },
    {
      type: 'choices',
      prompt: text,
      choices: choices.map(([value, label]) => ({ actionId: 'flow:infra', value, label })),
    },
  ],
});

export const STEP_1 = step(
  'What do you want to run?',
  [
    ['batch', 'Batch training'],
    ['online', 'Online inference'],
  ],
  false,
);
export const STEP_2 = step(
  'Where is the data?',
  [
    ['batch:onprem', 'On-prem historian'],
    ['batch:cloud', 'Cloud bucket'],
  ],
  true,
);
export const RECOMMENDATION: Reply = {
  kind: 'walkthrough',
  replaceOriginal: true,
  fallbackText: 'Recommendation: on-prem Kubernetes with Kubeflow Pipelines.',
  blocks: [
    { type: 'heading', text: 'Recommendation' },
    { type: 'markdown', text: 'Use **on-prem Kubernetes** with Kubeflow Pipelines.' },
    { type: 'copyable', title: 'Decision record', text: 'Decision: Kubeflow on-prem\nReason: data stays in the plant' },
  ],
};
export const THANKS: Reply = {
  kind: 'notice',
  fallbackText: 'Thanks for the feedback!',
  blocks: [{ type: 'notice', level: 'info', text: 'Thanks for the feedback!' }],
};

export interface FakeBot extends Bot {
  inbounds: Inbound[];
  /** Replies for `command` inbounds by command name. */
  commands: Map<string, Reply>;
  /** When set, message handling waits for this promise (to observe the progress reaction). */
  gate?: Promise<void>;
}

export function createFakeBot(): FakeBot {
  const bot: FakeBot = {
    inbounds: [],
    commands: new Map([['infra', STEP_1]]),
    // Like the core, it decides what may be shared (isShareable); the adapter only offers what is marked.
    async handle(inbound) {
      const reply = await answer(inbound);
      return { ...reply, shareable: isShareable(reply) };
    },
  };
  async function answer(inbound: Inbound): Promise<Reply> {
    bot.inbounds.push(inbound);
    if (inbound.kind === 'message') {
      if (bot.gate) await bot.gate;
      return ANSWER;
    }
    if (inbound.kind === 'command') {
      return bot.commands.get(inbound.command) ?? ANSWER;
    }
    if (inbound.actionId === CoreAction.Feedback) return THANKS;
    if (inbound.actionId === CoreAction.Command) return bot.commands.get(inbound.value) ?? STEP_1;
    if (inbound.actionId === 'flow:infra') {
      if (inbound.value === 'batch') return STEP_2;
      return RECOMMENDATION;
    }
    return THANKS;
  }
  return bot;
}

/** What each test of a file gets from useSlackHarness: a fresh fake bot, a recorder and the harness over them. */
export interface SlackTestContext {
  bot: FakeBot;
  h: Harness;
  rec: Recorder;
}

/**
 * Registers the per-test setup most Slack adapter tests share: before each test a fresh fake bot, recorder and
 * harness (handed to `use`), after it the harness stopped and nock cleaned.
 */
export function useSlackHarness(use: (t: SlackTestContext) => void): void {
  let h: Harness | undefined;
  beforeEach(async () => {
    const bot = createFakeBot();
    const rec = recorder();
    h = await startHarness(bot);
    use({ bot, h, rec });
  });
  afterEach(async () => {
    await h?.stop();
    nock.cleanAll();
  });
}

/** A click on an App Home button: a `block_actions` from the home view (no channel, message or response_url). */
export function homeClick(value: string): Record<string, unknown> {
  return {
    ...fixture('block_actions.json'),
    container: { type: 'view', view_id: 'V0HOME' },
    channel: undefined,
    message: undefined,
    response_url: undefined,
    view: { id: 'V0HOME', type: 'home' },
    actions: [{ action_id: 'command::0', value, type: 'button', block_id: 'b', action_ts: '1' }],
  };
}
