// Walkthroughs in a Teams channel with the real core (createApp on the real knowledge base): another member's click
// on a personal walkthrough card gets a reply for that member only (the invoke response card), never a public
// "expired" card, never an edit of the owner's message and never a step of the owner's walkthrough; typed answers
// go into the card's text field (Action.Execute with the input value), no mention needed. Activities are shaped
// like Teams' own (channel conversation with ;messageid=, aadObjectId, Action.Execute invoke).
import nock from 'nock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  APP_ID,
  cardOf,
  type FakeConnector,
  mockConnector,
  SERVICE_URL,
  startTeamsApp,
  TENANT_ID,
  type TeamsAppServer,
} from './helpers.ts';

let teams: TeamsAppServer;
let url: string;
let connector: FakeConnector;

beforeAll(async () => {
  teams = await startTeamsApp();
  url = teams.url;
});
beforeEach(() => {
  nock.cleanAll();
  connector = mockConnector();
});
afterAll(async () => {
  await teams?.close();
  nock.cleanAll();
});

const THREAD = '19:abcdef0123456789@thread.tacv2;messageid=1712000000100';
const ALICE = { id: '29:1user-alice', name: 'Alice Example', aadObjectId: '11111111-2222-3333-4444-555555555555' };
const BOB = { id: '29:1user-bob', name: 'Bob Example', aadObjectId: '22222222-2222-3333-4444-555555555555' };
type Member = typeof ALICE;

let seq = 0;
const envelope = (from: Member) => ({
  id: `shared-${++seq}`,
  serviceUrl: SERVICE_URL,
  channelId: 'msteams',
  from,
  conversation: { isGroup: true, conversationType: 'channel', tenantId: TENANT_ID, id: THREAD },
  recipient: { id: `28:${APP_ID}`, name: 'MLOps Guide' },
  channelData: { teamsChannelId: '19:abcdef0123456789@thread.tacv2', tenant: { id: TENANT_ID } },
});

const post = async (activity: Record<string, unknown>) => {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(activity),
  });
  const text = await res.text();
  return { status: res.status, json: text ? (JSON.parse(text) as InvokeBody) : undefined };
};
interface InvokeBody {
  statusCode: number;
  type: string;
  value: Record<string, unknown> | string;
}

/** "@MLOps Guide <text>" in the channel thread. */
const mention = (from: Member, text: string) =>
  post({
    ...envelope(from),
    type: 'message',
    text: `<at>MLOps Guide</at> ${text}`,
    entities: [
      { type: 'mention', text: '<at>MLOps Guide</at>', mentioned: { id: `28:${APP_ID}`, name: 'MLOps Guide' } },
    ],
  });

/** A click on an Action.Execute button of the bot's message `replyToId`, with the card's inputs merged into data. */
const execute = (from: Member, replyToId: string, data: Record<string, unknown>) =>
  post({
    ...envelope(from),
    type: 'invoke',
    name: 'adaptiveCard/action',
    replyToId,
    value: { action: { type: 'Action.Execute', verb: data.actionId, data }, trigger: 'manual' },
  });

type Action = { type: string; title: string; data: Record<string, unknown> };
const actions = (card: Record<string, unknown>): Action[] => {
  const out: Action[] = [];
  const walk = (v: unknown) => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      if (o.type === 'Action.Execute') out.push(o as unknown as Action);
      Object.values(o).forEach(walk);
    }
  };
  walk(card.body);
  return out;
};
const button = (card: Record<string, unknown>, title: string | RegExp): Action => {
  const found = actions(card).find((a) => (typeof title === 'string' ? a.title === title : title.test(a.title)));
  if (!found) throw new Error(`no button ${title} in ${actions(card).map((a) => a.title)}`);
  return found;
};
const cardText = (card: unknown) => JSON.stringify(card);

/** Alice starts a walkthrough in the channel; returns its card and the id of the bot's message. */
async function aliceStarts(command: string) {
  const before = connector.posted().length;
  expect((await mention(ALICE, command)).status).toBe(200);
  const posted = connector.posted();
  expect(posted).toHaveLength(before + 1);
  const messageId = `bot-msg-${posted.length}`;
  return { card: cardOf(posted[before]?.body ?? {}), messageId };
}

describe('a personal walkthrough card in a Teams channel', () => {
  it("another member's click gets a card for them only: whose it is and a Start button; the owner's card is untouched", async () => {
    const { card, messageId } = await aliceStarts('infra');
    const first = actions(card).find((a) => String(a.data.actionId).startsWith('walkthrough:answer'));
    expect(first?.data.ownerName).toBe('Alice Example');
    expect(JSON.stringify(first?.data)).not.toContain(ALICE.id); // the owner is a hash, never the raw Teams id

    const posts = connector.posted().length;
    const res = await execute(BOB, messageId, first?.data ?? {});
    expect(res.status).toBe(200);
    expect(res.json?.type).toBe('application/vnd.microsoft.card.adaptive');
    const bobs = res.json?.value as Record<string, unknown>;
    expect(cardText(bobs)).toContain("This is Alice Example's walkthrough");
    expect(cardText(bobs)).not.toMatch(/expired/i);
    const start = button(bobs, /^Start my own/);
    // Nothing public: no new message, no edit of Alice's card.
    expect(connector.posted()).toHaveLength(posts);
    expect(connector.updated()).toEqual([]);

    // Alice's walkthrough did not move: her click on the same button is still step 1's answer and advances it.
    const hers = await execute(ALICE, messageId, first?.data ?? {});
    expect(hers.json?.type).toBe('application/vnd.microsoft.card.adaptive');
    expect(cardText(hers.json?.value)).not.toContain("This is Alice Example's walkthrough");
    expect(connector.updated().map((u) => u.activityId)).toEqual([messageId]);

    // Bob starts his own: a new message in the thread, owned by him.
    const started = await execute(BOB, messageId, start.data);
    expect(started.status).toBe(200);
    const bobsCard = cardOf(connector.posted().at(-1)?.body ?? {});
    expect(cardText(bobsCard)).toContain('Choose ML infrastructure');
    expect(actions(bobsCard)[0]?.data.ownerName).toBe('Bob Example');
    expect(connector.updated()).toHaveLength(1); // still only Alice's own edit
  });

  it("a click on another member's answer still counts where anyone may act (👍 feedback)", async () => {
    const before = connector.posted().length;
    await mention(ALICE, 'How should we monitor models in production for drift?');
    const answer = cardOf(connector.posted()[before]?.body ?? {});
    const res = await execute(BOB, `bot-msg-${before + 1}`, button(answer, '👍 Helpful').data);
    expect(res.json).toMatchObject({ statusCode: 200, type: 'application/vnd.microsoft.activity.message' });
    expect(String(res.json?.value)).toMatch(/thank/i);
  });

  it('free-text steps have a text field and say how to answer in a channel; the typed value answers the step', async () => {
    const { card, messageId } = await aliceStarts('data-owner');
    const inputs = (card.body as Record<string, unknown>[]).filter((el) => el.type === 'Input.Text');
    expect(inputs).toMatchObject([{ id: 'text', label: 'Search the data catalog' }]);
    expect(cardText(card)).toContain('reply in this thread and mention me');

    // Teams merges the input into the Action.Execute data.
    const search = button(card, 'Search');
    const found = await execute(ALICE, messageId, { ...search.data, text: 'coating chamber logs' });
    const pick = found.json?.value as Record<string, unknown>;
    expect(found.json?.type).toBe('application/vnd.microsoft.card.adaptive');
    expect(cardText(pick)).toContain('Coating chamber process logs');
    expect(button(pick, 'None of these')).toBeDefined();

    // "None of these" → the advice for data the catalog lacks, recorded as a gap like any unmet search.
    const none = await execute(ALICE, messageId, button(pick, 'None of these').data);
    const advice = none.json?.value as Record<string, unknown>;
    expect(cardText(advice)).toContain('How to find an owner anyway');
    expect(cardText(advice)).toContain('coating chamber logs');
    const misses = (await teams.app.events.list()).filter((e) => e.type === 'catalog-miss');
    expect(misses.at(-1)).toMatchObject({ type: 'catalog-miss', query: 'coating chamber logs' });
    // The search field is there again, to search with other words.
    expect(button(advice, 'Search').data.actionId).toBe(search.data.actionId);
  });

  it('a question typed during the data-owner walkthrough is answered, not searched; the walkthrough can resume', async () => {
    await aliceStarts('data-owner');
    const before = connector.posted().length;
    await mention(ALICE, 'what is model drift?');
    const reply = cardOf(connector.posted()[before]?.body ?? {});
    expect(cardText(reply)).toMatch(/drift/i);
    expect(cardText(reply)).not.toContain('Nothing in the data catalog matched');
    expect(button(reply, 'Continue the walkthrough')).toBeDefined();
    // A data question at the same step is still a search.
    await mention(ALICE, 'who owns the coating chamber logs?');
    expect(cardText(cardOf(connector.posted().at(-1)?.body ?? {}))).toContain('Which of these data sets do you mean?');
  });
});
