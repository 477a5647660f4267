import { readFileSync } from 'node:fs';
import nock from 'nock';
import { afterEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { createSlackChannel, SLACK_EVENTS_PATH } from '../../../adapters/slack/index.ts';
import { loadConfig } from '../../../src/config.ts';
import { createMemoryKeyValueStore } from '../../../src/store/kv-memory.ts';
import { API, createFakeBot, memoryLogger, until } from './harness.ts';

// biome-ignore lint/suspicious/noExplicitAny: Slack payloads in tests are loosely typed JSON
type Json = Record<string, any>;
const manifest = parse(readFileSync(new URL('../../../adapters/slack/manifest.yaml', import.meta.url), 'utf8')) as Json;

afterEach(() => {
  nock.cleanAll();
});

describe('Slack app manifest', () => {
  it('asks for the scopes the adapter uses', () => {
    expect(manifest.oauth_config.scopes.bot).toEqual(
      expect.arrayContaining([
        'app_mentions:read',
        'chat:write',
        'commands',
        'im:history',
        'im:write',
        'mpim:history',
        'channels:history',
        'groups:history',
        'reactions:write',
      ]),
    );
  });

  it('subscribes to the events the adapter handles, all on /slack/events', () => {
    const { settings, features } = manifest;
    expect(settings.event_subscriptions.bot_events.sort()).toEqual(
      ['app_home_opened', 'app_mention', 'message.channels', 'message.groups', 'message.im', 'message.mpim'].sort(),
    );
    const urls = [
      settings.event_subscriptions.request_url,
      settings.interactivity.request_url,
      ...features.slash_commands.map((c: Json) => c.url),
    ];
    for (const url of urls) expect(new URL(url).pathname).toBe(SLACK_EVENTS_PATH);
    expect(settings.interactivity.is_enabled).toBe(true);
    expect(settings.socket_mode_enabled).toBe(false);
  });

  it('has the /mlops command, a bot user and an App Home with the Messages tab', () => {
    expect(manifest.features.slash_commands.map((c: Json) => c.command)).toEqual(['/mlops']);
    expect(manifest.features.bot_user.display_name).toBe('MLOps Guide');
    expect(manifest.features.app_home).toMatchObject({
      home_tab_enabled: true,
      messages_tab_enabled: true,
      messages_tab_read_only_enabled: false,
    });
    // Slack's limits: short description ≤ 139 characters, long description 175–4,000.
    expect(manifest.display_information.description.length).toBeLessThanOrEqual(139);
    expect(manifest.display_information.long_description.length).toBeGreaterThanOrEqual(175);
  });
});

describe('Socket Mode', () => {
  it('opens the connection through SLACK_API_URL with the app token, and reports a bad token without failing start', async () => {
    const config = loadConfig({
      SLACK_BOT_TOKEN: 'xoxb-1',
      SLACK_APP_TOKEN: 'xapp-bad',
      SLACK_API_URL: `${API}/api/`,
    });
    let auth: string | null = null;
    const open = nock(API)
      .post('/api/apps.connections.open')
      .reply(200, async (req: Request) => {
        auth = req.headers.get('authorization');
        return { ok: false, error: 'invalid_auth' };
      });
    const logger = memoryLogger();
    const channel = createSlackChannel({ config, bot: createFakeBot(), kv: createMemoryKeyValueStore(), logger });
    // Connecting happens in the background: start() never waits for (or fails with) Slack.
    await channel.start?.();
    await until(() => channel.status?.().reason !== undefined, 'the failure to be reported');
    expect(channel.status?.()).toEqual({ state: 'connecting', reason: 'apps.connections.open failed: invalid_auth' });
    expect(open.isDone()).toBe(true);
    expect(auth).toBe('Bearer xapp-bad');
    expect(logger.lines.find((l) => l.level === 'error' && /could not connect/.test(l.msg ?? ''))?.obj).toMatchObject({
      cause: 'apps.connections.open failed: invalid_auth',
    });
    await channel.stop?.();
  });
});
