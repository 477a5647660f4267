// Slack completeness (issue 11): group DMs, the Messages-tab welcome, Slack's AI-app mode and "Ask an expert",
// each driven through the real Bolt app with signed requests shaped like Slack's (payloads from Slack's event and
// interaction reference pages).
import nock from 'nock';
import { afterEach, describe, expect, it } from 'vitest';
import { createBot } from '../../../src/core/bot.ts';
import { suggestedPrompts } from '../../../src/core/commands.ts';
import { ASK_EXPERT_LABEL } from '../../../src/core/expert.ts';
import type { Bot } from '../../../src/core/types.ts';
import { ErrorCode, MlopsGuideError } from '../../../src/errors.ts';
import { createMemoryKeyValueStore } from '../../../src/store/kv-memory.ts';
import type { KeyValueStore } from '../../../src/store/types.ts';
import { expertBotDeps } from '../../core/fixtures.ts';
import {
  BOT_USER,
  createFakeBot,
  fixture,
  type Harness,
  mockApi,
  mockResponseUrl,
  type Recorder,
  recorder,
  startHarness,
  until,
} from './harness.ts';

// biome-ignore lint/suspicious/noExplicitAny: Slack payloads in tests are loosely typed JSON
type Json = Record<string, any>;

let h: Harness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
  nock.cleanAll();
});

const envelope = (event: Json, eventId: string): Json => ({
  token: 'XXYYZZ',
  team_id: 'T0001',
  api_app_id: 'A0001',
  event,
  type: 'event_callback',
  event_id: eventId,
  event_time: 1715000000,
  authorizations: [{ team_id: 'T0001', user_id: BOT_USER, is_bot: true, is_enterprise_install: false }],
});

/** Waits until the work queue is idle: a request that should post nothing is checked after the next one. */
async function settle(rec: Recorder, expected: number) {
  await until(() => rec.calls.length >= expected, `${expected} API calls`);
  expect(rec.calls).toHaveLength(expected);
}

describe('group DMs (message.mpim)', () => {
  const GROUP = 'G0MPIM1';
  const mention = envelope(
    {
      type: 'app_mention',
      user: 'U0USER1',
      text: `<@${BOT_USER}> how do we version training data?`,
      ts: '1.1',
      channel: GROUP,
      event_ts: '1.1',
    },
    'EvMPIM1',
  );
  const inThread = (user: string, text: string, id: string, ts: string) =>
    envelope(
      { type: 'message', user, text, ts, thread_ts: '1.1', channel: GROUP, channel_type: 'mpim', event_ts: ts },
      id,
    );

  it('answers a mention in a thread, then only addressed follow-ups there; chatter and top-level talk get nothing', async () => {
    const bot = createFakeBot();
    h = await startHarness(bot);
    const rec = recorder();
    mockApi(rec, 'chat.postMessage', { ok: true, ts: '2.1' }, 2);
    await h.event(mention);
    await until(() => rec.of('chat.postMessage').length === 1, 'the answer to the mention');
    expect(rec.of('chat.postMessage')[0]).toMatchObject({ channel: GROUP, thread_ts: '1.1' });

    // Between people: ignored (a top-level message, small talk, someone else's message, a message to another user).
    await h.event(
      envelope(
        {
          type: 'message',
          user: 'U0USER2',
          text: 'lunch?',
          ts: '3.1',
          channel: GROUP,
          channel_type: 'mpim',
          event_ts: '3.1',
        },
        'EvMPIM2',
      ),
    );
    await h.event(inThread('U0USER1', 'thanks!', 'EvMPIM3', '3.2'));
    await h.event(inThread('U0USER2', 'how do we version models?', 'EvMPIM4', '3.3'));
    await h.event(inThread('U0USER1', '<@U0CAROL01> can you check this against line 3?', 'EvMPIM5', '3.4'));
    // The asker's real follow-up is answered in the same thread.
    await h.event(inThread('U0USER1', 'and what about the models themselves?', 'EvMPIM6', '3.5'));
    await until(() => rec.of('chat.postMessage').length === 2, 'the follow-up answer');
    expect(rec.of('chat.postMessage')[1]).toMatchObject({ channel: GROUP, thread_ts: '1.1' });
    expect(bot.inbounds.map((i) => (i.kind === 'message' ? i.text : i.kind))).toEqual([
      'how do we version training data?',
      'and what about the models themselves?',
    ]);
  });
});

describe('Messages tab welcome', () => {
  const opened = (tab: 'messages' | 'home', id: string, user = 'U0USER1') =>
    envelope({ type: 'app_home_opened', user, channel: 'D0DM1', tab, event_ts: '1.1' }, id);

  it('greets a user once, in their DM with the bot, remembered under a hashed key', async () => {
    h = await startHarness(createFakeBot());
    const rec = recorder();
    mockApi(rec, 'chat.postMessage', { ok: true, ts: '1.2' }, 2);
    await h.event(opened('messages', 'EvW1'));
    await until(() => rec.calls.length === 1, 'the welcome');
    const [welcome] = rec.of('chat.postMessage') as Json[];
    expect(welcome?.channel).toBe('D0DM1');
    expect(welcome?.text).toContain("Hi, I'm MLOps Guide");
    expect(JSON.stringify(welcome?.blocks)).toContain('Choose ML infrastructure');

    await h.event(opened('messages', 'EvW2'));
    // Another user is greeted: the first user's second visit posted nothing before it.
    await h.event(opened('messages', 'EvW3', 'U0USER2'));
    await settle(rec, 2);
    expect((rec.calls[1]?.args as Json | undefined)?.channel).toBe('D0DM1');
  });

  it('says nothing when the store cannot tell whether the user was greeted, and tries again after a failed post', async () => {
    const kv = createMemoryKeyValueStore();
    let down = true;
    const flaky: KeyValueStore = {
      ...kv,
      setIfAbsent: (...args) =>
        down ? Promise.reject(new MlopsGuideError(ErrorCode.StoreUnavailable, 'down')) : kv.setIfAbsent(...args),
    };
    h = await startHarness(createFakeBot(), {}, { kv: flaky });
    const rec = recorder();
    mockApi(rec, 'chat.postMessage', { ok: false, error: 'channel_not_found' });
    await h.event(opened('messages', 'EvF1'));
    await until(() => h?.logger.lines.some((l) => /welcome skipped/.test(l.msg ?? '')) === true, 'the store warning');
    down = false;
    await h.event(opened('messages', 'EvF2'));
    await until(() => rec.calls.length === 1, 'a welcome that fails');
    mockApi(rec, 'chat.postMessage', { ok: true, ts: '1' });
    await h.event(opened('messages', 'EvF3'));
    await settle(rec, 2);
  });
});

describe('Slack AI-app mode (SLACK_ASSISTANT=true)', () => {
  const started = envelope(
    {
      type: 'assistant_thread_started',
      assistant_thread: {
        user_id: 'U0USER1',
        context: { channel_id: 'C0CHAN1', team_id: 'T0001', enterprise_id: null },
        channel_id: 'D0DM1',
        thread_ts: '1729999327.187299',
      },
      event_ts: '1715873754.429808',
    },
    'EvA1',
  );
  const userMessage = envelope(
    {
      type: 'message',
      user: 'U0USER1',
      text: 'How do we version training data?',
      ts: '1729999400.000100',
      thread_ts: '1729999327.187299',
      channel: 'D0DM1',
      channel_type: 'im',
      event_ts: '1729999400.000100',
    },
    'EvA2',
  );

  it('sets suggested prompts when a thread starts, shows a status while answering, and answers in the thread', async () => {
    const bot = createFakeBot();
    h = await startHarness(bot, {}, { env: { SLACK_ASSISTANT: 'true' } });
    const rec = recorder();
    mockApi(rec, 'assistant.threads.setSuggestedPrompts');
    await h.event(started);
    await until(() => rec.calls.length === 1, 'setSuggestedPrompts');
    expect(rec.calls[0]?.args).toMatchObject({
      channel_id: 'D0DM1',
      thread_ts: '1729999327.187299',
      title: suggestedPrompts().title,
      prompts: suggestedPrompts().prompts,
    });

    mockApi(rec, 'assistant.threads.setStatus');
    mockApi(rec, 'chat.postMessage', { ok: true, ts: '1729999401.000200' });
    await h.event(userMessage);
    await until(() => rec.calls.length === 3, 'status and answer');
    expect(rec.calls.map((c) => c.method)).toEqual([
      'assistant.threads.setSuggestedPrompts',
      'assistant.threads.setStatus',
      'chat.postMessage',
    ]);
    expect(rec.calls[1]?.args).toMatchObject({
      channel_id: 'D0DM1',
      thread_ts: '1729999327.187299',
      status: 'is looking this up…',
    });
    expect(rec.calls[2]?.args).toMatchObject({ channel: 'D0DM1', thread_ts: '1729999327.187299' });
    expect(bot.inbounds[0]).toMatchObject({ kind: 'message', text: 'How do we version training data?' });
  });

  it('still answers when setStatus fails (status is a courtesy)', async () => {
    h = await startHarness(createFakeBot(), {}, { env: { SLACK_ASSISTANT: 'true' } });
    const rec = recorder();
    mockApi(rec, 'assistant.threads.setStatus', { ok: false, error: 'missing_scope', needed: 'assistant:write' });
    const answered = mockApi(rec, 'chat.postMessage', { ok: true, ts: '1' });
    await h.event(userMessage);
    await until(() => answered.isDone(), 'the answer');
  });

  it('is off by default: assistant events are ignored and DM threads are answered as before', async () => {
    h = await startHarness(createFakeBot());
    const rec = recorder();
    mockApi(rec, 'chat.postMessage', { ok: true, ts: '1' });
    await h.event(started);
    await h.event(userMessage);
    await settle(rec, 1);
    expect(rec.calls[0]?.method).toBe('chat.postMessage');
  });
});

describe('Ask an expert (Slack)', () => {
  const EXPERTS = 'C0EXPERTS';
  const QUESTION = 'how do we certify a laser interferometer?';

  function realBot(channels: { slack?: string }): Bot {
    return createBot(expertBotDeps(channels, { storeQuestionText: false }));
  }

  /** Mentions the bot with a question it cannot answer; returns the posted reply's expert button. */
  async function abstain(rec: Recorder): Promise<Json | undefined> {
    mockApi(rec, 'chat.postMessage', { ok: true, ts: '1715000001.000400' });
    const mention = fixture('app_mention.json') as Json;
    mention.event.text = `<@${BOT_USER}> ${QUESTION}`;
    await h?.event(mention);
    await until(() => rec.of('chat.postMessage').length === 1, 'the abstain');
    const blocks = (rec.of('chat.postMessage')[0] as Json).blocks as Json[];
    return blocks.flatMap((b) => b.elements ?? []).find((e: Json) => e.text?.text === ASK_EXPERT_LABEL);
  }

  const clickOn = (button: Json): Json => ({
    ...fixture('block_actions.json'),
    actions: [{ action_id: button.action_id, block_id: 'b1', value: button.value, type: 'button', action_ts: '1.9' }],
  });

  it('has no button when EXPERT_CHANNEL_SLACK is unset', async () => {
    h = await startHarness(realBot({}));
    expect(await abstain(recorder())).toBeUndefined();
  });

  it('on click posts the question to the expert channel with who asked and a link back, and tells the user where', async () => {
    h = await startHarness(realBot({ slack: EXPERTS }));
    const rec = recorder();
    const button = await abstain(rec);
    expect(button).toBeDefined();

    mockApi(rec, 'chat.getPermalink', {
      ok: true,
      permalink: 'https://acme.slack.com/archives/C0CHAN1/p1715000001000400?thread_ts=1715000000.000100',
    });
    mockApi(rec, 'chat.postMessage', { ok: true, channel: EXPERTS, ts: '1715000050.000100' });
    mockApi(rec, 'chat.getPermalink', {
      ok: true,
      permalink: 'https://acme.slack.com/archives/C0EXPERTS/p1715000050000100',
    });
    const told = mockResponseUrl(rec, '/actions/T0001/5555/def456');
    await h.interaction(clickOn(button as Json));
    await until(() => told.isDone(), 'the user told where it went');

    expect(rec.of('chat.getPermalink')[0]).toMatchObject({ channel: 'C0CHAN1', message_ts: '1715000001.000400' });
    const post = rec.of('chat.postMessage')[1] as Json;
    expect(post.channel).toBe(EXPERTS);
    const postText = JSON.stringify(post.blocks);
    expect(postText).toContain(QUESTION);
    expect(postText).toContain('Asked by <@U0USER1> in <#C0CHAN1>');
    expect(postText).toContain('|Open the conversation>');
    const reply = rec.calls.at(-1)?.args as Json;
    expect(reply).toMatchObject({ response_type: 'ephemeral', replace_original: false });
    expect(reply.text).toContain("I've posted your question in #mlops-experts");
    expect(JSON.stringify(reply.blocks)).toContain(
      '<https://acme.slack.com/archives/C0EXPERTS/p1715000050000100|Open the post>',
    );
  });

  for (const error of ['not_in_channel', 'channel_not_found']) {
    it(`tells the user privately that nothing was posted when Slack answers ${error}`, async () => {
      h = await startHarness(realBot({ slack: EXPERTS }));
      const rec = recorder();
      const button = await abstain(rec);
      mockApi(rec, 'chat.getPermalink', { ok: true, permalink: 'https://acme.slack.com/x' });
      mockApi(rec, 'chat.postMessage', { ok: false, error });
      const told = mockResponseUrl(rec, '/actions/T0001/5555/def456');
      await h.interaction(clickOn(button as Json));
      await until(() => told.isDone(), 'the failure notice');
      const reply = rec.calls.at(-1)?.args as Json;
      expect(reply.response_type).toBe('ephemeral');
      expect(reply.text).toContain("I couldn't post your question in #mlops-experts, so nobody has been told yet");
      expect(h.logger.lines.some((l) => (l.obj as Json).code === error)).toBe(true);
    });
  }

  /** A click on the expert button in a DM with the bot (no link back to ask for: fewer Web API calls). */
  const dmClick = (actionTs: string): Json => {
    const payload = clickOn({ action_id: 'expert::0', value: JSON.stringify({ q: QUESTION }) });
    payload.channel = { id: 'D0DM1', name: 'directmessage' };
    payload.container = { type: 'message', message_ts: '4.1', channel_id: 'D0DM1', is_ephemeral: false };
    payload.message = { ...payload.message, thread_ts: undefined };
    payload.actions[0].action_ts = actionTs;
    return payload;
  };

  it('posts once however often it is clicked: a second click, and a redelivered click on another replica, are told it is there', async () => {
    // Two replicas sharing one store (Redis in production): the claim holds across them.
    const kv = createMemoryKeyValueStore();
    h = await startHarness(realBot({ slack: EXPERTS }), {}, { kv });
    const other = await startHarness(realBot({ slack: EXPERTS }), {}, { kv });
    try {
      const rec = recorder();
      const postLink = 'https://acme.slack.com/archives/C0EXPERTS/p1715000050000100';
      mockApi(rec, 'chat.postMessage', { ok: true, channel: EXPERTS, ts: '1715000050.000100' });
      mockApi(rec, 'chat.getPermalink', { ok: true, permalink: postLink });
      const told = mockResponseUrl(rec, '/actions/T0001/5555/def456', 3);
      const first = dmClick('1715000002.000500');
      await h.interaction(first);
      await until(() => rec.calls.filter((c) => c.method.startsWith('response_url')).length === 1, 'the first click');
      // The same payload again (Slack redelivering it, here to the other replica), then a new click by the same user.
      await other.interaction(first);
      await until(() => rec.calls.filter((c) => c.method.startsWith('response_url')).length === 2, 'the redelivery');
      await h.interaction(dmClick('1715000009.000100'));
      await until(() => told.isDone(), 'the repeated click');

      expect(rec.of('chat.postMessage')).toHaveLength(1);
      const replies = rec.calls.filter((c) => c.method.startsWith('response_url')).map((c) => c.args);
      expect(replies[0]?.text).toContain("I've posted your question in #mlops-experts");
      for (const again of replies.slice(1)) {
        expect(again).toMatchObject({ response_type: 'ephemeral', replace_original: false });
        expect(again.text).toContain("I've already posted this question in #mlops-experts");
        expect(JSON.stringify(again.blocks)).toContain(`<${postLink}|Open the post>`);
      }
    } finally {
      await other.stop();
    }
  });

  it('a post Slack refused is not remembered: the next click tries again', async () => {
    h = await startHarness(realBot({ slack: EXPERTS }));
    const rec = recorder();
    mockApi(rec, 'chat.postMessage', { ok: false, error: 'not_in_channel' });
    const failed = mockResponseUrl(rec, '/actions/T0001/5555/def456');
    await h.interaction(dmClick('1.1'));
    await until(() => failed.isDone(), 'the failure notice');
    mockApi(rec, 'chat.postMessage', { ok: true, channel: EXPERTS, ts: '5.1' });
    mockApi(rec, 'chat.getPermalink', { ok: false, error: 'message_not_found' });
    const told = mockResponseUrl(rec, '/actions/T0001/5555/def456');
    await h.interaction(dmClick('1.2'));
    await until(() => told.isDone(), 'the second click');
    expect(rec.of('chat.postMessage')).toHaveLength(2);
    expect((rec.calls.at(-1)?.args as Json | undefined)?.text).toContain("I've posted your question");
  });

  it('a click in a DM with the bot posts without a link (experts cannot open a DM) and says it came from a DM', async () => {
    h = await startHarness(realBot({ slack: EXPERTS }));
    const rec = recorder();
    mockApi(rec, 'chat.postMessage', { ok: true, channel: EXPERTS, ts: '5.1' });
    mockApi(rec, 'chat.getPermalink', { ok: false, error: 'message_not_found' });
    const told = mockResponseUrl(rec, '/actions/T0001/5555/def456');
    const payload = clickOn({ action_id: 'expert::0', value: JSON.stringify({ q: QUESTION }) });
    payload.channel = { id: 'D0DM1', name: 'directmessage' };
    payload.container = { type: 'message', message_ts: '4.1', channel_id: 'D0DM1', is_ephemeral: false };
    payload.message = { ...payload.message, thread_ts: undefined };
    await h.interaction(payload);
    await until(() => told.isDone(), 'the user told');
    expect(rec.of('chat.postMessage')).toHaveLength(1);
    const text = JSON.stringify((rec.of('chat.postMessage')[0] as Json).blocks);
    expect(text).toContain('Asked by <@U0USER1> in a direct message with me');
    expect(text).not.toContain('Open the conversation');
    expect((rec.calls.at(-1)?.args as Json | undefined)?.text).toContain("I've posted your question");
  });
});
