// Store outages, an unreachable auth.test and private (`ephemeral`) replies: the Slack adapter logs every failure
// with its code, still acks at once, and answers the user sensibly.
import nock from 'nock';
import { describe, expect, it } from 'vitest';
import { createSlackChannel } from '../../../adapters/slack/index.ts';
import { DM_CHANNEL_TTL_MS } from '../../../adapters/slack/listeners.ts';
import { loadConfig } from '../../../src/config.ts';
import type { Reply } from '../../../src/core/reply.ts';
import { ErrorCode, MlopsGuideError } from '../../../src/errors.ts';
import { createHttpServer } from '../../../src/server.ts';
import { createMemoryKeyValueStore } from '../../../src/store/kv-memory.ts';
import type { KeyValueStore } from '../../../src/store/types.ts';
import {
  type FakeBot,
  fixture,
  type Harness,
  homeClick,
  memoryLogger,
  mockApi,
  mockResponseUrl,
  type Recorder,
  SECRET,
  signature,
  startHarness,
  until,
  useSlackHarness,
} from './harness.ts';

// biome-ignore lint/suspicious/noExplicitAny: Slack payloads in tests are loosely typed JSON
type Json = Record<string, any>;

let bot: FakeBot;
let h: Harness;
let rec: Recorder;
useSlackHarness((t) => {
  ({ bot, h, rec } = t);
});

const storeDown = () => new MlopsGuideError(ErrorCode.StoreUnavailable, 'Redis is unreachable');

/** Makes `method` of the harness store fail for keys starting with `prefix`. */
function failStore(kv: KeyValueStore, method: 'get' | 'set', prefix: string): void {
  const original = kv[method].bind(kv) as (...args: unknown[]) => Promise<unknown>;
  (kv as unknown as Record<string, unknown>)[method] = async (key: string, ...rest: unknown[]) => {
    if (key.startsWith(prefix)) throw storeDown();
    return original(key, ...rest);
  };
}

const warned = (h: Harness, pattern: RegExp) =>
  h.logger.lines.some(
    (l) => l.level === 'warn' && (l.obj as Json).code === 'store_unavailable' && pattern.test(l.msg ?? ''),
  );

describe('store failures are logged with their code, not hidden', () => {
  it('a thread follow-up while the store is down is logged and not answered; a mention still is', async () => {
    const post = mockApi(rec, 'chat.postMessage', { ok: true, ts: '1' }, 2);
    await h.event(fixture('app_mention.json'));
    await until(() => rec.of('chat.postMessage').length === 1, 'first answer');

    failStore(h.kv, 'get', 'slack:thread:');
    expect((await h.event(fixture('message_thread.json'))).status).toBe(200);
    await until(() => warned(h, /thread follow-up not answered/), 'warning with code');
    const line = h.logger.lines.find((l) => /thread follow-up/.test(l.msg ?? ''));
    expect(line?.obj).toMatchObject({ channel: 'C0CHAN1', threadTs: '1715000000.000100' });
    expect(bot.inbounds).toHaveLength(1);

    // A mention in the same thread does not need the store to be answered.
    const mention = fixture<Json>('app_mention.json');
    await h.event({ ...mention, event_id: 'Ev0MENTION2', event: { ...mention.event, ts: '1715000200.000100' } });
    await until(() => post.isDone(), 'mention answered');
    expect(bot.inbounds).toHaveLength(2);
  });

  it('remembering a thread that fails is logged with its code', async () => {
    failStore(h.kv, 'set', 'slack:thread:');
    const post = mockApi(rec, 'chat.postMessage', { ok: true, ts: '1' });
    await h.event(fixture('app_mention.json'));
    await until(() => post.isDone() && warned(h, /could not remember the thread/), 'warning');
  });

  it('caches the DM channel for a Home click with an expiry', async () => {
    const sets: [string, unknown, number | undefined][] = [];
    const set = h.kv.set.bind(h.kv);
    h.kv.set = async <T>(key: string, value: T, ttlMs?: number) => {
      sets.push([key, value, ttlMs]);
      return set(key, value, ttlMs);
    };
    const open = mockApi(rec, 'conversations.open', { ok: true, channel: { id: 'D0DM1' } });
    const post = mockApi(rec, 'chat.postMessage', { ok: true, ts: '1' });
    await h.interaction(homeClick('infra'));
    await until(() => open.isDone() && post.isDone(), 'DM post');
    // Keyed by a hash of the user id, never the id itself.
    const dm = sets.find(([key]) => key.startsWith('slack:dm:'));
    expect(dm).toEqual([expect.stringMatching(/^slack:dm:[0-9a-f]{32}$/), 'D0DM1', DM_CHANNEL_TTL_MS]);
    expect(dm?.[0]).not.toContain('U0USER1');
    expect(DM_CHANNEL_TTL_MS).toBe(7 * 24 * 60 * 60 * 1000);
  });

  it('a Home click while the store is down still answers in the DM, logging both store failures', async () => {
    failStore(h.kv, 'get', 'slack:dm:');
    failStore(h.kv, 'set', 'slack:dm:');
    const open = mockApi(rec, 'conversations.open', { ok: true, channel: { id: 'D0DM1' } });
    const post = mockApi(rec, 'chat.postMessage', { ok: true, ts: '1' });
    await h.interaction(homeClick('infra'));
    await until(() => open.isDone() && post.isDone(), 'DM post');
    await until(() => warned(h, /could not cache the DM channel/), 'write warning');
    expect(warned(h, /could not read the cached DM channel/)).toBe(true);
    expect(rec.of('chat.postMessage')[0]).toMatchObject({ channel: 'D0DM1' });
  });

  it('Share while the store is down says "try again", not "expired", and logs the code', async () => {
    failStore(h.kv, 'get', 'slack:share:');
    const notice = mockResponseUrl(rec, '/actions/T0001/5555/def456');
    const payload = fixture<Json>('block_actions.json');
    await h.interaction({
      ...payload,
      container: { type: 'message', message_ts: '1715000009.1', channel_id: 'C0CHAN1', is_ephemeral: true },
      message: undefined,
      actions: [{ action_id: 'mlops_share', value: 'some-id', type: 'button', block_id: 'b', action_ts: '1' }],
    });
    await until(() => notice.isDone(), 'notice');
    const text = JSON.stringify(rec.calls[0]?.args);
    expect(text).toContain('unavailable right now');
    expect(text).not.toContain('can no longer be shared');
    expect(rec.calls[0]?.args).toMatchObject({ response_type: 'ephemeral', replace_original: false });
    expect(warned(h, /could not read the shared reply/)).toBe(true);
    expect(rec.of('chat.postMessage')).toHaveLength(0);
  });
});

describe('the ack never waits for auth.test', () => {
  /** A Slack channel on its own API host, so its auth.test mock is the only one. */
  async function startWithAuthTest(host: string) {
    const logger = memoryLogger();
    const config = loadConfig({
      SLACK_BOT_TOKEN: 'xoxb-test-token',
      SLACK_SIGNING_SECRET: SECRET,
      SLACK_API_URL: `${host}/api/`,
    });
    const channel = createSlackChannel({
      config,
      bot,
      kv: createMemoryKeyValueStore(),
      logger,
      options: { progressDelayMs: 60_000, retryConfig: { retries: 0 } },
    });
    const server = createHttpServer({ host: '127.0.0.1', port: 0, channels: [channel] });
    const { port } = await server.start();
    const event = (payload: object) => {
      const body = JSON.stringify(payload);
      return fetch(`http://127.0.0.1:${port}/slack/events`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...signature(body, Math.floor(Date.now() / 1000)) },
        body,
      });
    };
    let stopped = false;
    const stop = async () => {
      if (stopped) return;
      stopped = true;
      await server.stop();
    };
    return { logger, event, stop };
  }

  const identity = { ok: true, team_id: 'T0001', user_id: 'U0BOT', bot_id: 'B0BOT' };

  it('acks an event while auth.test hangs, then answers once it resolves', async () => {
    const host = 'https://slow-auth.slack.test';
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => {
      release = r;
    });
    let authResolved = false;
    const auth = nock(host)
      .post('/api/auth.test')
      .reply(async () => {
        await gate;
        authResolved = true;
        return [200, identity];
      });
    const post = nock(host)
      .post('/api/chat.postMessage')
      .reply(async (req: Request) => {
        rec.calls.push({ method: 'chat.postMessage', args: Object.fromEntries(new URLSearchParams(await req.text())) });
        return [200, { ok: true, ts: '1' }];
      });
    const s = await startWithAuthTest(host);
    try {
      // The first event triggers the (hanging) lookup; the response must not wait for it.
      const res = await s.event(fixture('message_im.json'));
      expect(res.status).toBe(200);
      expect(authResolved).toBe(false);
      expect(rec.of('chat.postMessage')).toHaveLength(0);
      release();
      await until(() => auth.isDone() && post.isDone(), 'answer after auth.test');
      expect(bot.inbounds).toHaveLength(1);
    } finally {
      release();
      await s.stop();
    }
  });

  it('when auth.test fails, messages are still answered and bot messages still ignored', async () => {
    const host = 'https://failing-auth.slack.test';
    nock(host).post('/api/auth.test').times(10).reply(200, { ok: false, error: 'service_unavailable' });
    const post = nock(host).post('/api/chat.postMessage').times(2).reply(200, { ok: true, ts: '1' });
    const s = await startWithAuthTest(host);
    try {
      const base = fixture<Json>('message_im.json');
      const bots = [
        { ...base, event_id: 'Ev0BOT1', event: { ...base.event, bot_id: 'B0BOT' } },
        { ...base, event_id: 'Ev0BOT2', event: { ...base.event, subtype: 'bot_message' } },
      ];
      for (const payload of bots) expect((await s.event(payload)).status).toBe(200);
      expect((await s.event(base)).status).toBe(200);
      // The bot user named in the event's `authorizations` stands in: its mention is still stripped.
      expect((await s.event(fixture('app_mention.json'))).status).toBe(200);
      await until(() => post.isDone(), 'answers without the bot identity');
      await s.stop();
      expect(bot.inbounds).toHaveLength(2);
      expect(bot.inbounds.map((i) => (i.kind === 'message' ? i.text : ''))).toEqual(
        expect.arrayContaining(['what is model drift?', 'how do we version training data?']),
      );
      expect(s.logger.lines.some((l) => l.level === 'warn' && (l.obj as Json).code === 'service_unavailable')).toBe(
        true,
      );
    } finally {
      await s.stop();
    }
  });
});

describe('ephemeral replies to clicks (only the user who clicked sees them)', () => {
  const privateStep: Reply = {
    kind: 'walkthrough',
    ephemeral: true,
    replaceOriginal: true,
    fallbackText: 'That button belongs to an earlier question — here is where you are now.',
    blocks: [{ type: 'notice', level: 'info', text: 'That button belongs to an earlier question.' }],
  };

  it('a click on a channel message gets an ephemeral response, never a public update or post', async () => {
    bot.handle = async (inbound) => {
      bot.inbounds.push(inbound);
      return privateStep;
    };
    const respond = mockResponseUrl(rec, '/actions/T0001/5555/def456');
    const payload = fixture<Json>('block_actions.json');
    await h.interaction(payload);
    await until(() => respond.isDone(), 'ephemeral response');
    await h.stop();
    expect(rec.calls).toHaveLength(1);
    expect(rec.calls[0]?.args).toMatchObject({ response_type: 'ephemeral', replace_original: false });
    expect(JSON.stringify(rec.calls[0]?.args)).toContain('earlier question');
    // Kept private: no Share button.
    expect(JSON.stringify(rec.calls[0]?.args)).not.toContain('mlops_share');
    h = await startHarness(bot);
  });

  it('a Home click (no response_url) gets it in the DM with the bot', async () => {
    bot.handle = async () => privateStep;
    const open = mockApi(rec, 'conversations.open', { ok: true, channel: { id: 'D0DM1' } });
    const post = mockApi(rec, 'chat.postMessage', { ok: true, ts: '1' });
    await h.interaction(homeClick('infra'));
    await until(() => open.isDone() && post.isDone(), 'DM post');
    expect(rec.of('chat.postMessage')[0]).toMatchObject({ channel: 'D0DM1' });
  });
});
