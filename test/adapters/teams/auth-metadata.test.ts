// A separate file (so a separate process): botbuilder caches the Bot Framework OpenID metadata process-wide, and
// these tests need it to be fetched — and fail (an error answer, an unreachable host, missing keys: all 503
// "teams authentication unavailable", never 401). The last test lets it load, to check botbuilder's console output.
import { createRequire } from 'node:module';
import nock from 'nock';
import { afterEach, expect, it, vi } from 'vitest';
import { authenticationFailureStatus, withAuthDeadline } from '../../../adapters/teams/auth.ts';
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

it('answers 503 "teams authentication unavailable" when the key server does not answer (deadline)', async () => {
  // nock's replyWithError never settles botbuilder's node-fetch request, which is exactly a key server that hangs
  // (a firewall dropping packets): the request is answered 503 at the deadline instead of waiting for ever.
  nock(BOT_OPENID_HOST)
    .persist()
    .get(BOT_OPENID_PATH)
    .replyWithError({ code: 'ECONNREFUSED', message: 'connect ECONNREFUSED login.botframework.com:443' });
  const issuer = await mockBotFrameworkIssuer({ serve: false });
  const server = await startTeamsServer(appEnv, { authTimeoutMs: 200 });
  try {
    const res = await server.post(fixture('personal-message'), { authorization: `Bearer ${await issuer.sign()}` });
    expect(res.status).toBe(503);
    expect(res.json).toEqual({ error: 'unavailable', message: 'Authentication is unavailable right now.' });
    expect(server.bot.calls).toEqual([]);
    const line = server.logger.lines.find((l) => l.level === 'error');
    expect(line?.msg).toMatch(/^teams authentication unavailable/);
  } finally {
    await server.stop();
  }
});

it('a key server that refuses the connection (node-fetch FetchError, no status) is 503, not 401', () => {
  const require = createRequire(import.meta.url);
  const fetchPath = require.resolve('node-fetch', { paths: [require.resolve('botframework-connector')] });
  const { FetchError } = require(fetchPath) as {
    FetchError: new (message: string, type: string, systemError?: object) => Error;
  };
  const refused = new FetchError(
    'request to https://login.botframework.com failed, reason: connect ECONNREFUSED',
    'system',
    {
      code: 'ECONNREFUSED',
    },
  );
  expect(authenticationFailureStatus(refused)).toBe(503);
  expect(authenticationFailureStatus(new FetchError('invalid json response body', 'invalid-json'))).toBe(503);
});

it('answers 503 when the metadata loads but its signing keys (JWKS) do not', async () => {
  nock(BOT_OPENID_HOST)
    .persist()
    .get(BOT_OPENID_PATH)
    .reply(200, { issuer: 'https://api.botframework.com', jwks_uri: `${BOT_OPENID_HOST}/v1/.well-known/keys` })
    .get('/v1/.well-known/keys')
    .reply(503, 'busy');
  const issuer = await mockBotFrameworkIssuer({ serve: false });
  const server = await startTeamsServer(appEnv);
  try {
    const res = await server.post(fixture('personal-message'), { authorization: `Bearer ${await issuer.sign()}` });
    expect(res.status).toBe(503);
  } finally {
    await server.stop();
  }
});

it('a hanging key server is given up on: the deadline error maps to 503', async () => {
  const err = await withAuthDeadline(new Promise<never>(() => {}), 1).catch((e: unknown) => e);
  expect(authenticationFailureStatus(err)).toBe(503);
  expect(authenticationFailureStatus(new Error('invalid signature'))).toBe(401);
});

// Last in this file: from here on the (mocked) keys are cached for the process.
it("botbuilder's console output on forged and expired tokens becomes structured log records, not raw text", async () => {
  const rawConsole = vi.spyOn(console, 'error').mockImplementation(() => undefined);
  const issuer = await mockBotFrameworkIssuer();
  const server = await startTeamsServer(appEnv);
  try {
    const forged = await server.post(fixture('personal-message'), {
      authorization: `Bearer ${await issuer.sign({}, { key: 'untrusted' })}`,
    });
    expect(forged.status).toBe(401);
    const now = Math.floor(Date.now() / 1000);
    const expired = await server.post(fixture('personal-message'), {
      authorization: `Bearer ${await issuer.sign({ nbf: now - 7200, exp: now - 3600 })}`,
    });
    expect(expired.status).toBe(401);

    // botbuilder called console.error for both (the key's PEM, a whole error with its stack): none got through.
    expect(rawConsole).not.toHaveBeenCalled();
    const captured = server.logger.lines.filter((l) => l.msg === 'botbuilder console output');
    expect(captured.length).toBeGreaterThanOrEqual(2);
    for (const line of captured) {
      expect(line.level).toBe('warn');
      expect(line.obj).toMatchObject({ source: 'botbuilder', console: 'error' });
      const text = (line.obj as { text: string }).text;
      expect(text).not.toContain('\n');
      expect(text.length).toBeLessThanOrEqual(500);
    }
    expect(server.bot.calls).toEqual([]);
  } finally {
    await server.stop();
  }
});
