// Admin commands through the real HTTP surface of `serve`, on both platforms: a non-maintainer gets a polite
// refusal (Slack: the ephemeral slash-command response; Teams: the reply card) and nothing is reloaded; a
// maintainer listed in MAINTAINERS (slack:U…, teams:29:…) gets the reload result.
import nock from 'nock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Service, startService } from '../../src/cli/serve.ts';
import {
  API,
  HOOKS,
  memoryLogger,
  mockResponseUrl,
  type Recorder,
  recorder,
  signature,
  until,
} from '../adapters/slack/harness.ts';
import { type FakeConnector, mockConnector, sendTeamsText } from '../adapters/teams/helpers.ts';
import { type TempDirs, tempDirs, testConfig } from '../helpers/app.ts';

const SECRET = 'admin-access-signing-secret';
const SLACK_ADMIN = 'U0ADMIN';
const TEAMS_ADMIN = '29:1user-admin';
const REFUSAL = /admin commands are for the maintainers/;
const RELOADED = /Knowledge reloaded: \d+ entries/;

let dirs: TempDirs;
let service: Service;
let connector: FakeConnector;
let hooks: Recorder;
let base: string;

beforeAll(async () => {
  dirs = tempDirs();
  nock(API).persist().post('/api/auth.test').reply(200, { ok: true, user_id: 'U0BOT', bot_id: 'B0BOT' });
  connector = mockConnector();
  hooks = recorder();
  service = await startService(
    testConfig(dirs, {
      TEAMS_ALLOW_UNAUTHENTICATED: 'true',
      SLACK_BOT_TOKEN: 'xoxb-admin-access',
      SLACK_SIGNING_SECRET: SECRET,
      SLACK_API_URL: `${API}/api/`,
      MAINTAINERS: `slack:${SLACK_ADMIN},teams:${TEAMS_ADMIN}`,
    }),
    { logger: memoryLogger() },
  );
  base = `http://127.0.0.1:${service.port}`;
});

afterAll(async () => {
  await service?.stop();
  dirs?.cleanup();
  nock.cleanAll();
});

const reloads = () => service.app.runtime.reloads.ok + service.app.runtime.reloads.failed;

let seq = 0;
/** `/mlops <text>` from `user`; resolves with the ephemeral message Slack's response_url received. */
async function slashCommand(user: string, text: string): Promise<{ text: string; response_type: string }> {
  seq += 1;
  const path = `/commands/T0001/${seq}/admin${seq}`;
  mockResponseUrl(hooks, path);
  const form = new URLSearchParams({
    token: 'XXYYZZ',
    team_id: 'T0001',
    team_domain: 'acme',
    channel_id: 'C0CHAN1',
    channel_name: 'ml-platform',
    user_id: user,
    user_name: 'someone',
    command: '/mlops',
    text,
    api_app_id: 'A0001',
    response_url: `${HOOKS}${path}`,
    trigger_id: `${seq}.2222.abcdef`,
  }).toString();
  const res = await fetch(`${base}/slack/events`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      ...signature(form, Math.floor(Date.now() / 1000), SECRET),
    },
    body: form,
  });
  expect(res.status).toBe(200);
  const method = `response_url ${path}`;
  // A reload rebuilds the index in a worker: seconds, more on a busy machine. The wait is for the event; the limit
  // is only a hang safety net.
  await until(() => hooks.calls.some((c) => c.method === method), `the response to /mlops ${text}`, 90_000);
  return hooks.calls.find((c) => c.method === method)?.args as { text: string; response_type: string };
}

/** `text` typed to the bot in a Teams personal chat by `user`; resolves with the reply card's JSON. */
async function teamsMessage(user: string, text: string): Promise<string> {
  seq += 1;
  return sendTeamsText(base, connector, { id: `admin-${seq}`, from: user, text });
}

describe('admin commands over HTTP', () => {
  it('Slack: refuses /mlops admin reload to a non-maintainer in the ephemeral response', async () => {
    const reply = await slashCommand('U0USER1', 'admin reload');
    expect(reply.response_type).toBe('ephemeral');
    expect(reply.text).toMatch(REFUSAL);
    expect(reloads()).toBe(0);
  });

  it('Teams: refuses admin reload to a non-maintainer', async () => {
    const card = await teamsMessage('29:1user-frank', 'admin reload');
    expect(card).toMatch(REFUSAL);
    expect(card).not.toMatch(RELOADED);
    expect(reloads()).toBe(0);
  });

  it('Slack: a maintainer gets the reload result', { timeout: 120_000 }, async () => {
    const reply = await slashCommand(SLACK_ADMIN, 'admin reload');
    expect(reply.response_type).toBe('ephemeral');
    expect(reply.text).toMatch(RELOADED);
    expect(service.app.runtime.reloads.ok).toBe(1);
  });

  it('Teams: a maintainer gets the reload result', { timeout: 120_000 }, async () => {
    const card = await teamsMessage(TEAMS_ADMIN, 'admin reload');
    expect(card).toMatch(RELOADED);
    expect(service.app.runtime.reloads.ok).toBe(2);
  });
});
