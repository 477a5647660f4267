// The Teams channel with the real core (createApp on the real knowledge base): commands, a grounded answer with
// feedback, and the infrastructure walkthrough clicked through with Action.Execute to its recommendation.
import nock from 'nock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cardOf, type FakeConnector, fixture, mockConnector, startTeamsApp, type TeamsAppServer } from './helpers.ts';

let teams: TeamsAppServer;
let url: string;
let connector: FakeConnector;

beforeAll(async () => {
  teams = await startTeamsApp();
  url = teams.url;
  connector = mockConnector();
});
afterAll(async () => {
  await teams?.close();
  nock.cleanAll();
});

let seq = 0;
const post = async (activity: Record<string, unknown>) => {
  seq += 1;
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ ...activity, id: `int-${seq}` }),
  });
  const text = await res.text();
  return { status: res.status, json: text ? (JSON.parse(text) as Record<string, unknown>) : undefined };
};

type Action = { type: string; title: string; data?: { actionId: string; value: string } };
const actions = (card: Record<string, unknown>): Action[] =>
  (card.body as Record<string, unknown>[])
    .filter((el) => el.type === 'ActionSet')
    .flatMap((el) => el.actions as Action[]);
const allText = (card: unknown): string => JSON.stringify(card);

describe('Teams channel with the real core', () => {
  it('answers help with the command card', async () => {
    const before = connector.posted().length;
    expect((await post(fixture('personal-message', { text: 'help' }))).status).toBe(200);
    const card = cardOf(connector.posted()[before]?.body ?? {});
    expect(allText(card)).toContain('MLOps Guide');
    expect(actions(card).every((a) => a.type === 'Action.Execute')).toBe(true);
  });

  it('answers a question with sources and forwards 👍 feedback', async () => {
    const before = connector.posted().length;
    await post(fixture('personal-message', { text: 'How should we monitor models in production for drift?' }));
    const card = cardOf(connector.posted()[before]?.body ?? {});
    const helpful = actions(card).find((a) => a.title === '👍 Helpful');
    expect(helpful?.data?.actionId).toBe('feedback');
    const res = await post(
      fixture('invoke-action-execute', {
        value: { action: { type: 'Action.Execute', verb: 'feedback', data: helpful?.data } },
      }),
    );
    expect(res.json).toMatchObject({ statusCode: 200, type: 'application/vnd.microsoft.activity.message' });
    expect(String(res.json?.value)).toMatch(/thank/i);
  });

  it('clicks the infrastructure walkthrough through to a recommendation, updating the card in place', async () => {
    const before = connector.posted().length;
    await post(fixture('personal-message', { text: 'infra' }));
    let card = cardOf(connector.posted()[before]?.body ?? {});
    let replaced = 0;
    for (let i = 0; i < 15; i++) {
      const next = actions(card).find(
        (a) => a.type === 'Action.Execute' && a.data && a.data.actionId !== 'command' && a.data.actionId !== 'feedback',
      );
      if (!next?.data) break;
      const res = await post(
        fixture('invoke-action-execute', {
          value: { action: { type: 'Action.Execute', verb: next.data.actionId, data: next.data } },
        }),
      );
      expect(res.status).toBe(200);
      if (res.json?.type !== 'application/vnd.microsoft.card.adaptive') {
        // The core answered with a new message rather than a card update: follow that card.
        card = cardOf(connector.posted()[connector.posted().length - 1]?.body ?? {});
        continue;
      }
      replaced += 1;
      card = res.json.value as Record<string, unknown>;
      if (allText(card).includes('Monospace')) break; // the decision record (a copyable block)
    }
    if (process.env.DUMP_CARDS) console.log(JSON.stringify(card, null, 1));
    expect(replaced).toBeGreaterThan(2);
    expect(allText(card)).toContain('Monospace');
  });
});
