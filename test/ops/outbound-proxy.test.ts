// HTTPS_PROXY / HTTP_PROXY are really used for outbound platform calls (README "Connect to Slack" / "Connect to
// Teams", proxies). nock cannot see a request made through a proxy agent, so a tiny node:http proxy in the test
// records each CONNECT tunnel and proxied request, and answers plain-HTTP ones as the platform would.
import nock from 'nock';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { BOT_USER, createFakeBot, fixture, type Harness, startHarness, until } from '../adapters/slack/harness.ts';
import { personalMessage, SERVICE_HOST, startTeamsServer, type TestServer } from '../adapters/teams/helpers.ts';
import { startTestProxy, type TestProxy } from '../helpers/proxy.ts';

let proxy: TestProxy | undefined;
let slack: Harness | undefined;
let teams: TestServer | undefined;
afterEach(async () => {
  await slack?.stop();
  await teams?.stop();
  await proxy?.stop();
  slack = teams = proxy = undefined;
  vi.unstubAllEnvs();
  nock.cleanAll();
  nock.enableNetConnect(LOOPBACK);
});

/** test/setup.ts allows loopback only; nock sees the request inside a tunnel too, so the tunnelled host is allowed. */
const LOOPBACK = /^(127\.0\.0\.1|localhost|\[::1\])(:\d+)?$/;

/** Slack's Web API behind the proxy: every method answers ok (auth.test with the bot's identity). */
const slackApi = (req: { target: string }) => ({
  status: 200,
  body: req.target.endsWith('/auth.test')
    ? { ok: true, user_id: BOT_USER, bot_id: 'B0BOT', team_id: 'T0001' }
    : { ok: true, channel: 'C0CHAN1', ts: '1715000009.000100' },
});

describe('outbound proxy', () => {
  it('Slack: with HTTPS_PROXY the Web API is reached through a CONNECT tunnel to the proxy', async () => {
    proxy = await startTestProxy(slackApi);
    slack = await startHarness(createFakeBot(), {}, { env: { HTTPS_PROXY: proxy.url } });
    const res = await slack.event(fixture('app_mention.json'));
    expect(res.status).toBe(200);
    // The proxy refuses the tunnel (no certificate for slack.test here): what matters is where the call went.
    await until(() => proxy?.seen.some((r) => r.method === 'CONNECT') === true, 'a CONNECT to the proxy');
    expect(proxy.seen.map((r) => `${r.method} ${r.target}`)).toContain('CONNECT slack.test:443');
  });

  it('Slack: with HTTP_PROXY an answer is delivered through the proxy (chat.postMessage seen there)', async () => {
    proxy = await startTestProxy(slackApi);
    nock.enableNetConnect(/^(127\.0\.0\.1|slack\.test)(:\d+)?$/);
    slack = await startHarness(
      createFakeBot(),
      {},
      { env: { SLACK_API_URL: 'http://slack.test/api/', HTTP_PROXY: proxy.url } },
    );
    await slack.event(fixture('app_mention.json'));
    await until(
      () => proxy?.seen.some((r) => r.target === 'http://slack.test/api/chat.postMessage') === true,
      'chat.postMessage through the proxy',
    );
    const post = proxy.seen.find((r) => r.target === 'http://slack.test/api/chat.postMessage');
    expect(decodeURIComponent(post?.body ?? '')).toContain('Version training data with');
  });

  it('Teams: with HTTP_PROXY in the environment the reply goes to the Bot Connector through the proxy', async () => {
    proxy = await startTestProxy(() => ({ status: 200, body: { id: 'bot-msg-1' } }));
    // botbuilder reads the proxy from the process environment itself (Azure core's proxy policy).
    vi.stubEnv('HTTP_PROXY', proxy.url);
    vi.stubEnv('NO_PROXY', '');
    teams = await startTeamsServer();
    const res = await teams.post(personalMessage({ id: 'proxied-1', from: '29:1user-alice', text: 'hello' }));
    expect(res.status).toBe(200);
    const reply = proxy.seen.find((r) => r.method === 'POST' && r.body.includes('"message"'));
    expect(reply?.target).toMatch(
      `${SERVICE_HOST}/teams/v3/conversations/${encodeURIComponent('a:1personal-29:1user-alice')}/activities/proxied-1`,
    );
    expect(reply?.body).toContain('application/vnd.microsoft.card.adaptive');
  });
});
