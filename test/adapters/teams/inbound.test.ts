import { describe, expect, it } from 'vitest';
import { activityEnvelopeProblem, activityToInbound, messageText } from '../../../adapters/teams/inbound.ts';
import { fixture } from './helpers.ts';

const alice = { platform: 'teams', id: '29:1user-alice', name: 'Alice Example' };
const personal = { platform: 'teams', id: 'a:1personal-alice', isDirect: true };

describe('activityToInbound', () => {
  it('maps every personal-chat message to a message Inbound with isDirect', () => {
    expect(activityToInbound(fixture('personal-message'))).toEqual({
      type: 'inbound',
      source: 'text',
      inbound: { kind: 'message', user: alice, conversation: personal, text: 'What is model drift?' },
    });
  });

  it('strips the bot mention from a channel message and keeps the reply chain as thread', () => {
    expect(activityToInbound(fixture('channel-mention'))).toEqual({
      type: 'inbound',
      source: 'text',
      inbound: {
        kind: 'message',
        user: { platform: 'teams', id: '29:1user-bob', name: 'Bob Example' },
        conversation: {
          platform: 'teams',
          id: '19:abcdef0123456789@thread.tacv2',
          threadId: '1712000000100',
          isDirect: false,
        },
        text: 'what is model drift?',
      },
    });
  });

  it('ignores channel and group-chat messages that do not mention the bot', () => {
    const channel = fixture('channel-mention', { text: 'what is model drift?', entities: [] });
    expect(activityToInbound(channel)).toMatchObject({ type: 'ignore' });
    const otherMention = fixture('channel-mention', {
      text: '<at>Carol</at> what is drift?',
      entities: [{ type: 'mention', text: '<at>Carol</at>', mentioned: { id: '29:carol', name: 'Carol' } }],
    });
    expect(activityToInbound(otherMention)).toMatchObject({ type: 'ignore' });
    const group = fixture('channel-mention', {
      conversation: { conversationType: 'groupChat', id: '19:group@thread.v2', isGroup: true },
      entities: [],
    });
    expect(activityToInbound(group)).toMatchObject({ type: 'ignore' });
  });

  it('answers a group-chat mention', () => {
    const group = fixture('channel-mention', {
      conversation: { conversationType: 'groupChat', id: '19:group@thread.v2', isGroup: true },
    });
    expect(activityToInbound(group)).toMatchObject({
      type: 'inbound',
      inbound: {
        kind: 'message',
        text: 'what is model drift?',
        conversation: { id: '19:group@thread.v2', isDirect: false },
      },
    });
  });

  it('leaves commands to the core: typed text, command word or not, is a message', () => {
    const mention = fixture('channel-mention', { text: '<at>MLOps Guide</at> property drift' });
    expect(activityToInbound(mention)).toMatchObject({ inbound: { kind: 'message', text: 'property drift' } });
  });

  it('maps Action.Submit (a message with value) to an action with the clicked card id', () => {
    expect(activityToInbound(fixture('action-submit'))).toEqual({
      type: 'inbound',
      source: 'submit',
      replyToId: 'bot-card-1',
      inbound: { kind: 'action', user: alice, conversation: personal, actionId: 'flow:infra', value: 'q1:batch' },
    });
  });

  it('carries a 👎 reason typed into the card as text', () => {
    const value = { actionId: 'feedback', value: '{"answerId":"a1","rating":"down"}', text: '  outdated numbers ' };
    expect(activityToInbound(fixture('action-submit', { value }))).toMatchObject({
      inbound: {
        kind: 'action',
        actionId: 'feedback',
        value: '{"answerId":"a1","rating":"down"}',
        text: 'outdated numbers',
      },
    });
    const empty = { ...value, text: '   ' };
    const parsed = activityToInbound(fixture('action-submit', { value: empty }));
    expect(parsed.type === 'inbound' && parsed.inbound.kind === 'action' && 'text' in parsed.inbound).toBe(false);
  });

  it('maps invoke adaptiveCard/action (Action.Execute) to an action', () => {
    expect(activityToInbound(fixture('invoke-action-execute'))).toEqual({
      type: 'inbound',
      source: 'execute',
      inbound: { kind: 'action', user: alice, conversation: personal, actionId: 'flow:infra', value: 'q1:batch' },
    });
    const verbOnly = fixture('invoke-action-execute', {
      value: { action: { type: 'Action.Execute', verb: 'command' } },
    });
    expect(activityToInbound(verbOnly)).toMatchObject({ inbound: { actionId: 'command', value: '' } });
  });

  it('reports clicks it cannot read instead of guessing', () => {
    expect(activityToInbound(fixture('action-submit', { value: { foo: 1 } }))).toMatchObject({
      type: 'invalid',
      source: 'submit',
    });
    expect(activityToInbound(fixture('action-submit', { value: 'just a string' }))).toMatchObject({ type: 'invalid' });
    expect(activityToInbound(fixture('invoke-action-execute', { value: undefined }))).toMatchObject({
      type: 'invalid',
      source: 'execute',
    });
    expect(
      activityToInbound(fixture('invoke-action-execute', { value: { action: { type: 'Action.Submit', data: {} } } })),
    ).toMatchObject({
      type: 'invalid',
    });
    expect(
      activityToInbound(
        fixture('invoke-action-execute', { value: { action: { type: 'Action.Execute', data: { value: 'x' } } } }),
      ),
    ).toMatchObject({
      type: 'invalid',
    });
  });

  it('welcomes when the bot itself is added, not when other members join', () => {
    expect(activityToInbound(fixture('conversation-update-bot-added'))).toEqual({
      type: 'welcome',
      user: { platform: 'teams', id: '29:1user-alice' },
      conversation: personal,
    });
    expect(
      activityToInbound(fixture('conversation-update-bot-added', { membersAdded: [{ id: '29:someone' }] })),
    ).toMatchObject({ type: 'ignore' });
    expect(activityToInbound(fixture('conversation-update-bot-added', { membersAdded: 'nope' }))).toMatchObject({
      type: 'ignore',
    });
  });

  it('ignores other activity types and other invokes', () => {
    expect(activityToInbound({ ...fixture('personal-message'), type: 'typing' })).toMatchObject({ type: 'ignore' });
    expect(activityToInbound({ ...fixture('personal-message'), type: 'messageReaction' })).toMatchObject({
      type: 'ignore',
    });
    expect(activityToInbound(fixture('invoke-action-execute', { name: 'composeExtension/query' }))).toMatchObject({
      type: 'ignore',
    });
  });

  it('treats the Bot Framework Emulator (no conversationType) as a direct chat', () => {
    const emulator = fixture('personal-message', { channelId: 'emulator', conversation: { id: 'emu-conv-1' } });
    expect(activityToInbound(emulator)).toMatchObject({
      inbound: { conversation: { id: 'emu-conv-1', isDirect: true } },
    });
  });
});

describe('messageText', () => {
  it('removes every mention of the bot, keeps other names, decodes Teams entities', () => {
    const activity = fixture('channel-mention', {
      text: '<at>MLOps Guide</at> ask&nbsp;<at>Carol</at> about A &amp; B &lt;3 <at>MLOps Guide</at>',
      entities: [
        { type: 'mention', text: '<at>MLOps Guide</at>', mentioned: { id: '28:00000000-0000-0000-0000-00000000b07a' } },
        { type: 'mention', text: '<at>Carol</at>', mentioned: { id: '29:carol' } },
      ],
    });
    expect(messageText(activity)).toBe('ask Carol about A & B <3');
  });

  it('copes with missing or odd text and entities', () => {
    expect(messageText({})).toBe('');
    expect(messageText({ text: 42, entities: 'x' })).toBe('');
    expect(messageText({ text: ' hi ', entities: [null, 1, { type: 'mention' }], recipient: { id: 'b' } })).toBe('hi');
  });
});

describe('activityEnvelopeProblem', () => {
  it('accepts a complete activity and rejects incomplete ones with a reason', () => {
    expect(activityEnvelopeProblem(fixture('personal-message'))).toBeUndefined();
    expect(activityEnvelopeProblem({ type: 'typing' })).toBeUndefined();
    expect(activityEnvelopeProblem(null)).toMatch(/JSON object/);
    expect(activityEnvelopeProblem([])).toMatch(/JSON object/);
    expect(activityEnvelopeProblem('message')).toMatch(/JSON object/);
    expect(activityEnvelopeProblem({ text: 'hi' })).toMatch(/type/);
    expect(activityEnvelopeProblem({ type: '' })).toMatch(/type/);
    expect(activityEnvelopeProblem(fixture('personal-message', { serviceUrl: undefined }))).toMatch(/serviceUrl/);
    expect(activityEnvelopeProblem(fixture('personal-message', { serviceUrl: 'file:///etc/passwd' }))).toMatch(
      /serviceUrl/,
    );
    expect(activityEnvelopeProblem(fixture('personal-message', { conversation: {} }))).toMatch(/conversation/);
    expect(activityEnvelopeProblem(fixture('personal-message', { from: 'alice' }))).toMatch(/from/);
    expect(activityEnvelopeProblem(fixture('personal-message', { recipient: undefined }))).toMatch(/recipient/);
  });
});
