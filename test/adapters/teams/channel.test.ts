// The Teams channel end to end: Activities POSTed to the real HTTP server, replies captured at a Bot Connector
// mocked with nock. Authentication is off here (loopback + TEAMS_ALLOW_UNAUTHENTICATED); auth.test.ts covers it.
import nock from 'nock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isLoopbackServiceUrl } from '../../../adapters/teams/index.ts';
import { MAX_MESSAGE_BYTES } from '../../../adapters/teams/limits.ts';
import type { Inbound } from '../../../src/core/inbound.ts';
import { block, type Reply } from '../../../src/core/reply.ts';
import type { Bot } from '../../../src/core/types.ts';
import {
  cardOf,
  type FakeConnector,
  fixture,
  mockConnector,
  SERVICE_HOST,
  startTeamsServer,
  type TestServer,
} from './helpers.ts';

let connector: FakeConnector;
let server: TestServer;

beforeEach(async () => {
  connector = mockConnector();
  server = await startTeamsServer();
});
afterEach(async () => {
  await server.stop();
  nock.cleanAll();
});

const texts = (card: Record<string, unknown>): string[] => {
  const out: string[] = [];
  const walk = (v: unknown) => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      if (o.type === 'TextBlock' && typeof o.text === 'string') out.push(o.text);
      Object.values(o).forEach(walk);
    }
  };
  walk(card);
  return out;
};
const actionsOf = (card: Record<string, unknown>) =>
  (card.body as Record<string, unknown>[])
    .filter((el) => el.type === 'ActionSet')
    .flatMap((el) => el.actions) as Record<string, unknown>[];

describe('Teams channel: messages', () => {
  it('answers a personal-chat message with typing, then a card with sources and feedback, as a reply', async () => {
    const res = await server.post(fixture('personal-message'));
    expect(res.status).toBe(200);
    expect(server.bot.calls).toEqual([
      {
        kind: 'message',
        text: 'What is model drift?',
        user: { platform: 'teams', id: '29:1user-alice', name: 'Alice Example' },
        conversation: { platform: 'teams', id: 'a:1personal-alice', isDirect: true },
      },
    ]);
    expect(connector.calls.map((c) => c.body.type)).toEqual(['typing', 'message']);
    const [message] = connector.posted();
    expect(message?.conversationId).toBe('a:1personal-alice');
    expect(message?.activityId).toBe('1712000000001'); // replyToActivity
    expect(message?.body.summary).toBe('Model drift is when the data a model sees changes over time.');
    const card = cardOf(message?.body ?? {});
    expect(texts(card).join('\n')).toContain('1. [Drift](https://kb.example.test/drift)');
    expect(actionsOf(card).map((a) => a.title)).toEqual(['👍 Helpful', '👎 Not helpful']);
  });

  it('answers a channel @mention with the mention stripped, in the same reply chain', async () => {
    const res = await server.post(fixture('channel-mention'));
    expect(res.status).toBe(200);
    expect(server.bot.calls[0]).toMatchObject({
      kind: 'message',
      text: 'what is model drift?',
      conversation: { id: '19:abcdef0123456789@thread.tacv2', threadId: '1712000000100', isDirect: false },
    });
    expect(connector.posted()[0]?.conversationId).toBe('19:abcdef0123456789@thread.tacv2;messageid=1712000000100');
  });

  it('stays silent on channel messages that do not mention it', async () => {
    const res = await server.post(fixture('channel-mention', { text: 'lunch?', entities: [] }));
    expect(res.status).toBe(200);
    expect(server.bot.calls).toEqual([]);
    expect(connector.calls).toEqual([]);
  });

  it('sends typed commands to the core as messages: the core routes them, as for Slack', async () => {
    await server.post(fixture('personal-message', { text: 'infra' }));
    expect(server.bot.calls[0]).toMatchObject({ kind: 'message', text: 'infra' });
    expect(connector.calls.map((c) => c.body.type)).toEqual(['typing', 'message']);
  });

  it('splits a long answer into several messages, each under the Teams size limit', async () => {
    await server.post(fixture('personal-message', { text: 'long' }));
    const posted = connector.posted();
    expect(posted.length).toBeGreaterThan(4);
    for (const call of posted) expect(Buffer.byteLength(JSON.stringify(call.body))).toBeLessThan(MAX_MESSAGE_BYTES);
    const last = cardOf(posted[posted.length - 1]?.body ?? {});
    expect(actionsOf(last).map((a) => a.title)).toEqual(['👍 Helpful', '👎 Not helpful']);
  });

  it('escapes echoed user text: no mention, no Markdown reaches the card', async () => {
    await server.post(fixture('personal-message', { text: 'echo <at>Everyone</at> **now** [x](https://evil.test)' }));
    const card = cardOf(connector.posted()[0]?.body ?? {});
    const json = JSON.stringify(card);
    expect(json).not.toMatch(/<at>/i);
    expect(json).not.toContain('entities');
    // Shown exactly as typed, in a TextRun (never Markdown-rendered), without a backslash Teams mobile would show.
    expect(json).toContain('{"type":"TextRun","text":"Everyone **now** [x](https://evil.test)"}');
    expect(texts(card).join('')).not.toContain('\\');
  });

  it('welcomes with the help card when the app is added', async () => {
    const res = await server.post(fixture('conversation-update-bot-added'));
    expect(res.status).toBe(200);
    expect(server.bot.calls).toEqual([
      {
        kind: 'command',
        command: 'help',
        text: '',
        user: { platform: 'teams', id: '29:1user-alice' },
        conversation: { platform: 'teams', id: 'a:1personal-alice', isDirect: true },
      },
    ]);
    const card = cardOf(connector.posted()[0]?.body ?? {});
    expect(texts(card)[0]).toMatch(/Thanks for adding me/);
    expect(texts(card)).toContain('MLOps Guide');
  });

  it('does not welcome when someone else joins', async () => {
    await server.post(fixture('conversation-update-bot-added', { membersAdded: [{ id: '29:1user-bob' }] }));
    expect(server.bot.calls).toEqual([]);
    expect(connector.calls).toEqual([]);
  });

  it('answers a redelivered activity once', async () => {
    await server.post(fixture('personal-message'));
    await server.post(fixture('personal-message'));
    expect(server.bot.calls).toHaveLength(1);
    expect(connector.posted()).toHaveLength(1);
  });

  it('accepts and ignores activity types it does not handle', async () => {
    for (const type of ['typing', 'messageReaction', 'installationUpdate', 'event', 'endOfConversation']) {
      const res = await server.post({ ...fixture('personal-message'), type });
      expect(res.status, type).toBe(200);
    }
    expect(server.bot.calls).toEqual([]);
    expect(connector.calls).toEqual([]);
  });
});

const ephemeralStep: Reply = {
  kind: 'walkthrough',
  ephemeral: true,
  replaceOriginal: true,
  fallbackText: 'Here is where you are now.',
  blocks: [block.notice('info', 'Here is where you are now.'), block.heading('Choose ML infrastructure')],
};

describe('Teams channel: card clicks', () => {
  it('walks through a walkthrough with Action.Submit, updating the clicked card in place', async () => {
    await server.post(fixture('personal-message', { text: 'infra' }));
    const first = connector.posted()[0];
    expect(first).toBeDefined();
    const step1 = cardOf(first?.body ?? {});
    expect(texts(step1)).toContain('Choose ML infrastructure — step 1 of 3');

    // The card in Teams is message "bot-msg-1": clicks come back as messages replying to it.
    const click = (id: string, value: string) =>
      server.post(fixture('action-submit', { id, replyToId: 'bot-msg-1', value: { actionId: 'flow:infra', value } }));

    await click('click-1', 'q1:a');
    await click('click-2', 'q2:b');

    const updates = connector.updated();
    expect(updates.map((u) => [u.conversationId, u.activityId])).toEqual([
      ['a:1personal-alice', 'bot-msg-1'],
      ['a:1personal-alice', 'bot-msg-1'],
    ]);
    expect(texts(cardOf(updates[0]?.body ?? {}))).toContain('Choose ML infrastructure — step 2 of 3');
    const final = cardOf(updates[1]?.body ?? {});
    expect(texts(final)).toContain('Recommendation');
    expect(texts(final)).toContain('Decision: shared cluster');
    expect(connector.posted()).toHaveLength(1); // no new messages: the card changed in place
    expect(server.bot.calls.slice(1)).toMatchObject([
      { kind: 'action', actionId: 'flow:infra', value: 'q1:a' },
      { kind: 'action', actionId: 'flow:infra', value: 'q2:b' },
    ]);
  });

  it('walks through a walkthrough with Action.Execute: the invoke response carries the card AND the message is updated', async () => {
    await server.post(fixture('personal-message', { text: 'infra' }));
    const step1 = cardOf(connector.posted()[0]?.body ?? {});
    const option = actionsOf(step1)[0] as { type: string; verb: string; data: { actionId: string; value: string } };
    expect(option.type).toBe('Action.Execute');

    const execute = (id: string, data: { actionId: string; value: string }) =>
      server.post(
        fixture('invoke-action-execute', {
          id,
          value: { action: { type: 'Action.Execute', verb: data.actionId, data } },
        }),
      );

    const r2 = await execute('inv-1', option.data);
    expect(r2.status).toBe(200);
    const body2 = r2.json as { statusCode: number; type: string; value: Record<string, unknown> };
    expect(body2.statusCode).toBe(200);
    expect(body2.type).toBe('application/vnd.microsoft.card.adaptive');
    expect(texts(body2.value)).toContain('Choose ML infrastructure — step 2 of 3');

    const next = actionsOf(body2.value)[1] as { data: { actionId: string; value: string } };
    const r3 = await execute('inv-2', next.data);
    const body3 = r3.json as { type: string; value: Record<string, unknown> };
    expect(body3.type).toBe('application/vnd.microsoft.card.adaptive');
    expect(texts(body3.value)).toContain('Recommendation');
    // Every client and member sees the current step: the card's message (the invoke's replyToId) was edited too,
    // with the same card the clicking client got.
    const updates = connector.updated();
    expect(updates.map((u) => [u.conversationId, u.activityId])).toEqual([
      ['a:1personal-alice', 'bot-card-1'],
      ['a:1personal-alice', 'bot-card-1'],
    ]);
    expect(cardOf(updates[0]?.body ?? {})).toEqual(body2.value);
    expect(cardOf(updates[1]?.body ?? {})).toEqual(body3.value);
    expect(updates[1]?.body).toMatchObject({ type: 'message', id: 'bot-card-1' });
    expect(connector.posted()).toHaveLength(1);
  });

  it('Action.Execute still answers the clicking client with the card when the message edit fails', async () => {
    connector.failUpdates(404);
    const res = await server.post(fixture('invoke-action-execute'));
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ statusCode: 200, type: 'application/vnd.microsoft.card.adaptive' });
    expect(connector.updated()).toHaveLength(1);
    expect(server.logger.lines.some((l) => l.level === 'warn' && /update failed/.test(l.msg ?? ''))).toBe(true);
  });

  it('forwards 👍 feedback from Action.Execute to the core and acknowledges on the card', async () => {
    await server.post(fixture('personal-message'));
    const helpful = actionsOf(cardOf(connector.posted()[0]?.body ?? {}))[0] as {
      data: { actionId: string; value: string };
    };
    const res = await server.post(
      fixture('invoke-action-execute', {
        id: 'fb-1',
        value: { action: { type: 'Action.Execute', verb: 'feedback', data: helpful.data } },
      }),
    );
    expect(server.bot.calls[1]).toMatchObject({
      kind: 'action',
      actionId: 'feedback',
      value: '{"answerId":"ans-1","rating":"up"}',
    });
    expect(res.json).toEqual({
      statusCode: 200,
      type: 'application/vnd.microsoft.activity.message',
      value: 'Thanks for the feedback — glad it helped.',
    });
    expect(connector.posted()).toHaveLength(1);
  });

  it('forwards 👎 feedback with the typed reason from Action.Submit', async () => {
    await server.post(fixture('personal-message'));
    const value = {
      actionId: 'feedback',
      value: '{"answerId":"ans-1","rating":"down"}',
      text: 'The numbers are from 2019',
    };
    const res = await server.post(fixture('action-submit', { id: 'fb-2', replyToId: 'bot-msg-1', value }));
    expect(res.status).toBe(200);
    expect(server.bot.calls[1]).toMatchObject({
      kind: 'action',
      actionId: 'feedback',
      text: 'The numbers are from 2019',
    });
    // Not a walkthrough step: the thanks is a new message, the answer card stays as it is.
    expect(connector.updated()).toEqual([]);
    expect(texts(cardOf(connector.posted()[1]?.body ?? {}))[0]).toMatch(/Thanks for the feedback/);
  });

  it('sends a new message when the clicked card can no longer be updated', async () => {
    connector.failUpdates(404);
    await server.post(fixture('action-submit', { replyToId: 'gone-card' }));
    expect(connector.updated()).toHaveLength(1);
    expect(texts(cardOf(connector.posted()[0]?.body ?? {}))).toContain('Choose ML infrastructure — step 2 of 3');
    expect(server.logger.lines.some((l) => l.level === 'warn' && /update failed/.test(l.msg ?? ''))).toBe(true);
  });

  it('tells the user when a click carries data it did not produce', async () => {
    const res = await server.post(fixture('action-submit', { value: { foo: 'bar' } }));
    expect(res.status).toBe(200);
    expect(server.bot.calls).toEqual([]);
    expect(texts(cardOf(connector.posted()[0]?.body ?? {})).join(' ')).toMatch(/could not read that button click/);

    const inv = await server.post(fixture('invoke-action-execute', { value: { action: { type: 'Action.Execute' } } }));
    expect(inv.status).toBe(400);
    expect(inv.json).toMatchObject({
      statusCode: 400,
      type: 'application/vnd.microsoft.error',
      value: { code: 'BadRequest' },
    });
    const noValue = await server.post(fixture('invoke-action-execute', { value: undefined }));
    expect(noValue.status).toBe(400);
    expect(server.bot.calls).toEqual([]);
  });

  it('an ephemeral reply (for the clicker only) never replaces the clicked card: Action.Submit', async () => {
    server.bot.handle = async (inbound) => {
      server.bot.calls.push(inbound);
      return ephemeralStep;
    };
    const res = await server.post(fixture('action-submit', { replyToId: 'someone-elses-card' }));
    expect(res.status).toBe(200);
    expect(connector.updated()).toEqual([]);
    expect(texts(cardOf(connector.posted()[0]?.body ?? {})).join(' ')).toContain('Here is where you are now.');
  });

  it('an ephemeral reply (for the clicker only) is the invoke response card: a user-specific view, nothing posted', async () => {
    server.bot.handle = async (inbound) => {
      server.bot.calls.push(inbound);
      return ephemeralStep;
    };
    const res = await server.post(fixture('invoke-action-execute'));
    expect(res.status).toBe(200);
    const body = res.json as { statusCode: number; type: string; value: Record<string, unknown> };
    expect(body).toMatchObject({ statusCode: 200, type: 'application/vnd.microsoft.card.adaptive' });
    expect(texts(body.value).join(' ')).toContain('Here is where you are now.');
    expect(connector.updated()).toEqual([]);
    expect(connector.posted()).toEqual([]);
  });

  it('answers other invokes as not implemented', async () => {
    const res = await server.post(fixture('invoke-action-execute', { name: 'composeExtension/query' }));
    expect(res.status).toBe(501);
    expect(server.bot.calls).toEqual([]);
  });
});

describe('Teams channel: emulator mode', () => {
  it('accepts only loopback serviceUrls: never posts replies wherever an unauthenticated request points', async () => {
    for (const serviceUrl of [
      'https://smba.trafficmanager.net/emea/',
      'https://attacker.example.test/',
      'http://10.0.0.5/',
    ]) {
      const res = await server.post(fixture('personal-message', { id: `far-${serviceUrl}`, serviceUrl }));
      expect(res.status, serviceUrl).toBe(403);
      expect(res.json).toMatchObject({ error: 'forbidden' });
    }
    const invoke = await server.post(
      fixture('invoke-action-execute', { serviceUrl: 'https://attacker.example.test/' }),
    );
    expect(invoke.status).toBe(403);
    expect(server.bot.calls).toEqual([]);
    expect(connector.calls).toEqual([]);
    expect(server.logger.lines.some((l) => l.level === 'warn' && /loopback serviceUrl/.test(l.msg ?? ''))).toBe(true);

    for (const serviceUrl of ['http://localhost:53978/teams/', 'http://[::1]:53978/teams/']) {
      expect(isLoopbackServiceUrl(serviceUrl)).toBe(true);
    }
    // The Emulator's own connector on loopback is answered.
    const ok = await server.post(fixture('personal-message'));
    expect(ok.status).toBe(200);
    expect(connector.posted()).toHaveLength(1);
  });
});

describe('Teams channel: malformed requests', () => {
  it('answers 400 to bad JSON, a non-object body, no type or a missing envelope, and keeps serving', async () => {
    const bad = [
      await server.post('{"type": "message", '),
      await server.post('[]'),
      await server.post('"message"'),
      await server.post({ text: 'no type' }),
      await server.post({ type: 42 }),
      await server.post({ ...fixture('personal-message'), conversation: undefined }),
      await server.post({ ...fixture('personal-message'), serviceUrl: 'not a url' }),
      await server.post({ ...fixture('personal-message'), from: null }),
    ];
    expect(bad.map((r) => r.status)).toEqual([400, 400, 400, 400, 400, 400, 400, 400]);
    for (const r of bad) expect(r.json).toMatchObject({ error: 'bad_request' });
    const noBody = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: 'hello',
    });
    expect(noBody.status).toBe(400);
    expect(server.bot.calls).toEqual([]);

    const ok = await server.post(fixture('personal-message'));
    expect(ok.status).toBe(200);
  });

  it('answers 413 to an oversized body', async () => {
    const res = await server.post({ ...fixture('personal-message'), text: 'x'.repeat(300_000) });
    expect(res.status).toBe(413);
  });

  it('answers 500 (and logs) when replying to Teams fails, without crashing the server', async () => {
    nock.cleanAll();
    nock(SERVICE_HOST)
      .persist()
      .post(/.*/)
      .reply(403, { error: { code: 'BotDisabledByAdmin', message: 'The bot is disabled' } });
    const res = await server.post(fixture('personal-message'));
    expect(res.status).toBe(500);
    expect(server.logger.lines.some((l) => l.level === 'error' && l.msg === 'teams turn failed')).toBe(true);
    const health = await fetch(server.url.replace('/api/messages', '/healthz'));
    expect(health.status).toBe(200);
  });

  it('answers 500 when the bot throws, instead of crashing', async () => {
    await server.stop();
    const throwing: Bot & { calls: Inbound[] } = {
      calls: [],
      async handle() {
        throw new Error('boom');
      },
    };
    server = await startTeamsServer(undefined, { bot: throwing });
    const res = await server.post(fixture('personal-message'));
    expect(res.status).toBe(500);
  });

  it('answers 503 once the channel is stopped (shutdown)', async () => {
    await server.server.stop();
    const { port } = await server.server.start();
    const res = await fetch(`http://127.0.0.1:${port}/api/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(fixture('personal-message')),
    });
    expect(res.status).toBe(503);
    expect(server.bot.calls).toEqual([]);
  });
});
