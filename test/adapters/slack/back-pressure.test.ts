// Back-pressure, never silence: when the Slack work queue is full (count) or a job waited too long (age), the user
// is told "busy" instead of the message being dropped, and mlops_guide_dropped_total counts exactly those replies.
// The bot is a slow fake held by a gate, so the queue fills deterministically; nothing here depends on speed.
import nock from 'nock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BUSY_TEXT } from '../../../adapters/slack/listeners.ts';
import { createMetrics, type Metrics } from '../../../src/metrics.ts';
import {
  API,
  createFakeBot,
  type FakeBot,
  fixture,
  fixtureText,
  type Harness,
  readBody,
  startHarness,
  until,
} from './harness.ts';

type Json = Record<string, unknown>;

let h: Harness | undefined;
let bot: FakeBot;
let metrics: Metrics;
let release: () => void;

/** Every chat.postMessage / chat.postEphemeral the adapter makes, in order. */
let posted: { method: string; args: Json }[];

beforeEach(() => {
  bot = createFakeBot();
  bot.gate = new Promise<void>((r) => {
    release = r;
  });
  metrics = createMetrics({ defaultMetrics: false });
  posted = [];
  for (const method of ['chat.postMessage', 'chat.postEphemeral']) {
    nock(API)
      .persist()
      .post(`/api/${method}`)
      .reply(async (req: Request) => {
        posted.push({ method, args: await readBody(req) });
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

/** A DM from a user in its own DM channel, so each reply can be traced to its message. */
function dm(i: number): Json {
  const base = fixture<Json>('message_im.json');
  const event = base.event as Json;
  return {
    ...base,
    event_id: `Ev0BUSY${i}`,
    event: { ...event, channel: `D0BUSY${i}`, ts: `1715000100.${String(i).padStart(6, '0')}`, text: `question ${i}` },
  };
}

const isBusy = (args: Json) => args.text === BUSY_TEXT;

describe('back-pressure: a full or slow Slack queue answers "busy", never silence', () => {
  it('fills the queue with a slow bot: every accepted message gets an answer or a busy reply; the metric equals the busy replies', async () => {
    h = await startHarness(bot, { maxConcurrentReplies: 1, maxQueuedReplies: 2 }, { observer: metrics.queue });
    const messages = 10;
    for (let i = 0; i < messages; i++) expect((await h.event(dm(i))).status).toBe(200);

    // One answer is running (held by the gate), two wait; the seven others were told "busy" at once.
    await until(() => posted.filter((p) => isBusy(p.args)).length === 7, 'seven busy replies');
    expect(await metricValue('mlops_guide_queue_depth')).toBe(2);

    // A slash command while the queue is full: "busy" is the ack's own response (no Web API call).
    const res = await h.command(fixtureText('slash_command.txt'));
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ response_type: 'ephemeral', text: BUSY_TEXT });

    release();
    await until(() => posted.length === messages, 'every message answered or told busy');

    const byChannel = new Map<string, string[]>();
    for (const p of posted) {
      const channel = String(p.args.channel);
      byChannel.set(channel, [...(byChannel.get(channel) ?? []), isBusy(p.args) ? 'busy' : 'answer']);
    }
    // Exactly one reply per accepted message, in its own conversation.
    expect([...byChannel.keys()].sort()).toEqual(Array.from({ length: messages }, (_, i) => `D0BUSY${i}`).sort());
    for (const replies of byChannel.values()) expect(replies).toHaveLength(1);
    const busyReplies = posted.filter((p) => isBusy(p.args)).length + 1; // + the command's ack
    expect(busyReplies).toBe(8);
    expect(posted.length - (busyReplies - 1)).toBe(3); // the running one and the two that waited
    expect(await metricValue('mlops_guide_dropped_total')).toBe(busyReplies);
    expect(await metricValue('mlops_guide_dropped_total', { reason: 'queue_full' })).toBe(busyReplies);
    expect(await metricValue('mlops_guide_queue_depth')).toBe(0);

    // "queue full" is logged once for the whole burst, not once per refused message.
    expect(h.logger.lines.filter((l) => /queue full/.test(l.msg ?? ''))).toHaveLength(1);
  });

  it('a mention that waited too long gets an ephemeral "busy" in its thread, counted as queue_timeout', async () => {
    h = await startHarness(
      bot,
      { maxConcurrentReplies: 1, maxQueuedReplies: 100, maxQueueWaitMs: 1 },
      { observer: metrics.queue },
    );
    const mention = fixture<Json>('app_mention.json');
    const event = mention.event as Json;
    await h.event(mention);
    await h.event({ ...mention, event_id: 'Ev0LATE', event: { ...event, ts: '1715000200.000100' } });

    await until(() => posted.some((p) => isBusy(p.args)), 'the busy reply');
    const busy = posted.find((p) => isBusy(p.args));
    expect(busy?.method).toBe('chat.postEphemeral');
    expect(busy?.args).toMatchObject({ channel: event.channel, user: event.user, thread_ts: '1715000200.000100' });
    expect(await metricValue('mlops_guide_dropped_total', { reason: 'queue_timeout' })).toBe(1);

    release();
    await until(() => posted.length === 2, 'the first mention answered');
    expect(posted.filter((p) => !isBusy(p.args))).toHaveLength(1);
    expect(await metricValue('mlops_guide_dropped_total')).toBe(1);
  });

  it('a message the bot would ignore anyway gets no busy reply and is not counted', async () => {
    h = await startHarness(bot, { maxConcurrentReplies: 1, maxQueuedReplies: 1 }, { observer: metrics.queue });
    await h.event(dm(0)); // running
    await h.event(dm(1)); // waiting
    const own = dm(2);
    await h.event({ ...own, event: { ...(own.event as Json), bot_id: 'B0OTHER' } }); // a bot's message
    await h.event(dm(3)); // refused: busy
    await until(() => posted.filter((p) => isBusy(p.args)).length === 1, 'one busy reply');
    release();
    await until(() => posted.length === 3, 'two answers and one busy reply');
    expect(posted.map((p) => p.args.channel).sort()).toEqual(['D0BUSY0', 'D0BUSY1', 'D0BUSY3']);
    expect(await metricValue('mlops_guide_dropped_total')).toBe(1);
  });
});
