import { describe, expect, it } from 'vitest';
import { decodeActionId, encodeActionId } from '../../../adapters/slack/ids.ts';
import {
  actionToInbound,
  commandToInbound,
  eventToInbound,
  feedbackRating,
  feedbackViewToInbound,
  mentionsSomeoneElse,
  parseBlockActions,
  routeEvent,
  slackTextToPlain,
} from '../../../adapters/slack/inbound.ts';
import { fixture } from './harness.ts';

// biome-ignore lint/suspicious/noExplicitAny: Slack payloads in tests are loosely typed JSON
type Json = Record<string, any>;

describe('slackTextToPlain', () => {
  it.each([
    ['<@U0BOT> what is drift?', 'what is drift?'],
    ['<@U0BOT|mlops> hi', 'hi'],
    ['ask <@U123> about <#C1|ml-platform>', 'ask @U123 about #ml-platform'],
    ['<!here> <!channel> <!everyone>', '@here @channel @everyone'],
    ['see <https://kb.example/a|the guide> or <https://x.io>', 'see the guide or https://x.io'],
    ['a &lt;b&gt; &amp;amp; c', 'a <b> &amp; c'],
    ['<!subteam^S1|@ml-team> ping', '@ml-team ping'],
  ])('%j → %j', (input, expected) => {
    expect(slackTextToPlain(input, 'U0BOT')).toBe(expected);
  });
});

describe('routeEvent', () => {
  const mention = fixture<Json>('app_mention.json').event;
  const dm = fixture<Json>('message_im.json').event;
  const thread = fixture<Json>('message_thread.json').event;

  it('routes mentions, DMs and thread messages', () => {
    expect(routeEvent(mention, 'U0BOT').route).toBe('mention');
    expect(routeEvent(dm, 'U0BOT').route).toBe('dm');
    expect(routeEvent(thread, 'U0BOT')).toMatchObject({ route: 'thread', threadTs: '1715000000.000100' });
  });

  it.each([
    ['a bot', { bot_id: 'B1' }, 'bot'],
    ['a bot_message', { subtype: 'bot_message' }, 'bot'],
    ['itself', { user: 'U0BOT' }, 'self'],
    ['an edit', { subtype: 'message_changed' }, 'subtype'],
    ['a channel join', { subtype: 'channel_join' }, 'subtype'],
    ['empty text', { text: '' }, 'empty'],
    ['no user', { user: undefined }, 'no user'],
  ])('ignores %s', (_name, patch, reason) => {
    expect(routeEvent({ ...dm, ...patch }, 'U0BOT')).toEqual({ route: 'ignore', reason });
  });

  it('ignores a top-level channel message and a thread message that also mentions the bot', () => {
    expect(routeEvent({ ...thread, thread_ts: undefined }, 'U0BOT').route).toBe('ignore');
    expect(routeEvent({ ...thread, text: '<@U0BOT> again' }, 'U0BOT')).toEqual({ route: 'ignore', reason: 'mention' });
  });

  it('treats malformed events as ignorable, not errors', () => {
    for (const bad of [null, 'x', 42, {}, { type: 'message' }, { ...dm, channel: 7 }]) {
      expect(routeEvent(bad, 'U0BOT')).toEqual({ route: 'ignore', reason: 'malformed' });
    }
  });

  it('keeps file shares and thread broadcasts', () => {
    expect(routeEvent({ ...dm, subtype: 'file_share' }, 'U0BOT').route).toBe('dm');
  });
});

describe('eventToInbound', () => {
  it('a top-level mention starts a thread under the message', () => {
    const route = routeEvent(fixture<Json>('app_mention.json').event, 'U0BOT');
    if (route.route === 'ignore') throw new Error('unexpected');
    expect(eventToInbound(route, 'U0BOT')).toEqual({
      kind: 'message',
      user: { platform: 'slack', id: 'U0USER1' },
      conversation: { platform: 'slack', id: 'C0CHAN1', threadId: '1715000000.000100' },
      text: 'how do we version training data?',
    });
  });
});

describe('commandToInbound', () => {
  const body = { command: '/mlops', text: '', user_id: 'U1', user_name: 'ana', channel_id: 'C1', channel_name: 'x' };

  it.each([
    ['help', 'help', ''],
    ['  Property   data drift ', 'property', 'data drift'],
    ['data-owner sensor data from line 3', 'data-owner', 'sensor data from line 3'],
    ['', '', ''],
    ['ask what is &lt;MLflow&gt;?', 'ask', 'what is <MLflow>?'],
  ])('%j → command %j, text %j', (text, command, rest) => {
    expect(commandToInbound({ ...body, text })).toMatchObject({ kind: 'command', command, text: rest });
  });

  it('marks DMs as direct', () => {
    expect(commandToInbound({ ...body, channel_id: 'D1', channel_name: 'directmessage' })?.conversation).toEqual({
      platform: 'slack',
      id: 'D1',
      isDirect: true,
    });
  });

  it('returns undefined for a payload without user or channel', () => {
    expect(commandToInbound({ command: '/mlops', text: 'help' })).toBeUndefined();
    expect(commandToInbound(undefined)).toBeUndefined();
  });
});

describe('block actions', () => {
  it('turns a click into an action with the core actionId', () => {
    const parsed = parseBlockActions(fixture('block_actions.json'));
    if (!parsed) throw new Error('fixture did not parse');
    expect(actionToInbound(parsed)).toEqual({
      kind: 'action',
      user: { platform: 'slack', id: 'U0USER1', name: 'ana' },
      conversation: { platform: 'slack', id: 'C0CHAN1', threadId: '1715000000.000100' },
      actionId: 'flow:infra',
      value: 'batch',
    });
  });

  it('rejects payloads without actions or user', () => {
    const payload = fixture<Json>('block_actions.json');
    expect(parseBlockActions({ ...payload, actions: [] })).toBeUndefined();
    expect(parseBlockActions({ ...payload, user: undefined })).toBeUndefined();
    expect(parseBlockActions('payload')).toBeUndefined();
  });

  it('a click in a view has no conversation unless one is given', () => {
    const payload = fixture<Json>('block_actions.json');
    const parsed = parseBlockActions({
      ...payload,
      channel: undefined,
      container: { type: 'view' },
      message: undefined,
    });
    if (!parsed) throw new Error('did not parse');
    expect(actionToInbound(parsed)).toBeUndefined();
    expect(actionToInbound(parsed, { platform: 'slack', id: 'D1', isDirect: true })?.conversation.id).toBe('D1');
  });

  it('action ids round-trip through the uniqueness suffix', () => {
    expect(decodeActionId(encodeActionId('flow:infra::x', 3))).toBe('flow:infra::x');
    expect(decodeActionId('mlops_share')).toBe('mlops_share');
  });
});

describe('feedback view', () => {
  it('a submission carries the reason', () => {
    const parsed = feedbackViewToInbound(fixture('view_submission.json'));
    expect(parsed?.inbound).toMatchObject({ actionId: 'feedback', text: 'It ignored our on-prem GPU cluster' });
    expect(parsed?.metadata).toEqual({
      value: '{"answerId":"ans-1","rating":"down"}',
      channel: 'C0CHAN1',
      threadTs: '1715000000.000100',
    });
  });

  it('an empty reason is left out', () => {
    const view = fixture<Json>('view_submission.json');
    view.view.state.values.reason.reason.value = '   ';
    expect(feedbackViewToInbound(view)?.inbound).not.toHaveProperty('text');
  });

  it('tampered or missing private_metadata is rejected', () => {
    const view = fixture<Json>('view_submission.json');
    for (const meta of ['', 'not json', '{"value":1}', '{"channel":"C1"}']) {
      expect(feedbackViewToInbound({ ...view, view: { ...view.view, private_metadata: meta } })).toBeUndefined();
    }
  });

  it('reads the rating from a feedback value', () => {
    expect(feedbackRating('{"answerId":"a","rating":"down"}')).toBe('down');
    expect(feedbackRating('{"answerId":"a","rating":"meh"}')).toBeUndefined();
    expect(feedbackRating('nope')).toBeUndefined();
  });
});

describe('mentionsSomeoneElse', () => {
  it('sees user, group and channel-wide mentions other than the bot', () => {
    expect(mentionsSomeoneElse('<@U0CAROL01> can you check?', 'U0BOT')).toBe(true);
    expect(mentionsSomeoneElse('ask <@U0CAROL01|carol>', 'U0BOT')).toBe(true);
    expect(mentionsSomeoneElse('<!subteam^S0TEAM|@ml-team> ping', 'U0BOT')).toBe(true);
    expect(mentionsSomeoneElse('<!here> anyone?', 'U0BOT')).toBe(true);
    expect(mentionsSomeoneElse('<@U0BOT> and how?', 'U0BOT')).toBe(false);
    expect(mentionsSomeoneElse('and how do I get access?', 'U0BOT')).toBe(false);
  });
});
