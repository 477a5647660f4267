// Teams delivery under pressure: the Bot Connector answers 429 (with Retry-After) or 5xx. Replies are retried with
// bounded back-off through an injected sleep (no test waits), and de-duplication only sticks once a reply was
// delivered, so Teams' redelivery of an activity whose reply failed is answered.
import nock from 'nock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DELIVERY_MAX_ATTEMPTS, DELIVERY_MAX_DELAY_MS, retryAfterMs } from '../../../adapters/teams/delivery.ts';
import {
  cardOf,
  emulatorEnv,
  type FakeConnector,
  fixture,
  mockConnector,
  startTeamsServer,
  type TestServer,
} from './helpers.ts';

let connector: FakeConnector;
let server: TestServer;
let sleeps: number[];

beforeEach(async () => {
  connector = mockConnector();
  sleeps = [];
  server = await startTeamsServer(emulatorEnv, {
    sleep: async (ms) => {
      sleeps.push(ms);
    },
  });
});
afterEach(async () => {
  await server.stop();
  nock.cleanAll();
});

const refused = () => connector.calls.filter((c) => c.rejected !== undefined);

describe('Teams delivery', () => {
  it('429 once, then success: waits what Retry-After asks and delivers exactly one reply', async () => {
    connector.failNextMessages(1, 429, { 'Retry-After': '7' });
    const res = await server.post(fixture('personal-message'));
    expect(res.status).toBe(200);
    expect(refused().map((c) => c.rejected)).toEqual([429]);
    expect(sleeps).toEqual([7000]);
    expect(connector.posted()).toHaveLength(1);
    expect(JSON.stringify(cardOf(connector.posted()[0]?.body ?? {}))).toContain('Model drift');
    expect(server.bot.calls).toHaveLength(1);
  });

  it('retries 5xx and a 429 without Retry-After with growing back-off', async () => {
    connector.failNextMessages(2, 503);
    const res = await server.post(fixture('personal-message'));
    expect(res.status).toBe(200);
    expect(sleeps).toEqual([500, 1000]);
    expect(connector.posted()).toHaveLength(1);
  });

  it('gives up after a bounded number of attempts, and then answers the redelivered activity', async () => {
    connector.failNextMessages(DELIVERY_MAX_ATTEMPTS, 503);
    const failed = await server.post(fixture('personal-message'));
    expect(failed.status).toBe(500);
    expect(refused()).toHaveLength(DELIVERY_MAX_ATTEMPTS);
    expect(sleeps).toHaveLength(DELIVERY_MAX_ATTEMPTS - 1);
    expect(connector.posted()).toEqual([]);

    // Teams redelivers the same activity (same id): it was never answered, so it is answered now, once.
    const again = await server.post(fixture('personal-message'));
    expect(again.status).toBe(200);
    expect(connector.posted()).toHaveLength(1);
    const third = await server.post(fixture('personal-message'));
    expect(third.status).toBe(200);
    expect(connector.posted()).toHaveLength(1);
    expect(server.bot.calls).toHaveLength(2);
  });

  it('does not wait longer than the bound: a far Retry-After fails the request (Teams redelivers later)', async () => {
    connector.failNextMessages(1, 429, { 'Retry-After': String(DELIVERY_MAX_DELAY_MS / 1000 + 50) });
    const res = await server.post(fixture('personal-message'));
    expect(res.status).toBe(500);
    expect(sleeps).toEqual([]);
    expect(server.logger.lines.some((l) => /wait too long/.test(l.msg ?? ''))).toBe(true);
  });

  it('never retries a 4xx refusal (the bot was removed, the conversation is gone)', async () => {
    connector.failNextMessages(1, 403);
    const res = await server.post(fixture('personal-message'));
    expect(res.status).toBe(500);
    expect(sleeps).toEqual([]);
    expect(refused()).toHaveLength(1);
  });

  it('reads Retry-After as seconds or as an HTTP date', () => {
    const withHeader = (value: string) => ({ response: { headers: { get: () => value } } });
    expect(retryAfterMs(withHeader('2'))).toBe(2000);
    expect(retryAfterMs(withHeader('0.5'))).toBe(500);
    const now = Date.parse('2026-04-02T09:00:00Z');
    expect(retryAfterMs(withHeader('Thu, 02 Apr 2026 09:00:03 GMT'), now)).toBe(3000);
    expect(retryAfterMs(withHeader('soon'))).toBeUndefined();
    expect(retryAfterMs(new Error('no response'))).toBeUndefined();
  });
});
