// Test doubles for the Teams adapter: a scripted Bot, a Bot Connector mocked with nock, fixtures, a server.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import nock from 'nock';
import { createTeamsChannel, type TeamsChannelDeps } from '../../../adapters/teams/index.ts';
import { type App, createApp } from '../../../src/app.ts';
import type { Logger } from '../../../src/base/index.ts';
import { type Config, loadConfig } from '../../../src/config.ts';
import type { Inbound } from '../../../src/core/inbound.ts';
import { block, CoreAction, type Reply } from '../../../src/core/reply.ts';
import type { Bot } from '../../../src/core/types.ts';
import { createHttpServer, type HttpServer } from '../../../src/server.ts';
import { createMemoryKeyValueStore } from '../../../src/store/kv-memory.ts';
import { answerReply } from '../../fixtures/replies.ts';
import { tempDirs, testConfig } from '../../helpers/app.ts';

/**
 * The Bot Connector the tests reply to (mocked with nock). On loopback, like the Bot Framework Emulator's: most tests
 * run in emulator mode, which posts only to loopback serviceUrls. The recorded fixtures name Teams' own connector
 * (`RECORDED_SERVICE_URL`); fixture() points them here.
 */
export const SERVICE_HOST = 'http://127.0.0.1:53978';
export const SERVICE_URL = `${SERVICE_HOST}/teams/`;
export const RECORDED_SERVICE_URL = 'https://smba.example.test/teams/';
export const APP_ID = '00000000-0000-0000-0000-00000000b07a';
export const TENANT_ID = '72f988bf-0000-0000-0000-000000000000';

const FIXTURES = join(import.meta.dirname, '../../fixtures/teams');

/** A recorded Teams activity (test/fixtures/teams/<name>.json), deep-copied, with optional overrides. */
export function fixture(name: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const raw = JSON.parse(readFileSync(join(FIXTURES, `${name}.json`), 'utf8')) as Record<string, unknown>;
  if (raw.serviceUrl === RECORDED_SERVICE_URL) raw.serviceUrl = SERVICE_URL;
  return { ...raw, ...overrides };
}

// ---------------------------------------------------------------------------------------------------------------
// A scripted bot: the replies the real core gives, in miniature.

export const LONG_PARAGRAPH = 'Monitoring a model in production means watching its inputs and outputs over time. ';

export { answerReply };

const step = (n: number, replaceOriginal: boolean): Reply => ({
  kind: 'walkthrough',
  replaceOriginal,
  fallbackText: `Choose ML infrastructure — step ${n} of 3`,
  blocks: [
    block.heading(`Choose ML infrastructure — step ${n} of 3`),
    block.choices(
      [
        { actionId: 'flow:infra', value: `q${n}:a`, label: `Option A${n}` },
        { actionId: 'flow:infra', value: `q${n}:b`, label: `Option B${n}` },
      ],
      n === 1 ? 'How will the model be used?' : 'And then?',
    ),
  ],
});

const recommendation: Reply = {
  kind: 'walkthrough',
  replaceOriginal: true,
  fallbackText: 'Recommendation: run it on the shared Kubernetes cluster.',
  blocks: [
    block.heading('Recommendation'),
    block.markdown('Run it on the **shared Kubernetes cluster**.'),
    block.copyable('Decision record', 'Decision: shared cluster\nReason: batch scoring'),
  ],
};

export interface ScriptedBot extends Bot {
  calls: Inbound[];
}

export function createScriptedBot(): ScriptedBot {
  const calls: Inbound[] = [];
  return {
    calls,
    async handle(inbound) {
      calls.push(inbound);
      if (inbound.kind === 'message' && inbound.text === 'infra') return step(1, false);
      if (inbound.kind === 'command') {
        if (inbound.command === 'infra') return step(1, false);
        const text = 'MLOps Guide — commands: help, ask, infra';
        return { kind: 'command', fallbackText: text, blocks: [block.heading('MLOps Guide'), block.markdown(text)] };
      }
      if (inbound.kind === 'action') {
        if (inbound.actionId === CoreAction.Feedback) {
          const text = 'Thanks for the feedback — glad it helped.';
          return { kind: 'notice', fallbackText: text, blocks: [block.notice('info', text)] };
        }
        if (inbound.actionId === 'flow:infra') {
          const n = Number(/^q(\d)/.exec(inbound.value)?.[1] ?? 0);
          return n >= 2 ? recommendation : step(n + 1, true);
        }
        return { kind: 'notice', fallbackText: 'unknown', blocks: [block.notice('info', 'unknown')] };
      }
      if (inbound.text === 'long') {
        const text = LONG_PARAGRAPH.repeat(1500); // ~125 KB: more than four Teams messages
        return {
          kind: 'answer',
          answerId: 'ans-long',
          fallbackText: 'A long answer',
          blocks: [block.markdown(text), block.feedback('ans-long')],
        };
      }
      if (inbound.text.startsWith('echo ')) {
        const echoed = inbound.text.slice(5);
        return {
          kind: 'abstain',
          fallbackText: `No answer for ${echoed}`,
          blocks: [block.markdown('I found nothing for:'), block.plain(echoed)],
        };
      }
      return answerReply();
    },
  };
}

// ---------------------------------------------------------------------------------------------------------------
// The Bot Connector (the activity's serviceUrl), mocked with nock.

export interface ConnectorCall {
  method: 'POST' | 'PUT';
  conversationId: string;
  activityId: string | undefined;
  body: Record<string, unknown>;
  authorization: string | undefined;
  /** The status the fake connector refused this call with (only refused calls have one). */
  rejected?: number;
}

export interface FakeConnector {
  calls: ConnectorCall[];
  /** Messages the bot posted (typing indicators left out). */
  posted(): ConnectorCall[];
  updated(): ConnectorCall[];
  /** Makes every PUT (card update) fail with this status. */
  failUpdates(status: number): void;
  /** Makes the next `count` message POSTs (typing indicators aside) fail with this status and headers. */
  failNextMessages(count: number, status: number, headers?: Record<string, string>): void;
}

const CONNECTOR_PATH = /^\/teams\/v3\/conversations\/([^/]+)\/activities(?:\/([^/?]+))?$/;

export function mockConnector(): FakeConnector {
  const calls: ConnectorCall[] = [];
  let updateStatus = 200;
  let n = 0;
  let failures: { count: number; status: number; headers: Record<string, string> } = {
    count: 0,
    status: 200,
    headers: {},
  };
  // nock 15 passes the request as one WHATWG Request (a 2-argument callback would be treated as error-first and hang).
  const record = async (method: 'POST' | 'PUT', req: Request) => {
    const path = new URL(req.url).pathname;
    const m = CONNECTOR_PATH.exec(path);
    const text = await req.text();
    calls.push({
      method,
      conversationId: decodeURIComponent(m?.[1] ?? ''),
      activityId: m?.[2] ? decodeURIComponent(m[2]) : undefined,
      body: (text ? JSON.parse(text) : {}) as Record<string, unknown>,
      authorization: req.headers.get('authorization') ?? undefined,
    });
    return m?.[2] ? decodeURIComponent(m[2]) : undefined;
  };
  nock(SERVICE_HOST)
    .persist()
    .post(CONNECTOR_PATH)
    .reply(async (req: Request) => {
      await record('POST', req);
      const last = calls[calls.length - 1];
      if (last?.body.type === 'message' && failures.count > 0) {
        failures.count -= 1;
        last.rejected = failures.status;
        return [failures.status, { error: { code: 'Throttled', message: 'slow down' } }, failures.headers];
      }
      n += 1;
      return [200, { id: `bot-msg-${n}` }];
    })
    .put(CONNECTOR_PATH)
    .reply(async (req: Request) => {
      const id = await record('PUT', req);
      if (updateStatus !== 200) return [updateStatus, { error: { code: 'NotFound', message: 'gone' } }];
      return [200, { id }];
    });
  return {
    calls,
    posted: () => calls.filter((c) => c.method === 'POST' && c.body.type === 'message' && !c.rejected),
    updated: () => calls.filter((c) => c.method === 'PUT'),
    failUpdates(status) {
      updateStatus = status;
    },
    failNextMessages(count, status, headers = {}) {
      failures = { count, status, headers };
    },
  };
}

/** The Adaptive Card inside a connector call (or an invoke response body). */
export function cardOf(body: Record<string, unknown>): Record<string, unknown> {
  const attachments = body.attachments as { contentType: string; content: Record<string, unknown> }[];
  const first = attachments?.[0];
  if (first?.contentType !== 'application/vnd.microsoft.card.adaptive') throw new Error('no adaptive card');
  return first.content;
}

// ---------------------------------------------------------------------------------------------------------------
// The real HTTP server with the Teams channel on port 0.

export interface LogLine {
  level: 'debug' | 'info' | 'warn' | 'error';
  obj: object;
  msg: string | undefined;
}

export function captureLogger(): Logger & { lines: LogLine[] } {
  const lines: LogLine[] = [];
  const at = (level: LogLine['level']) => (obj: object, msg?: string) => {
    lines.push({ level, obj, msg });
  };
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

export interface TestServer {
  url: string;
  server: HttpServer;
  bot: ScriptedBot;
  logger: ReturnType<typeof captureLogger>;
  post(body: unknown, headers?: Record<string, string>): Promise<{ status: number; json: unknown; text: string }>;
  stop(): Promise<void>;
}

export const emulatorEnv = { HOST: '127.0.0.1', TEAMS_ALLOW_UNAUTHENTICATED: 'true' };

export async function startTeamsServer(
  env: Record<string, string> = emulatorEnv,
  extra: Partial<Omit<TeamsChannelDeps, 'config'>> = {},
): Promise<TestServer> {
  const config: Config = loadConfig({ PORT: '0', ...env });
  const bot = createScriptedBot();
  const logger = captureLogger();
  const channel = createTeamsChannel({ config, bot, kv: createMemoryKeyValueStore(), logger, ...extra });
  const server = createHttpServer({ host: '127.0.0.1', port: 0, channels: [channel], logger });
  const { port } = await server.start();
  const url = `http://127.0.0.1:${port}/api/messages`;
  return {
    url,
    server,
    bot: (extra.bot as ScriptedBot | undefined) ?? bot,
    logger,
    async post(body, headers = {}) {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: typeof body === 'string' ? body : JSON.stringify(body),
      });
      const text = await res.text();
      let json: unknown;
      try {
        json = text ? JSON.parse(text) : undefined;
      } catch {
        json = undefined;
      }
      return { status: res.status, json, text };
    },
    stop: async () => {
      await server.stop();
    },
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Bot Framework tokens: the OpenID metadata and JWKS botbuilder fetches, served by nock; tokens signed with jose.

export const BOT_OPENID_HOST = 'https://login.botframework.com';
export const BOT_OPENID_PATH = '/v1/.well-known/openidconfiguration';
export const BOT_JWKS_PATH = '/v1/.well-known/keys';
export const CHANNEL_ISSUER = 'https://api.botframework.com';
export const KEY_ID = 'test-signing-key';

export interface TokenKit {
  sign(claims?: Record<string, unknown>, options?: { key?: 'trusted' | 'untrusted'; kid?: string }): Promise<string>;
}

// One key pair per test process: botbuilder caches the JWKS process-wide for 24 hours (OpenIdMetadata), so a new
// key per test would not be seen.
type KeyPair = Awaited<ReturnType<typeof import('jose').generateKeyPair>>;
let testKeys: Promise<{ trusted: KeyPair; untrusted: KeyPair }> | undefined;
const keys = () => {
  testKeys ??= import('jose').then(async ({ generateKeyPair }) => ({
    trusted: await generateKeyPair('RS256', { extractable: true }),
    untrusted: await generateKeyPair('RS256', { extractable: true }),
  }));
  return testKeys;
};

/** Serves the Bot Framework OpenID metadata + JWKS (with a test RSA key) and signs channel tokens. */
export async function mockBotFrameworkIssuer(options: { serve?: boolean } = {}): Promise<TokenKit> {
  const { exportJWK, SignJWT } = await import('jose');
  const { trusted, untrusted } = await keys();
  const jwk = await exportJWK(trusted.publicKey);
  if (options.serve !== false) serveBotFrameworkMetadata(jwk);
  return {
    async sign(claims = {}, options = {}) {
      const now = Math.floor(Date.now() / 1000);
      const payload = {
        iss: CHANNEL_ISSUER,
        aud: APP_ID,
        serviceurl: SERVICE_URL,
        nbf: now - 60,
        exp: now + 3600,
        ...claims,
      };
      const key = options.key === 'untrusted' ? untrusted.privateKey : trusted.privateKey;
      return new SignJWT(payload)
        .setProtectedHeader({ alg: 'RS256', kid: options.kid ?? KEY_ID, typ: 'JWT' })
        .sign(key);
    },
  };
}

function serveBotFrameworkMetadata(jwk: Record<string, unknown>): void {
  nock(BOT_OPENID_HOST)
    .persist()
    .get(BOT_OPENID_PATH)
    .reply(200, {
      issuer: CHANNEL_ISSUER,
      authorization_endpoint: 'https://invalid.botframework.com',
      jwks_uri: `${BOT_OPENID_HOST}${BOT_JWKS_PATH}`,
      id_token_signing_alg_values_supported: ['RS256'],
      token_endpoint_auth_methods_supported: ['private_key_jwt'],
    })
    .get(BOT_JWKS_PATH)
    .reply(200, { keys: [{ ...jwk, kid: KEY_ID, use: 'sig', alg: 'RS256', endorsements: ['msteams', 'emulator'] }] });
}

export const appEnv = {
  HOST: '127.0.0.1',
  MICROSOFT_APP_ID: APP_ID,
  MICROSOFT_APP_PASSWORD: 'test-client-secret',
  MICROSOFT_APP_TENANT_ID: TENANT_ID,
  MICROSOFT_APP_TYPE: 'SingleTenant',
};

export const OUTBOUND_TOKEN = 'outbound-test-access-token';

/**
 * Entra ID's token endpoint, which botbuilder (MSAL, client-credentials grant) calls before its first reply.
 * MSAL goes straight to /<tenant>/oauth2/v2.0/token here: no instance discovery for login.microsoftonline.com.
 */
export function mockAadToken(): { requests: URLSearchParams[] } {
  const requests: URLSearchParams[] = [];
  nock('https://login.microsoftonline.com')
    .persist()
    .post(`/${TENANT_ID}/oauth2/v2.0/token`)
    .query(true)
    .reply(async (req: Request) => {
      requests.push(new URLSearchParams(await req.text()));
      return [200, { token_type: 'Bearer', expires_in: 3599, ext_expires_in: 3599, access_token: OUTBOUND_TOKEN }];
    });
  return { requests };
}

/** A Teams personal-chat message activity as the Bot Framework delivers it (Emulator mode: no token needed). */
export function personalMessage(message: {
  id: string;
  from: string;
  text: string;
  name?: string;
  conversationId?: string;
}): Record<string, unknown> {
  return {
    type: 'message',
    id: message.id,
    serviceUrl: SERVICE_URL,
    channelId: 'msteams',
    from: { id: message.from, name: message.name ?? 'Someone' },
    conversation: {
      conversationType: 'personal',
      tenantId: TENANT_ID,
      id: message.conversationId ?? `a:1personal-${message.from}`,
    },
    recipient: { id: `28:${APP_ID}`, name: 'MLOps Guide' },
    text: message.text,
  };
}

/**
 * Posts `text` as a Teams personal-chat message from `from` to a server at `base` (Emulator mode, no token) and
 * returns the JSON of the card the bot posted in reply (through the mocked connector).
 */
export async function sendTeamsText(
  base: string,
  connector: FakeConnector,
  message: { id: string; from: string; text: string; name?: string },
): Promise<string> {
  const before = connector.posted().length;
  const res = await fetch(`${base}/api/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(personalMessage(message)),
  });
  if (res.status !== 200) throw new Error(`POST /api/messages answered ${res.status}`);
  const posted = connector.posted().slice(before);
  if (posted.length !== 1) throw new Error(`expected one reply, the connector got ${posted.length}`);
  return JSON.stringify(cardOf(posted[0]?.body ?? {}));
}

/** The Teams channel over the real app (the repo's knowledge, memory stores) on a loopback server, unauthenticated. */
export interface TeamsAppServer {
  app: App;
  /** POST Activities here. */
  url: string;
  close(): Promise<void>;
}

export async function startTeamsApp(): Promise<TeamsAppServer> {
  const dirs = tempDirs();
  const config = testConfig(dirs, { TEAMS_ALLOW_UNAUTHENTICATED: 'true' });
  const app = await createApp(config, { storage: 'memory' });
  const server = createHttpServer({
    host: '127.0.0.1',
    port: 0,
    channels: [createTeamsChannel({ config, bot: app.bot, kv: app.kv })],
  });
  const { port } = await server.start();
  return {
    app,
    url: `http://127.0.0.1:${port}/api/messages`,
    async close() {
      await server.stop();
      await app.close();
      dirs.cleanup();
    },
  };
}
