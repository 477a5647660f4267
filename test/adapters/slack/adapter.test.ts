import nock from 'nock';
import { describe, expect, it } from 'vitest';
import { createSlackChannel } from '../../../adapters/slack/index.ts';
import { loadConfig } from '../../../src/config.ts';
import type { Reply } from '../../../src/core/reply.ts';
import { MlopsGuideError } from '../../../src/errors.ts';
import { createMemoryKeyValueStore } from '../../../src/store/kv-memory.ts';
import {
  createFakeBot,
  type FakeBot,
  fixture,
  fixtureText,
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

const blocksText = (args: Json) => JSON.stringify(args.blocks);

describe('mentions, threads and DMs', () => {
  it('answers an @mention in a thread with blocks, sources and feedback buttons', async () => {
    const post = mockApi(rec, 'chat.postMessage', { ok: true, ts: '1715000001.000400' });
    const res = await h.event(fixture('app_mention.json'));
    expect(res.status).toBe(200);
    await until(() => post.isDone(), 'chat.postMessage');

    const [args] = rec.of('chat.postMessage') as Json[];
    expect(args).toMatchObject({ channel: 'C0CHAN1', thread_ts: '1715000000.000100' });
    expect(args?.text).toBe('Version training data with DVC or lakeFS snapshots.');
    expect(args?.blocks[0]).toEqual({
      type: 'section',
      text: { type: 'mrkdwn', text: 'Version training data with *DVC* or <https://lakefs.io|lakeFS> snapshots.' },
    });
    expect(args?.blocks[1].type).toBe('context');
    expect(args?.blocks[1].elements[0].text).toContain('[1] <https://kb.example.com/data-versioning|Data versioning>');
    expect(args?.blocks[2].elements.map((e: Json) => e.action_id)).toEqual(['feedback::0', 'feedback::1']);

    expect(bot.inbounds).toEqual([
      {
        kind: 'message',
        user: { platform: 'slack', id: 'U0USER1' },
        conversation: { platform: 'slack', id: 'C0CHAN1', threadId: '1715000000.000100' },
        text: 'how do we version training data?',
      },
    ]);
  });

  it('answers a follow-up in a thread it answered, without a new mention', async () => {
    const post = mockApi(rec, 'chat.postMessage', { ok: true, ts: '1' }, 2);
    await h.event(fixture('app_mention.json'));
    await until(() => rec.of('chat.postMessage').length === 1, 'first answer');
    await h.event(fixture('message_thread.json'));
    await until(() => post.isDone(), 'follow-up answer');
    expect(rec.of('chat.postMessage')[1]).toMatchObject({ channel: 'C0CHAN1', thread_ts: '1715000000.000100' });
    expect(bot.inbounds[1]).toMatchObject({ kind: 'message', text: 'and what about the models themselves?' });
  });

  it("thread etiquette: ignores chatter and messages between people, answers the asker's real follow-up", async () => {
    const post = mockApi(rec, 'chat.postMessage', { ok: true, ts: '1' }, 2);
    await h.event(fixture('app_mention.json'));
    await until(() => rec.of('chat.postMessage').length === 1, 'first answer');
    const base = fixture<Json>('message_thread.json');
    const reply = (n: number, user: string, text: string) =>
      h.event({ ...base, event_id: `Ev0CHAT${n}`, event: { ...base.event, user, text, ts: `1715000200.00${n}` } });
    // Small talk from the asker, a reply from someone else, and the asker talking to a colleague.
    for (const [n, user, text] of [
      [1, 'U0USER1', 'thanks!'],
      [2, 'U0BOB01', 'lol'],
      [3, 'U0BOB01', 'how do we do that on line 3?'],
      [4, 'U0USER1', '<@U0CAROL01> can you check this against our line 3 data?'],
    ] as const) {
      expect((await reply(n, user, text)).status).toBe(200);
    }
    // The asker's follow-up question: answered (and it is the only message after the mention that reaches the bot).
    await reply(5, 'U0USER1', 'and how do I get access to it?');
    await until(() => post.isDone(), 'follow-up answer');
    await h.stop();
    expect(bot.inbounds.map((i) => (i.kind === 'message' ? i.text : i.kind))).toEqual([
      'how do we version training data?',
      'and how do I get access to it?',
    ]);
    expect(rec.of('chat.postMessage')).toHaveLength(2);
    expect(rec.of('chat.postMessage')[1]).toMatchObject({ channel: 'C0CHAN1', thread_ts: '1715000000.000100' });
    h = await startHarness(bot);
  });

  it('a mention in a thread makes that person an asker there too', async () => {
    const post = mockApi(rec, 'chat.postMessage', { ok: true, ts: '1' }, 3);
    await h.event(fixture('app_mention.json'));
    await until(() => rec.of('chat.postMessage').length === 1, 'first answer');
    const mention = fixture<Json>('app_mention.json');
    await h.event({
      ...mention,
      event_id: 'Ev0MENTION02',
      event: {
        ...mention.event,
        user: 'U0BOB01',
        text: '<@U0BOT> is that also true for images?',
        ts: '1715000300.000100',
        thread_ts: '1715000000.000100',
      },
    });
    await until(() => rec.of('chat.postMessage').length === 2, 'answer to the second asker');
    const thread = fixture<Json>('message_thread.json');
    await h.event({
      ...thread,
      event_id: 'Ev0BOB02',
      event: { ...thread.event, user: 'U0BOB01', text: 'and what about audio?', ts: '1715000400.000100' },
    });
    await until(() => post.isDone(), 'follow-up from the second asker');
    expect(bot.inbounds.at(-1)).toMatchObject({ kind: 'message', text: 'and what about audio?' });
  });

  it('ignores thread messages in threads it never answered', async () => {
    const res = await h.event(fixture('message_thread.json'));
    expect(res.status).toBe(200);
    await h.stop(); // drains in-flight work
    expect(bot.inbounds).toEqual([]);
    expect(rec.calls).toEqual([]);
    h = await startHarness(bot);
  });

  it('answers a DM directly (no thread) and marks the conversation direct', async () => {
    const post = mockApi(rec, 'chat.postMessage', { ok: true, ts: '1' });
    await h.event(fixture('message_im.json'));
    await until(() => post.isDone(), 'DM answer');
    const [args] = rec.of('chat.postMessage');
    expect(args?.channel).toBe('D0DM1');
    expect(args?.thread_ts).toBeUndefined();
    expect(bot.inbounds[0]?.conversation).toEqual({ platform: 'slack', id: 'D0DM1', isDirect: true });
  });

  it('ignores bot messages, its own messages and edits', async () => {
    const base = fixture<Json>('message_im.json');
    const variants = [
      { ...base.event, bot_id: 'B0OTHER', event_id: undefined },
      { ...base.event, subtype: 'bot_message' },
      { ...base.event, user: 'U0BOT' },
      { ...base.event, subtype: 'message_changed' },
      { ...base.event, text: '   ' },
    ];
    for (const [i, event] of variants.entries()) {
      expect((await h.event({ ...base, event_id: `Ev0IGN${i}`, event })).status).toBe(200);
    }
    await h.stop();
    expect(bot.inbounds).toEqual([]);
    expect(rec.calls).toEqual([]);
    h = await startHarness(bot);
  });

  it('answers a retried event once (same event_id, X-Slack-Retry-Num)', async () => {
    const post = mockApi(rec, 'chat.postMessage', { ok: true, ts: '1' });
    const body = fixture('app_mention.json');
    expect((await h.event(body)).status).toBe(200);
    const retry = await h.event(body, { 'x-slack-retry-num': '1', 'x-slack-retry-reason': 'http_timeout' });
    expect(retry.status).toBe(200);
    await until(() => post.isDone(), 'answer');
    await h.stop();
    expect(bot.inbounds).toHaveLength(1);
    expect(rec.of('chat.postMessage')).toHaveLength(1);
    h = await startHarness(bot);
  });

  it('shows a progress reaction while a slow answer is prepared, then removes it', async () => {
    await h.stop();
    h = await startHarness(bot, { progressDelayMs: 0 });
    let release: () => void = () => {};
    bot.gate = new Promise<void>((r) => {
      release = r;
    });
    const add = mockApi(rec, 'reactions.add');
    const post = mockApi(rec, 'chat.postMessage', { ok: true, ts: '1' });
    const remove = mockApi(rec, 'reactions.remove');
    await h.event(fixture('message_im.json'));
    await until(() => add.isDone(), 'reactions.add');
    expect(rec.of('chat.postMessage')).toHaveLength(0);
    release();
    await until(() => post.isDone() && remove.isDone(), 'answer and reactions.remove');
    expect(rec.of('reactions.add')[0]).toMatchObject({
      channel: 'D0DM1',
      timestamp: '1715000010.000200',
      name: 'hourglass_flowing_sand',
    });
    expect(rec.calls.map((c) => c.method)).toEqual(['reactions.add', 'chat.postMessage', 'reactions.remove']);
  });
});

describe('escaping and limits', () => {
  it('echoed user text cannot ping @channel or inject links', async () => {
    const echo: Reply = {
      kind: 'answer',
      fallbackText: 'You asked: <!channel> <@U999>',
      blocks: [
        { type: 'plain', text: 'You asked: <!channel> <!here> <@U123> <http://evil.example|click>' },
        { type: 'markdown', text: 'Echo: <!channel> & <@U123> <http://evil.example|click>' },
      ],
    };
    bot.handle = async (inbound) => {
      bot.inbounds.push(inbound);
      return echo;
    };
    const post = mockApi(rec, 'chat.postMessage', { ok: true, ts: '1' });
    const base = fixture<Json>('app_mention.json');
    await h.event({ ...base, event: { ...base.event, text: '<@U0BOT> <!channel> hi <@U123>' } });
    await until(() => post.isDone(), 'answer');
    const [args] = rec.of('chat.postMessage') as Json[];
    // Slack never parses plain_text, so the literal text is shown, not acted on.
    expect(args?.blocks[0].text).toEqual({
      type: 'plain_text',
      text: 'You asked: <!channel> <!here> <@U123> <http://evil.example|click>',
      emoji: false,
    });
    const mrkdwnParts = JSON.stringify({ text: args?.text, rest: args?.blocks.slice(1) });
    expect(mrkdwnParts).not.toMatch(/<!channel>|<!here>|<@U123>|<@U999>|<http:\/\/evil/);
    expect(args?.blocks[1].text.text).toBe(
      'Echo: &lt;!channel&gt; &amp; &lt;@U123&gt; &lt;http://evil.example|click&gt;',
    );
    expect(args?.text).toBe('You asked: &lt;!channel&gt; &lt;@U999&gt;');
    expect(bot.inbounds[0]).toMatchObject({ text: '@channel hi @U123' });
  });

  it('splits a very long answer into several messages within Slack limits, dropping nothing', async () => {
    const paragraph = `${'Feature stores keep training and serving consistent. '.repeat(40)}\n\n`;
    const long: Reply = {
      kind: 'answer',
      fallbackText: 'long',
      blocks: [{ type: 'markdown', text: paragraph.repeat(100) }],
    };
    bot.handle = async () => long;
    const post = mockApi(rec, 'chat.postMessage', { ok: true, ts: '1' }, 2);
    await h.event(fixture('message_im.json'));
    await until(() => post.isDone(), 'two messages');
    const messages = rec.of('chat.postMessage') as Json[];
    expect(messages).toHaveLength(2);
    let total = 0;
    for (const m of messages) {
      expect(m.blocks.length).toBeLessThanOrEqual(50);
      for (const b of m.blocks) {
        expect(b.text.text.length).toBeLessThanOrEqual(3000);
        total += (b.text.text.match(/Feature stores/g) ?? []).length;
      }
    }
    expect(total).toBe(40 * 100);
  });
});

describe('slash command', () => {
  it('acks at once and answers ephemerally with a Share in channel button', async () => {
    const respond = mockResponseUrl(rec, '/commands/T0001/1111/abc123');
    const res = await h.command(fixtureText('slash_command.txt'));
    expect(res.status).toBe(200);
    await until(() => respond.isDone(), 'response_url');
    expect(bot.inbounds[0]).toEqual({
      kind: 'command',
      user: { platform: 'slack', id: 'U0USER1', name: 'ana' },
      conversation: { platform: 'slack', id: 'C0CHAN1' },
      command: 'property',
      text: 'drift',
    });
    const [body] = rec.calls.map((c) => c.args) as Json[];
    expect(body).toMatchObject({ response_type: 'ephemeral', replace_original: false });
    const share = body?.blocks.at(-1);
    expect(share.elements[0]).toMatchObject({
      type: 'button',
      action_id: 'mlops_share',
      text: { type: 'plain_text', text: 'Share in channel' },
    });
  });

  it("Share in channel posts the same content through the click's response_url (in_channel), noting who shared it", async () => {
    mockResponseUrl(rec, '/commands/T0001/1111/abc123');
    await h.command(fixtureText('slash_command.txt'));
    await until(() => rec.calls.length === 1, 'ephemeral reply');
    const shareId = (rec.calls[0]?.args as Json | undefined)?.blocks.at(-1).elements[0].value;

    const respond = mockResponseUrl(rec, '/actions/T0001/5555/def456', 2);
    await h.interaction(shareClick(shareId));
    await until(() => respond.isDone(), 'shared post and delete_original');
    const [shared, deleted] = rec.calls.slice(1).map((c) => c.args) as Json[];
    expect(shared).toMatchObject({ response_type: 'in_channel', replace_original: false });
    expect(shared?.blocks[0]).toEqual({
      type: 'context',
      elements: [{ type: 'mrkdwn', text: 'Shared by <@U0USER1>' }],
    });
    expect(blocksText(shared as Json)).toContain('Version training data with *DVC*');
    expect(blocksText(shared as Json)).not.toContain('mlops_share');
    expect(deleted).toEqual({ delete_original: true });
    // No chat.postMessage: sharing works where the bot is not a member, and in DMs between people.
    expect(rec.of('chat.postMessage')).toEqual([]);
  });

  it('falls back to chat.postMessage when the response_url has expired', async () => {
    mockResponseUrl(rec, '/commands/T0001/1111/abc123');
    await h.command(fixtureText('slash_command.txt'));
    await until(() => rec.calls.length === 1, 'ephemeral reply');
    const shareId = (rec.calls[0]?.args as Json | undefined)?.blocks.at(-1).elements[0].value;
    const expired = nock('https://hooks.slack.com').post('/actions/T0001/5555/def456').reply(404, 'expired_url');
    const post = mockApi(rec, 'chat.postMessage', { ok: true, ts: '2' });
    await h.interaction(shareClick(shareId));
    await until(() => expired.isDone() && post.isDone(), 'fallback post');
    const [args] = rec.of('chat.postMessage') as Json[];
    expect(args?.channel).toBe('C0CHAN1');
    expect(args?.blocks[0].elements[0].text).toBe('Shared by <@U0USER1>');
  });

  it('tells the user to invite the bot when the fallback fails with not_in_channel', async () => {
    mockResponseUrl(rec, '/commands/T0001/1111/abc123');
    await h.command(fixtureText('slash_command.txt'));
    await until(() => rec.calls.length === 1, 'ephemeral reply');
    const shareId = (rec.calls[0]?.args as Json | undefined)?.blocks.at(-1).elements[0].value;
    nock('https://hooks.slack.com').post('/actions/T0001/5555/def456').reply(404, 'expired_url');
    mockApi(rec, 'chat.postMessage', { ok: false, error: 'not_in_channel' });
    const notice = mockResponseUrl(rec, '/actions/T0001/5555/def456');
    await h.interaction(shareClick(shareId));
    await until(() => notice.isDone(), 'notice');
    expect(rec.calls.at(-1)?.args).toMatchObject({ response_type: 'ephemeral' });
    expect(JSON.stringify(rec.calls.at(-1)?.args)).toContain('/invite @MLOps Guide');
    expect(h.logger.lines.some((l) => (l.obj as Json).code === 'not_in_channel')).toBe(true);
  });

  it('in a DM between people, never suggests /invite', async () => {
    mockResponseUrl(rec, '/commands/T0001/1111/abc123');
    await h.command(fixtureText('slash_command.txt').replace('channel_id=C0CHAN1', 'channel_id=D0PEOPLE1'));
    await until(() => rec.calls.length === 1, 'ephemeral reply');
    const shareId = (rec.calls[0]?.args as Json | undefined)?.blocks.at(-1).elements[0].value;
    nock('https://hooks.slack.com').post('/actions/T0001/5555/def456').reply(404, 'expired_url');
    mockApi(rec, 'chat.postMessage', { ok: false, error: 'channel_not_found' });
    const notice = mockResponseUrl(rec, '/actions/T0001/5555/def456');
    const click = shareClick(shareId);
    await h.interaction({
      ...click,
      channel: { id: 'D0PEOPLE1', name: 'directmessage' },
      container: { ...click.container, channel_id: 'D0PEOPLE1' },
    });
    await until(() => notice.isDone(), 'notice');
    const text = JSON.stringify(rec.calls.at(-1)?.args);
    expect(text).not.toContain('/invite');
    expect(text).toContain('within 30 minutes');
  });

  it('says so when a share button has expired', async () => {
    const notice = mockResponseUrl(rec, '/actions/T0001/5555/def456');
    await h.interaction(shareClick('no-such-id'));
    await until(() => notice.isDone(), 'notice');
    expect(JSON.stringify(rec.calls[0]?.args)).toContain('can no longer be shared');
  });

  it('passes `/mlops` with no text as an empty command', async () => {
    const respond = mockResponseUrl(rec, '/commands/T0001/1111/abc123');
    await h.command(fixtureText('slash_command.txt').replace('text=property+drift', 'text='));
    await until(() => respond.isDone(), 'response');
    expect(bot.inbounds[0]).toMatchObject({ kind: 'command', command: '', text: '' });
  });
});

function shareClick(value: string): Json {
  const payload = fixture<Json>('block_actions.json');
  return {
    ...payload,
    container: { type: 'message', message_ts: '1715000009.1', channel_id: 'C0CHAN1', is_ephemeral: true },
    message: undefined,
    actions: [{ action_id: 'mlops_share', value, type: 'button', block_id: 'b', action_ts: '1' }],
  };
}

function click(actionId: string, value: string, container: Json = {}): Json {
  const payload = fixture<Json>('block_actions.json');
  return {
    ...payload,
    container: { ...payload.container, ...container },
    actions: [{ ...payload.actions[0], action_id: actionId, value }],
  };
}

describe('walkthroughs', () => {
  it('updates the same ephemeral message step by step through to the recommendation', async () => {
    const r1 = mockResponseUrl(rec, '/commands/T0001/1111/abc123');
    await h.command(fixtureText('slash_command.txt').replace('text=property+drift', 'text=infra'));
    await until(() => r1.isDone(), 'step 1');
    const step1 = rec.calls[0]?.args as Json;
    const buttons = step1.blocks.find((b: Json) => b.type === 'actions').elements;
    expect(buttons.map((b: Json) => [b.action_id, b.value])).toEqual([
      ['flow:infra::0', 'batch'],
      ['flow:infra::1', 'online'],
    ]);

    const ephemeral = { is_ephemeral: true, thread_ts: undefined };
    const r2 = mockResponseUrl(rec, '/actions/T0001/5555/def456', 2);
    await h.interaction({ ...click(buttons[0].action_id, buttons[0].value, ephemeral), message: undefined });
    await until(() => rec.calls.length === 2, 'step 2');
    expect(rec.calls[1]?.args).toMatchObject({ replace_original: true });
    expect(JSON.stringify(rec.calls[1]?.args)).toContain('Where is the data?');

    await h.interaction({ ...click('flow:infra::0', 'batch:onprem', ephemeral), message: undefined });
    await until(() => r2.isDone(), 'recommendation');
    const final = rec.calls[2]?.args as Json;
    expect(final).toMatchObject({ replace_original: true, response_type: 'ephemeral' });
    expect(JSON.stringify(final.blocks)).toContain('Decision record');
    // The final recommendation can be shared too.
    expect(final.blocks.at(-1).elements[0].action_id).toBe('mlops_share');
    expect(bot.inbounds.slice(1)).toEqual([
      {
        kind: 'action',
        user: { platform: 'slack', id: 'U0USER1', name: 'ana' },
        conversation: { platform: 'slack', id: 'C0CHAN1' },
        actionId: 'flow:infra',
        value: 'batch',
      },
      expect.objectContaining({ actionId: 'flow:infra', value: 'batch:onprem' }),
    ]);
  });

  it('updates a channel message in place with chat.update', async () => {
    const update = mockApi(rec, 'chat.update', { ok: true }, 2);
    await h.interaction(click('flow:infra::0', 'batch'));
    await until(() => rec.of('chat.update').length === 1, 'step 2');
    await h.interaction(click('flow:infra::1', 'batch:cloud'));
    await until(() => update.isDone(), 'recommendation');
    const [step2, final] = rec.of('chat.update') as Json[];
    expect(step2).toMatchObject({ channel: 'C0CHAN1', ts: '1715000001.000400' });
    expect(final).toMatchObject({ channel: 'C0CHAN1', ts: '1715000001.000400' });
    expect(JSON.stringify(final?.blocks)).toContain('Kubeflow');
    expect(rec.of('chat.postMessage')).toHaveLength(0);
    expect(bot.inbounds[0]?.conversation).toEqual({ platform: 'slack', id: 'C0CHAN1', threadId: '1715000000.000100' });
  });
});

describe('clicks answered privately', () => {
  for (const [name, reply] of [
    [
      'a stale or unknown button',
      {
        kind: 'notice',
        fallbackText: 'That button is no longer supported.',
        blocks: [{ type: 'notice', level: 'info', text: 'That button is no longer supported. Type `help`.' }],
      },
    ],
    [
      'an admin refusal',
      {
        kind: 'notice',
        fallbackText: 'Sorry, admin commands are for the maintainers of this bot.',
        blocks: [{ type: 'notice', level: 'info', text: 'Sorry, admin commands are for the maintainers of this bot.' }],
      },
    ],
  ] as const) {
    it(`answers ${name} triggered by a button on a channel message ephemerally, never in the channel`, async () => {
      bot.handle = async (inbound) => {
        bot.inbounds.push(inbound);
        return reply as unknown as Reply;
      };
      const respond = mockResponseUrl(rec, '/actions/T0001/5555/def456');
      await h.interaction(click('command::0', 'admin stats'));
      await until(() => respond.isDone(), 'ephemeral notice');
      expect(rec.calls).toHaveLength(1);
      expect(rec.calls[0]?.args).toMatchObject({ response_type: 'ephemeral', replace_original: false });
      expect(JSON.stringify(rec.calls[0]?.args)).not.toContain('mlops_share');
    });
  }
});

describe('feedback', () => {
  const up = JSON.stringify({ answerId: 'ans-1', rating: 'up' });
  const down = JSON.stringify({ answerId: 'ans-1', rating: 'down' });

  it('forwards 👍 to the core and thanks the user ephemerally', async () => {
    const thanks = mockResponseUrl(rec, '/actions/T0001/5555/def456');
    await h.interaction(click('feedback::0', up));
    await until(() => thanks.isDone(), 'thanks');
    expect(bot.inbounds[0]).toMatchObject({ kind: 'action', actionId: 'feedback', value: up });
    expect(rec.calls[0]?.args).toMatchObject({ response_type: 'ephemeral', replace_original: false });
  });

  it('👎 opens a reason modal; the submission is forwarded once with the reason', async () => {
    const open = mockApi(rec, 'views.open', { ok: true, view: { id: 'V0FEEDBACK' } });
    await h.interaction(click('feedback::1', down));
    await until(() => open.isDone(), 'views.open');
    const [args] = rec.of('views.open') as Json[];
    expect(args?.trigger_id).toBe('3333.4444.abcdef');
    expect(args?.view).toMatchObject({ type: 'modal', callback_id: 'mlops_feedback', notify_on_close: true });
    expect(JSON.parse(args?.view.private_metadata)).toEqual({
      value: down,
      channel: 'C0CHAN1',
      threadTs: '1715000000.000100',
    });
    expect(bot.inbounds).toEqual([]);

    const ephemeral = mockApi(rec, 'chat.postEphemeral', { ok: true });
    const res = await h.interaction(fixture('view_submission.json'));
    expect(res.status).toBe(200);
    await until(() => ephemeral.isDone(), 'thanks');
    expect(bot.inbounds).toEqual([
      {
        kind: 'action',
        user: { platform: 'slack', id: 'U0USER1', name: 'ana' },
        conversation: { platform: 'slack', id: 'C0CHAN1', threadId: '1715000000.000100' },
        actionId: 'feedback',
        value: down,
        text: 'It ignored our on-prem GPU cluster',
      },
    ]);
    expect(rec.of('chat.postEphemeral')[0]).toMatchObject({ channel: 'C0CHAN1', user: 'U0USER1' });
  });

  it('a closed 👎 modal still records the rating, without a reason', async () => {
    const ephemeral = mockApi(rec, 'chat.postEphemeral', { ok: true });
    const closed = { ...fixture<Json>('view_submission.json'), type: 'view_closed', is_cleared: false };
    await h.interaction(closed);
    await until(() => ephemeral.isDone(), 'thanks');
    expect(bot.inbounds[0]).toMatchObject({ actionId: 'feedback', value: down });
    expect(bot.inbounds[0]).not.toHaveProperty('text');
  });

  it('forwards 👎 without a reason when the modal cannot be opened', async () => {
    mockApi(rec, 'views.open', { ok: false, error: 'expired_trigger_id' });
    const thanks = mockResponseUrl(rec, '/actions/T0001/5555/def456');
    await h.interaction(click('feedback::1', down));
    await until(() => thanks.isDone(), 'thanks');
    expect(bot.inbounds[0]).toMatchObject({ actionId: 'feedback', value: down });
  });
});

describe('App Home', () => {
  it('publishes the home view when the Home tab opens', async () => {
    const publish = mockApi(rec, 'views.publish', { ok: true });
    await h.event(fixture('app_home_opened.json'));
    await until(() => publish.isDone(), 'views.publish');
    const [args] = rec.of('views.publish') as Json[];
    expect(args?.user_id).toBe('U0USER1');
    expect(args?.view.type).toBe('home');
    const buttons = args?.view.blocks.find((b: Json) => b.type === 'actions').elements;
    expect(buttons.map((b: Json) => b.value)).toEqual(['infra', 'data-owner', 'properties', 'help']);
  });

  it('a Home button starts the walkthrough in the DM with the bot', async () => {
    const open = mockApi(rec, 'conversations.open', { ok: true, channel: { id: 'D0DM1' } });
    const post = mockApi(rec, 'chat.postMessage', { ok: true, ts: '1' });
    await h.interaction(homeClick('infra'));
    await until(() => open.isDone() && post.isDone(), 'DM post');
    expect(rec.of('conversations.open')[0]).toMatchObject({ users: 'U0USER1' });
    expect(rec.of('chat.postMessage')[0]).toMatchObject({ channel: 'D0DM1' });
    expect(bot.inbounds[0]).toEqual({
      kind: 'action',
      user: { platform: 'slack', id: 'U0USER1', name: 'ana' },
      conversation: { platform: 'slack', id: 'D0DM1', isDirect: true },
      actionId: 'command',
      value: 'infra',
    });
  });
});

describe('request verification', () => {
  it('rejects a bad signature with 401', async () => {
    const body = JSON.stringify(fixture('app_mention.json'));
    const res = await fetch(h.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...signature(body, Math.floor(Date.now() / 1000), 'wrong') },
      body,
    });
    expect(res.status).toBe(401);
  });

  it('rejects a timestamp older than 5 minutes with 401', async () => {
    const body = JSON.stringify(fixture('app_mention.json'));
    const old = Math.floor(Date.now() / 1000) - 6 * 60;
    const res = await fetch(h.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...signature(body, old, SECRET) },
      body,
    });
    expect(res.status).toBe(401);
  });

  it('rejects a request without signature headers with 401', async () => {
    const res = await fetch(h.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(res.status).toBe(401);
    await h.stop();
    expect(bot.inbounds).toEqual([]);
    h = await startHarness(bot);
  });

  it('rejects an oversized body with 413', async () => {
    const res = await h.send(`{"x":"${'a'.repeat(5 * 1024 * 1024)}"}`, 'application/json');
    expect(res.status).toBe(413);
  });

  it('answers the url_verification challenge', async () => {
    const res = await h.event({ token: 'x', challenge: 'abc123', type: 'url_verification' });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ challenge: 'abc123' });
  });
});

describe('bad input and API failures never crash', () => {
  it('a signed but malformed body gets 400', async () => {
    const res = await h.send('{not json', 'application/json');
    expect(res.status).toBe(400);
  });

  it('malformed interaction and command payloads are logged and ignored', async () => {
    const r1 = await h.interaction({ type: 'block_actions', actions: [{ action_id: 'x::0' }], user: {} });
    const r2 = await h.command('command=%2Fmlops&text=help');
    expect([r1.status, r2.status].every((s) => s < 500)).toBe(true);
    await h.stop();
    expect(bot.inbounds).toEqual([]);
    expect(h.logger.lines.some((l) => l.level === 'warn' && /malformed/.test(l.msg ?? ''))).toBe(true);
    h = await startHarness(bot);
  });

  it('logs not_in_channel with its code and keeps serving', async () => {
    mockApi(rec, 'chat.postMessage', { ok: false, error: 'not_in_channel' });
    await h.event(fixture('app_mention.json'));
    await until(() => h.logger.lines.some((l) => (l.obj as Json).code === 'not_in_channel'), 'logged code');
    const post = mockApi(rec, 'chat.postMessage', { ok: true, ts: '2' });
    await h.event(fixture('message_im.json'));
    await until(() => post.isDone(), 'next answer');
  });

  it('waits for Retry-After on ratelimited and retries', async () => {
    mockApi(rec, 'chat.postMessage', { ok: false, error: 'ratelimited' }, 1, 429, { 'Retry-After': '1' });
    const ok = mockApi(rec, 'chat.postMessage', { ok: true, ts: '2' });
    await h.event(fixture('message_im.json'));
    await until(() => ok.isDone(), 'retried post', 8000);
    expect(rec.of('chat.postMessage')).toHaveLength(2);
    expect(h.logger.lines.some((l) => /rate limit/i.test(l.msg ?? ''))).toBe(true);
  });

  it('a failing response_url is logged, not thrown', async () => {
    nock('https://hooks.slack.com').post('/commands/T0001/1111/abc123').reply(404, 'expired_url');
    const res = await h.command(fixtureText('slash_command.txt'));
    expect(res.status).toBe(200);
    await until(
      () => h.logger.lines.some((l) => (l.obj as Json).code === 'respond_http_404'),
      'logged respond failure',
    );
  });

  it('a bot that throws still gets the user a short apology', async () => {
    bot.handle = async () => {
      throw new Error('boom');
    };
    const post = mockApi(rec, 'chat.postMessage', { ok: true, ts: '1' });
    await h.event(fixture('message_im.json'));
    await until(() => post.isDone(), 'apology');
    expect(JSON.stringify(rec.of('chat.postMessage')[0])).toContain('something went wrong');
    expect(h.logger.lines.some((l) => l.level === 'error')).toBe(true);
  });
});

describe('channel setup', () => {
  it('refuses to start without Slack configuration', () => {
    const config = loadConfig({});
    expect(() => createSlackChannel({ config, bot: createFakeBot(), kv: createMemoryKeyValueStore() })).toThrow(
      MlopsGuideError,
    );
  });

  it('logs a clear error at start when Slack rejects the bot token', async () => {
    // Its own API host, so no other channel's start-up lookup can take this mock.
    nock('https://bad-token.slack.test').post('/api/auth.test').reply(200, { ok: false, error: 'invalid_auth' });
    const logger = memoryLogger();
    const config = loadConfig({
      SLACK_BOT_TOKEN: 'xoxb-wrong',
      SLACK_SIGNING_SECRET: SECRET,
      SLACK_API_URL: 'https://bad-token.slack.test/api/',
    });
    const channel = createSlackChannel({ config, bot, kv: createMemoryKeyValueStore(), logger });
    await channel.start?.();
    await until(() => logger.lines.some((l) => l.level === 'error'), 'auth error logged');
    const line = logger.lines.find((l) => l.level === 'error');
    expect(line?.obj).toEqual({ code: 'invalid_auth' });
    expect(line?.msg).toMatch(/SLACK_BOT_TOKEN/);
  });

  it('Socket Mode needs no HTTP route', () => {
    const config = loadConfig({ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_APP_TOKEN: 'xapp-1' });
    const channel = createSlackChannel({ config, bot: createFakeBot(), kv: createMemoryKeyValueStore() });
    expect(channel.mount).toBeUndefined();
    expect(typeof channel.start).toBe('function');
    expect(typeof channel.stop).toBe('function');
  });
});
