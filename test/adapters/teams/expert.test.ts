// "Ask an expert" on Teams: the click's escalation is posted to the configured channel as a proactive message through
// the Bot Connector (nock), and the user is told where it went, or that nothing was posted.
import nock from 'nock';
import { afterEach, describe, expect, it } from 'vitest';
import { DELIVERY_MAX_ATTEMPTS } from '../../../adapters/teams/delivery.ts';
import { createBot } from '../../../src/core/bot.ts';
import { ASK_EXPERT_LABEL } from '../../../src/core/expert.ts';
import { CoreAction, expertValue } from '../../../src/core/reply.ts';
import type { Bot } from '../../../src/core/types.ts';
import { expertBotDeps } from '../../core/fixtures.ts';
import {
  cardOf,
  emulatorEnv,
  type FakeConnector,
  fixture,
  mockConnector,
  SERVICE_HOST,
  startTeamsServer,
  type TestServer,
} from './helpers.ts';

const EXPERTS = '19:experts0123@thread.tacv2';
const QUESTION = 'how do we certify a laser interferometer?';

function realBot(teams?: string): Bot {
  return createBot(expertBotDeps(teams ? { teams } : {}));
}

let server: TestServer | undefined;
afterEach(async () => {
  await server?.stop();
  server = undefined;
  nock.cleanAll();
});

const clickExpert = (id = `expert-${Math.random()}`) =>
  fixture('invoke-action-execute', {
    id,
    value: {
      action: {
        type: 'Action.Execute',
        verb: CoreAction.Expert,
        data: { actionId: CoreAction.Expert, value: expertValue({ q: QUESTION }) },
      },
      trigger: 'manual',
    },
  });

async function start(teams?: string): Promise<{ connector: FakeConnector; server: TestServer }> {
  const connector = mockConnector();
  server = await startTeamsServer(emulatorEnv, { bot: realBot(teams), sleep: async () => {} });
  return { connector, server };
}

describe('Ask an expert (Teams)', () => {
  it('shows the button on an abstain only when EXPERT_CHANNEL_TEAMS is set', async () => {
    for (const channel of [EXPERTS, undefined]) {
      const { connector, server: s } = await start(channel);
      await s.post(fixture('personal-message', { id: `q-${channel}`, text: QUESTION }));
      const card = JSON.stringify(cardOf(connector.posted().at(-1)?.body ?? {}));
      if (channel) expect(card).toContain(ASK_EXPERT_LABEL);
      else expect(card).not.toContain(ASK_EXPERT_LABEL);
      await s.stop();
      server = undefined;
      nock.cleanAll();
    }
  });

  it('on click posts the question to the expert channel and tells the user where it went', async () => {
    const { connector, server: s } = await start(EXPERTS);
    const res = await s.post(clickExpert());
    expect(res.status).toBe(200);
    const toExperts = connector.posted().filter((c) => c.conversationId === EXPERTS);
    expect(toExperts).toHaveLength(1);
    const post = JSON.stringify(cardOf(toExperts[0]?.body ?? {}));
    expect(post).toContain(QUESTION);
    expect(post).toContain('Asked by Alice Example in a personal chat with the bot.');
    const toUser = connector.posted().filter((c) => c.conversationId === 'a:1personal-alice');
    expect(JSON.stringify(cardOf(toUser.at(-1)?.body ?? {}))).toContain("I've posted your question in #mlops-experts");
  });

  it('a 429 from the connector is retried and the post delivered once', async () => {
    const { connector, server: s } = await start(EXPERTS);
    connector.failNextMessages(1, 429, { 'Retry-After': '1' });
    await s.post(clickExpert());
    expect(connector.posted().filter((c) => c.conversationId === EXPERTS)).toHaveLength(1);
  });

  it('tells the user nothing was posted when Teams refuses the channel (bot not in that team)', async () => {
    // Registered before the fake connector, so this refusal answers the expert channel's conversation.
    nock(SERVICE_HOST)
      .post(`/teams/v3/conversations/${encodeURIComponent(EXPERTS)}/activities`)
      .reply(403, {
        error: { code: 'BotNotInConversationRoster', message: 'The bot is not part of the conversation roster.' },
      });
    const { connector, server: s } = await start(EXPERTS);
    const res = await s.post(clickExpert());
    expect(res.status).toBe(200);
    const toUser = connector.posted().filter((c) => c.conversationId === 'a:1personal-alice');
    expect(JSON.stringify(cardOf(toUser.at(-1)?.body ?? {}))).toContain(
      "I couldn't post your question in #mlops-experts, so nobody has been told yet",
    );
    expect(s.logger.lines.some((l) => l.msg === 'expert escalation not delivered')).toBe(true);
  });

  const toUser = (connector: FakeConnector) =>
    connector.posted().filter((c) => c.conversationId === 'a:1personal-alice');

  it('posts once however often the same user clicks: the second click is told it is there already', async () => {
    const { connector, server: s } = await start(EXPERTS);
    await s.post(clickExpert('f:1712000000301'));
    await s.post(clickExpert('f:1712000000302'));
    expect(connector.posted().filter((c) => c.conversationId === EXPERTS)).toHaveLength(1);
    const told = toUser(connector).map((c) => JSON.stringify(cardOf(c.body)));
    expect(told).toHaveLength(2);
    expect(told[0]).toContain("I've posted your question in #mlops-experts");
    expect(told[1]).toContain("I've already posted this question in #mlops-experts");
  });

  it('a redelivered activity (its first delivery failed after the post) does not post again', async () => {
    // The expert post goes through; the user's outcome is refused (503 on every retry), so the request fails and
    // Teams redelivers the activity.
    nock(SERVICE_HOST)
      .post(/^\/teams\/v3\/conversations\/a%3A1personal-alice\/activities/)
      .times(DELIVERY_MAX_ATTEMPTS)
      .reply(503, { error: { code: 'ServiceUnavailable', message: 'try later' } });
    const { connector, server: s } = await start(EXPERTS);
    const activity = clickExpert('f:1712000000303');
    const first = await s.post(activity);
    expect(first.status).toBeGreaterThanOrEqual(500);
    const again = await s.post(activity);
    expect(again.status).toBe(200);
    expect(connector.posted().filter((c) => c.conversationId === EXPERTS)).toHaveLength(1);
    expect(JSON.stringify(cardOf(toUser(connector).at(-1)?.body ?? {}))).toContain(
      "I've already posted this question in #mlops-experts",
    );
  });

  it('a post the connector refused is not remembered: the next click tries again', async () => {
    nock(SERVICE_HOST)
      .post(`/teams/v3/conversations/${encodeURIComponent(EXPERTS)}/activities`)
      .reply(403, { error: { code: 'BotNotInConversationRoster', message: 'not in the roster' } });
    const { connector, server: s } = await start(EXPERTS);
    await s.post(clickExpert());
    await s.post(clickExpert());
    expect(connector.posted().filter((c) => c.conversationId === EXPERTS)).toHaveLength(1);
    expect(JSON.stringify(cardOf(toUser(connector).at(-1)?.body ?? {}))).toContain("I've posted your question");
  });
});
