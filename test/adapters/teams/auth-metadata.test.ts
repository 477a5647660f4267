// A separate file (so a separate process): botbuilder caches the Bot Framework OpenID metadata process-wide, and
// this test needs it to be fetched — and fail.
import nock from 'nock';
import { afterEach, expect, it, vi } from 'vitest';
import {
  appEnv,
  BOT_OPENID_HOST,
  BOT_OPENID_PATH,
  fixture,
  mockBotFrameworkIssuer,
  startTeamsServer,
} from './helpers.ts';

afterEach(() => {
  nock.cleanAll();
  vi.restoreAllMocks();
});

it('answers 503 (a server problem, logged as an error), not 401, when the OpenID metadata cannot be fetched', async () => {
  vi.spyOn(console, 'error').mockImplementation(() => undefined);
  nock(BOT_OPENID_HOST).persist().get(BOT_OPENID_PATH).reply(500, 'down');
  const issuer = await mockBotFrameworkIssuer({ serve: false });
  const server = await startTeamsServer(appEnv);
  try {
    const res = await server.post(fixture('personal-message'), { authorization: `Bearer ${await issuer.sign()}` });
    expect(res.status).toBe(503);
    expect(res.json).toEqual({ error: 'unavailable', message: 'Authentication is unavailable right now.' });
    expect(server.bot.calls).toEqual([]);
    expect(server.logger.lines.some((l) => l.level === 'error')).toBe(true);
  } finally {
    await server.stop();
  }
});
