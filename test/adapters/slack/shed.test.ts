// Shedding before Bolt (adapters/slack/shed.ts): which events take the cheap busy path, the exact bodies it posts,
// and, through the real channel, that a shed message is acked, told "busy", counted, and never touches the store.
// The event-loop lag is a fake the test sets, so nothing here depends on the machine's speed.
import nock from 'nock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BUSY_MESSAGES, BUSY_TEXT } from '../../../adapters/slack/listeners.ts';
import { busyPost, createBusyPoster, type LoopLag, renderBusy, shedDecision } from '../../../adapters/slack/shed.ts';
import { createMetrics, type Metrics } from '../../../src/metrics.ts';
import { createMemoryKeyValueStore } from '../../../src/store/kv-memory.ts';
import type { KeyValueStore } from '../../../src/store/types.ts';
import { until as untilValue } from '../../helpers/until.ts';
import {
  API,
  BOT_USER,
  createFakeBot,
  type FakeBot,
  fixture,
  type Harness,
  readBody,
  startHarness,
  until,
} from './harness.ts';

type Json = Record<string, unknown>;
const busy = renderBusy(BUSY_MESSAGES[0] as (typeof BUSY_MESSAGES)[number]);
const json = { contentType: 'application/json' };
const bot = { botUserId: BOT_USER, assistant: false };
const body = (payload: object) => Buffer.from(JSON.stringify(payload));

describe('shedDecision: which events take the busy path before Bolt', () => {
  it('a mention: an ephemeral busy reply to the asker in the thread the answer would have started', () => {
    const d = shedDecision(body(fixture('app_mention.json')), json, bot, busy);
    expect(d.action).toBe('busy');
    if (d.action !== 'busy') return;
    expect(d.post.method).toBe('chat.postEphemeral');
    expect(JSON.parse(d.post.body)).toEqual({
      channel: 'C0CHAN1',
      user: 'U0USER1',
      thread_ts: '1715000000.000100',
      text: BUSY_TEXT,
      blocks: BUSY_MESSAGES[0]?.blocks,
    });
  });

  it('a DM: a normal reply in the DM, without unfurls', () => {
    const d = shedDecision(body(fixture('message_im.json')), json, bot, busy);
    expect(d.action).toBe('busy');
    if (d.action !== 'busy') return;
    expect(d.post.method).toBe('chat.postMessage');
    const args = JSON.parse(d.post.body) as Json;
    expect(args).toMatchObject({ text: BUSY_TEXT, unfurl_links: false, unfurl_media: false });
    expect(args.channel).toBe((fixture<Json>('message_im.json').event as Json).channel);
    expect(args.user).toBeUndefined();
  });

  it('leaves to Bolt: retries (de-duplication), thread follow-ups (need the store), other bodies, unknown identity', () => {
    const mention = body(fixture('app_mention.json'));
    expect(shedDecision(mention, { ...json, retryNum: '1' }, bot, busy)).toEqual({ action: 'pass' });
    expect(shedDecision(mention, { contentType: 'application/x-www-form-urlencoded' }, bot, busy).action).toBe('pass');
    expect(shedDecision(mention, json, { assistant: false }, busy).action).toBe('pass');
    expect(shedDecision(body(fixture('message_thread.json')), json, bot, busy).action).toBe('pass');
    expect(shedDecision(Buffer.from('{"type":"url_verification","challenge":"x"}'), json, bot, busy).action).toBe(
      'pass',
    );
    const home = { type: 'event_callback', event: { type: 'app_home_opened', user: 'U1', tab: 'home' } };
    expect(shedDecision(body(home), json, bot, busy).action).toBe('pass');
    expect(shedDecision(Buffer.from('{"type":"event_callback","event":{"type":"message"'), json, bot, busy)).toEqual({
      action: 'pass',
    });
    // Assistant threads are DM messages Bolt's Assistant owns.
    expect(shedDecision(body(fixture('message_im.json')), json, { ...bot, assistant: true }, busy).action).toBe('pass');
  });

  it('acks without a reply what the bot would ignore anyway (a bot message, its own message)', () => {
    const im = fixture<Json>('message_im.json');
    const fromBot = { ...im, event: { ...(im.event as Json), bot_id: 'B0OTHER' } };
    expect(shedDecision(body(fromBot), json, bot, busy)).toEqual({ action: 'ignore' });
    const own = { ...im, event: { ...(im.event as Json), user: BOT_USER } };
    expect(shedDecision(body(own), json, bot, busy)).toEqual({ action: 'ignore' });
  });

  it('busyPost escapes ids into valid JSON', () => {
    const post = busyPost(busy, { dm: false, channel: 'C"1', user: 'U\\1', threadTs: '1.2' });
    expect(JSON.parse(post.body)).toMatchObject({ channel: 'C"1', user: 'U\\1', thread_ts: '1.2' });
  });
});

// ------------------------------------------------------------------------------------------------------------------

let h: Harness | undefined;
let fakeBot: FakeBot;
let metrics: Metrics;
let release: () => void;
let posted: { method: string; args: Json; auth: string | null }[];
let lagMs: number;
const fakeLag: LoopLag = { current: () => lagMs, stop: () => {} };

/** A memory store that counts every call after `counting` is set. */
function countingStore(): { kv: KeyValueStore; calls: string[]; counting: { on: boolean } } {
  const inner = createMemoryKeyValueStore();
  const calls: string[] = [];
  const counting = { on: false };
  const kv = new Proxy(inner, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        if (counting.on) calls.push(`${String(prop)} ${String(args[0])}`);
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { kv, calls, counting };
}

beforeEach(() => {
  fakeBot = createFakeBot();
  fakeBot.gate = new Promise<void>((r) => {
    release = r;
  });
  metrics = createMetrics({ defaultMetrics: false });
  posted = [];
  lagMs = 0;
  for (const method of ['chat.postMessage', 'chat.postEphemeral']) {
    nock(API)
      .persist()
      .post(`/api/${method}`)
      .reply(async (req: Request) => {
        posted.push({ method, args: await readBody(req), auth: req.headers.get('authorization') });
        return [200, { ok: true, ts: `1715000999.${String(posted.length).padStart(6, '0')}` }];
      });
  }
});

afterEach(async () => {
  release();
  await h?.stop();
  h = undefined;
  nock.cleanAll();
});

async function metricValue(name: string, labels: Json = {}): Promise<number> {
  const m = (await metrics.registry.getSingleMetric(name)?.get())?.values ?? [];
  return m.filter((v) => Object.entries(labels).every(([k, x]) => v.labels[k] === x)).reduce((a, v) => a + v.value, 0);
}

function mention(i: number): Json {
  const base = fixture<Json>('app_mention.json');
  const ts = `1715000300.${String(i).padStart(6, '0')}`;
  return { ...base, event_id: `Ev0SHED${i}`, event: { ...(base.event as Json), ts, event_ts: ts } };
}

const isBusy = (args: Json) => args.text === BUSY_TEXT;

describe('shedding on event-loop lag, through the channel', () => {
  it('with every worker busy, work waiting and the loop lagging, a mention is acked, told "busy" and counted as loop_lag, without touching the store', async () => {
    const store = countingStore();
    h = await startHarness(
      fakeBot,
      { maxConcurrentReplies: 1, maxQueuedReplies: 100, shedLagMs: 50, loopLag: fakeLag },
      { observer: metrics.queue, kv: store.kv },
    );
    // The first mention goes through Bolt (the bot's identity is known after it) and holds the one worker.
    expect((await h.event(mention(0))).status).toBe(200);
    await until(() => fakeBot.inbounds.length === 1, 'the first mention is being answered');

    lagMs = 80;
    // Nothing waits yet: the next mention waits for the worker (a short stall is no overload)…
    expect((await h.event(mention(1))).status).toBe(200);
    await untilValue(
      async () => (await metricValue('mlops_guide_queue_depth')) === 1 || undefined,
      'the second mention waiting',
    );
    // …and with that backlog, the third is shed.
    store.counting.on = true;
    const res = await h.event(mention(2));
    expect(res.status).toBe(200);
    await until(() => posted.some((p) => isBusy(p.args)), 'the busy reply');
    store.counting.on = false;
    const reply = posted.find((p) => isBusy(p.args));
    expect(reply?.method).toBe('chat.postEphemeral');
    expect(reply?.args).toMatchObject({ channel: 'C0CHAN1', user: 'U0USER1', thread_ts: '1715000300.000002' });
    expect(reply?.auth).toBe('Bearer xoxb-test-token');
    expect(store.calls).toEqual([]);
    expect(await metricValue('mlops_guide_dropped_total', { reason: 'loop_lag' })).toBe(1);
    expect(h.logger.lines.filter((l) => /event loop lagging/.test(l.msg ?? ''))).toHaveLength(1);

    // The lag gone, the next mention is queued and answered as usual; so is the one that waited.
    lagMs = 0;
    expect((await h.event(mention(3))).status).toBe(200);
    release();
    await until(() => posted.length === 4, 'three mentions answered, one told busy');
    expect(posted.filter((p) => isBusy(p.args))).toHaveLength(1);
    expect(await metricValue('mlops_guide_dropped_total')).toBe(1);
  });

  it('does not shed on lag while nothing waits: a stall with every worker busy under light load answers everyone', async () => {
    h = await startHarness(
      fakeBot,
      { maxConcurrentReplies: 2, maxQueuedReplies: 100, shedLagMs: 50, loopLag: fakeLag },
      { observer: metrics.queue },
    );
    expect((await h.event(mention(0))).status).toBe(200);
    expect((await h.event(mention(1))).status).toBe(200);
    await until(() => fakeBot.inbounds.length === 2, 'both workers answering');
    // A long stall (a reload's swap, a GC pause) while both workers are busy: the next message waits its turn.
    lagMs = 10_000;
    expect((await h.event(mention(2))).status).toBe(200);
    await untilValue(
      async () => (await metricValue('mlops_guide_queue_depth')) === 1 || undefined,
      'the third mention waiting',
    );
    release();
    await until(() => posted.length === 3, 'all three answered');
    expect(posted.filter((p) => isBusy(p.args))).toHaveLength(0);
    expect(await metricValue('mlops_guide_dropped_total')).toBe(0);
  });

  it('does not shed on lag while a worker is free: a quiet bot never answers "busy"', async () => {
    h = await startHarness(
      fakeBot,
      { maxConcurrentReplies: 2, maxQueuedReplies: 100, shedLagMs: 50, loopLag: fakeLag },
      { observer: metrics.queue },
    );
    release();
    expect((await h.event(mention(0))).status).toBe(200);
    await until(() => posted.length === 1, 'the first answer');
    lagMs = 10_000;
    expect((await h.event(mention(1))).status).toBe(200);
    await until(() => posted.length === 2, 'the second answer');
    expect(posted.filter((p) => isBusy(p.args))).toHaveLength(0);
    expect(await metricValue('mlops_guide_dropped_total')).toBe(0);
  });

  it('a retried delivery is not shed: it goes through Bolt, which answers a retry once', async () => {
    h = await startHarness(
      fakeBot,
      { maxConcurrentReplies: 1, maxQueuedReplies: 100, shedLagMs: 50, loopLag: fakeLag },
      { observer: metrics.queue },
    );
    expect((await h.event(mention(0))).status).toBe(200);
    await until(() => fakeBot.inbounds.length === 1, 'the first mention is being answered');
    lagMs = 80;
    // Slack retries the same event (same event_id) when an ack was late: Bolt's de-duplication drops it.
    expect(
      (await h.event(mention(0), { 'x-slack-retry-num': '1', 'x-slack-retry-reason': 'http_timeout' })).status,
    ).toBe(200);
    release();
    await until(() => posted.length === 1, 'the answer');
    await h.stop();
    h = undefined;
    expect(posted.filter((p) => isBusy(p.args))).toHaveLength(0);
    expect(await metricValue('mlops_guide_dropped_total')).toBe(0);
  });
});

describe('createBusyPoster: one JSON post, tried again on transient failures', () => {
  const logger = { lines: [] as string[] };
  const log = {
    debug: () => {},
    info: () => {},
    warn: (_o: unknown, msg?: string) => logger.lines.push(msg ?? ''),
    error: () => {},
  };
  const post = busyPost(busy, { dm: true, channel: 'D1' });
  const responses = (list: [number, unknown, Record<string, string>?][]) => {
    const calls: RequestInit[] = [];
    const fake = (async (_url: string, init: RequestInit) => {
      calls.push(init);
      const [status, json, headers] = list.shift() ?? [200, { ok: true }];
      return new Response(JSON.stringify(json), { status, headers: headers ?? {} });
    }) as unknown as typeof fetch;
    return { calls, fake };
  };

  it('retries a 5xx, a 429 and a network error; gives up on a platform error at once', async () => {
    const ok = responses([
      [500, {}],
      [429, {}, { 'retry-after': '0' }],
      [200, { ok: true }],
    ]);
    const poster = createBusyPoster({
      apiUrl: 'https://slack.test/api/',
      token: 'xoxb-1',
      timeoutMs: 60_000,
      logger: log as never,
      fetch: ok.fake,
      retryDelayMs: 0,
    });
    expect(await poster(post)).toBe(true);
    expect(ok.calls).toHaveLength(3);
    expect(ok.calls[0]?.body).toBe(post.body);
    expect((ok.calls[0]?.headers as Record<string, string> | undefined)?.authorization).toBe('Bearer xoxb-1');

    const platform = responses([[200, { ok: false, error: 'channel_not_found' }]]);
    const p2 = createBusyPoster({
      apiUrl: 'https://slack.test/api/',
      token: 'xoxb-1',
      timeoutMs: 60_000,
      logger: log as never,
      fetch: platform.fake,
      retryDelayMs: 0,
    });
    expect(await p2(post)).toBe(false);
    expect(platform.calls).toHaveLength(1);
    expect(logger.lines).toContain('Slack busy reply failed (logged at most once per interval)');

    let tries = 0;
    const failing = (async () => {
      tries++;
      throw new TypeError('fetch failed');
    }) as unknown as typeof fetch;
    const p3 = createBusyPoster({
      apiUrl: 'https://slack.test/api/',
      token: 'xoxb-1',
      timeoutMs: 60_000,
      logger: log as never,
      fetch: failing,
      retryDelayMs: 0,
      attempts: 3,
    });
    expect(await p3(post)).toBe(false);
    expect(tries).toBe(3);
  });
});
