// Authentication of POST /api/messages. The Bot Framework OpenID metadata and JWKS are served by nock with a
// test RSA key; tokens are signed with jose; the outbound Entra ID token endpoint is mocked too.
import nock from 'nock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createTeamsChannel } from '../../../adapters/teams/index.ts';
import { type Config, loadConfig } from '../../../src/config.ts';
import { ConfigError, ErrorCode, isCodedError } from '../../../src/errors.ts';
import { createMemoryKeyValueStore } from '../../../src/store/kv-memory.ts';
import {
  APP_ID,
  appEnv,
  createScriptedBot,
  emulatorEnv,
  type FakeConnector,
  fixture,
  mockAadToken,
  mockBotFrameworkIssuer,
  mockConnector,
  OUTBOUND_TOKEN,
  startTeamsServer,
  type TestServer,
  type TokenKit,
} from './helpers.ts';

// botbuilder's token validation writes rejected tokens to console.error itself; keep test output readable.
beforeEach(() => {
  vi.spyOn(console, 'error').mockImplementation(() => undefined);
});
afterEach(() => {
  nock.cleanAll();
  vi.restoreAllMocks();
});

describe('with MICROSOFT_APP_ID: Bot Connector tokens are validated', () => {
  let issuer: TokenKit;
  let connector: FakeConnector;
  let aad: ReturnType<typeof mockAadToken>;
  let server: TestServer;

  beforeEach(async () => {
    issuer = await mockBotFrameworkIssuer();
    connector = mockConnector();
    aad = mockAadToken();
    server = await startTeamsServer(appEnv);
  });
  afterEach(async () => {
    await server.stop();
  });

  const post = (token: string | undefined, body: unknown = fixture('personal-message')) =>
    server.post(body, token === undefined ? {} : { authorization: token });

  it('accepts a valid token and replies with an Entra ID token for the same app', async () => {
    const res = await post(`Bearer ${await issuer.sign()}`);
    expect(res.status).toBe(200);
    expect(server.bot.calls).toHaveLength(1);
    expect(connector.posted()).toHaveLength(1);
    expect(connector.calls.every((c) => c.authorization === `Bearer ${OUTBOUND_TOKEN}`)).toBe(true);
    const grant = aad.requests[0];
    expect(grant?.get('client_id')).toBe(APP_ID);
    expect(grant?.get('client_secret')).toBe('test-client-secret');
    expect(grant?.get('scope')).toBe('https://api.botframework.com/.default');
  });

  it('answers an Action.Execute invoke when the token is valid', async () => {
    const res = await post(`Bearer ${await issuer.sign()}`, fixture('invoke-action-execute'));
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ statusCode: 200, type: 'application/vnd.microsoft.card.adaptive' });
  });

  const rejected: [string, () => Promise<string | undefined>][] = [
    ['no Authorization header', async () => undefined],
    ['an empty Authorization header', async () => ''],
    ['a non-Bearer scheme', async () => `Basic ${Buffer.from('a:b').toString('base64')}`],
    ['a token that is not a JWT', async () => 'Bearer not-a-jwt'],
    [
      'a token for another bot (wrong audience)',
      async () => `Bearer ${await issuer.sign({ aud: '11111111-1111-1111-1111-111111111111' })}`,
    ],
    ['a token from another issuer', async () => `Bearer ${await issuer.sign({ iss: 'https://evil.example.test' })}`],
    [
      'a token signed with another key (bad signature)',
      async () => `Bearer ${await issuer.sign({}, { key: 'untrusted' })}`,
    ],
    ['a token with an unknown key id', async () => `Bearer ${await issuer.sign({}, { kid: 'unknown-key' })}`],
    [
      'an expired token',
      async () => {
        const now = Math.floor(Date.now() / 1000);
        // botbuilder allows 5 minutes of clock skew.
        return `Bearer ${await issuer.sign({ nbf: now - 7200, exp: now - 3600 })}`;
      },
    ],
    [
      'a token issued for another serviceUrl',
      async () => `Bearer ${await issuer.sign({ serviceurl: 'https://attacker.example.test/' })}`,
    ],
  ];

  for (const [name, header] of rejected) {
    it(`answers 401 to ${name}, without calling the bot or Teams`, async () => {
      const res = await post(await header());
      expect(res.status).toBe(401);
      expect(res.json).toEqual({ error: 'unauthorized', message: 'Invalid or missing Bot Framework token.' });
      expect(server.bot.calls).toEqual([]);
      expect(connector.calls).toEqual([]);
    });
  }

  describe('authentication comes before the envelope check', () => {
    const malformed: [string, unknown][] = [
      ['a body without a type', { text: 'no type' }],
      ['an activity without serviceUrl or conversation', { type: 'message', text: 'hi' }],
      ['a non-object body', '[]'],
      ['a JSON string', '"message"'],
      ['null', 'null'],
    ];
    for (const [name, body] of malformed) {
      it(`answers 401 to ${name} without a token, 401 with an invalid one, 400 with a valid one`, async () => {
        const none = await post(undefined, body);
        const invalid = await post(`Bearer ${await issuer.sign({ aud: 'someone-else' })}`, body);
        const valid = await post(`Bearer ${await issuer.sign()}`, body);
        expect([none.status, invalid.status, valid.status]).toEqual([401, 401, 400]);
        expect(none.json).toEqual({ error: 'unauthorized', message: 'Invalid or missing Bot Framework token.' });
        expect(invalid.json).toMatchObject({ error: 'unauthorized' });
        expect(valid.json).toMatchObject({ error: 'bad_request' });
        expect(server.bot.calls).toEqual([]);
        expect(connector.calls).toEqual([]);
      });
    }

    it('answers 401 to a body that is not JSON (or too large) unless the token is valid', async () => {
      const badJson = '{"type": "message", ';
      const tooLarge = { ...fixture('personal-message'), text: 'x'.repeat(300_000) };
      expect((await post(undefined, badJson)).status).toBe(401);
      expect((await post('Bearer not-a-jwt', badJson)).status).toBe(401);
      expect((await post(`Bearer ${await issuer.sign()}`, badJson)).status).toBe(400);
      expect((await post(undefined, tooLarge)).status).toBe(401);
      expect((await post(`Bearer ${await issuer.sign()}`, tooLarge)).status).toBe(413);
      expect(server.bot.calls).toEqual([]);
    });

    it('still checks the token against the serviceUrl of a well-formed activity', async () => {
      const res = await post(`Bearer ${await issuer.sign()}`, {
        ...fixture('personal-message'),
        serviceUrl: 'https://attacker.example.test/',
      });
      expect(res.status).toBe(401);
      expect(server.bot.calls).toEqual([]);
    });
  });

  it('rejects invokes without a valid token too', async () => {
    const res = await post(`Bearer ${await issuer.sign({ aud: 'someone-else' })}`, fixture('invoke-action-execute'));
    expect(res.status).toBe(401);
    expect(server.bot.calls).toEqual([]);
  });
});

describe('without MICROSOFT_APP_ID', () => {
  it('answers 401 to every request unless TEAMS_ALLOW_UNAUTHENTICATED is set', async () => {
    const connector = mockConnector();
    const server = await startTeamsServer({ HOST: '127.0.0.1' });
    try {
      // botbuilder alone would accept any token here (empty app id = auth disabled): our check comes first.
      const forged = await server.post(fixture('personal-message'), { authorization: 'Bearer anything' });
      const none = await server.post(fixture('personal-message'));
      const garbage = await server.post('{not json');
      const invoke = await server.post(fixture('invoke-action-execute'));
      for (const res of [forged, none, garbage, invoke]) {
        expect(res.status).toBe(401);
        expect(res.json).toMatchObject({ error: 'unauthorized' });
      }
      expect(server.bot.calls).toEqual([]);
      expect(connector.calls).toEqual([]);
      expect(server.logger.lines.some((l) => l.level === 'warn' && /401/.test(l.msg ?? ''))).toBe(true);
    } finally {
      await server.stop();
    }
  });

  it('serves the Bot Framework Emulator on loopback with TEAMS_ALLOW_UNAUTHENTICATED (Action.Submit cards)', async () => {
    const connector = mockConnector();
    const server = await startTeamsServer(emulatorEnv);
    try {
      const res = await server.post(
        fixture('personal-message', { channelId: 'emulator', conversation: { id: 'emu-1' }, text: 'infra' }),
      );
      expect(res.status).toBe(200);
      const body = connector.posted()[0]?.body as {
        attachments: { content: { body: { type: string; actions?: { type: string }[] }[] } }[];
      };
      const actions = body.attachments[0]?.content.body.flatMap((el) => el.actions ?? []);
      expect(actions?.every((a) => a.type === 'Action.Submit')).toBe(true);
      expect(connector.posted()[0]?.authorization).toBeUndefined();
    } finally {
      await server.stop();
    }
  });
});

describe('createTeamsChannel refuses unsafe configuration', () => {
  const base = (): Config => loadConfig({ ...emulatorEnv, PORT: '0' });
  const create = (config: Config) =>
    createTeamsChannel({ config, bot: createScriptedBot(), kv: createMemoryKeyValueStore() });

  const expectConfigError = (fn: () => unknown, pattern: RegExp) => {
    let thrown: unknown;
    try {
      fn();
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(ConfigError);
    expect(isCodedError(thrown) && thrown.code).toBe(ErrorCode.ConfigInvalid);
    expect((thrown as Error).message).toMatch(pattern);
  };

  it('throws config_invalid for TEAMS_ALLOW_UNAUTHENTICATED on a non-loopback HOST', () => {
    for (const host of ['0.0.0.0', '10.1.2.3', 'bot.example.test', '::']) {
      expectConfigError(() => create({ ...base(), host }), /TEAMS_ALLOW_UNAUTHENTICATED/);
    }
    for (const host of ['127.0.0.1', 'localhost', '::1']) expect(() => create({ ...base(), host })).not.toThrow();
  });

  it('throws config_invalid for an app id without its secret or tenant', () => {
    const withApp = (teams: Partial<Config['teams']>): Config => ({
      ...base(),
      teams: {
        appId: APP_ID,
        appPassword: 'secret',
        tenantId: 'tenant',
        appType: 'SingleTenant',
        allowUnauthenticated: false,
        connectorTimeoutMs: 15_000,
        ...teams,
      },
    });
    expectConfigError(() => create(withApp({ appPassword: undefined })), /MICROSOFT_APP_PASSWORD/);
    expectConfigError(() => create(withApp({ tenantId: undefined })), /MICROSOFT_APP_TENANT_ID/);
    expect(() => create(withApp({ tenantId: undefined, appType: 'MultiTenant' }))).not.toThrow();
  });
});
