// No raw platform id in any store key: after a walkthrough (started from the App Home, so the bot also caches the
// user's DM channel), a thread the bot answered, a rate-limited question and a Teams message, every key the real
// bot and adapters wrote — in the memory store and in the SQLite file — holds hashes, never a Slack or Teams user,
// channel or conversation id — in memory, in SQLite and in Redis (REDIS_TEST_URL; skipped without it).
// (Conversation-context keys, `ctx:…`, were hashed already.)
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Redis } from 'ioredis';
import nock from 'nock';
import { afterEach, describe, expect, it } from 'vitest';
import { createTeamsChannel } from '../../adapters/teams/index.ts';
import { type App, createApp } from '../../src/app.ts';
import { createHttpServer } from '../../src/server.ts';
import { createMemoryKeyValueStore } from '../../src/store/kv-memory.ts';
import { createRedisKeyValueStore } from '../../src/store/kv-redis.ts';
import { createSqliteKeyValueStore } from '../../src/store/kv-sqlite.ts';
import type { KeyValueStore } from '../../src/store/types.ts';
import {
  API,
  fixture,
  type Harness,
  HOOKS,
  homeClick,
  memoryLogger,
  readBody,
  startHarness,
  until,
} from '../adapters/slack/harness.ts';
import { mockConnector, personalMessage } from '../adapters/teams/helpers.ts';
import { type TempDirs, tempDirs, testConfig } from '../helpers/app.ts';

type Json = Record<string, unknown>;

const RAW_IDS = ['U0USER1', 'C0CHAN1', 'D0DM1', 'D0HOMEDM', '29:1user-frank', 'a:1personal-frank'];

/** Wraps a store so every key written is recorded (the memory store has no way to list its keys). */
function recordingKeys(kv: KeyValueStore): { kv: KeyValueStore; keys: Set<string> } {
  const keys = new Set<string>();
  const wrapped: KeyValueStore = {
    get: (key) => kv.get(key),
    set: (key, value, ttlMs) => {
      keys.add(key);
      return kv.set(key, value, ttlMs);
    },
    delete: (key) => kv.delete(key),
    setIfAbsent: (key, value, ttlMs) => {
      keys.add(key);
      return kv.setIfAbsent(key, value, ttlMs);
    },
    increment: (key, ttlMs) => {
      keys.add(key);
      return kv.increment(key, ttlMs);
    },
    ping: () => kv.ping(),
    close: () => kv.close(),
  };
  return { kv: wrapped, keys };
}

let dirs: TempDirs | undefined;
let app: App | undefined;
let h: Harness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
  await app?.close();
  app = undefined;
  dirs?.cleanup();
  dirs = undefined;
  nock.cleanAll();
});

/** Runs the scenario through the real bot and both adapters; returns every key written. */
const redisUrl = process.env.REDIS_TEST_URL;
const redisPrefix = `test:key-privacy:${process.pid}:${Date.now()}:`;

async function scenario(storage: 'memory' | 'sqlite' | 'redis'): Promise<Set<string>> {
  dirs = tempDirs();
  const config = testConfig(dirs, { USER_HASH_SALT: 'key-privacy-salt', RATE_LIMIT_PER_MINUTE: '3' });
  const store =
    storage === 'sqlite'
      ? createSqliteKeyValueStore(join(dirs.dataDir, 'state', 'state.sqlite'))
      : storage === 'redis'
        ? createRedisKeyValueStore(redisUrl as string, { prefix: redisPrefix })
        : createMemoryKeyValueStore();
  const recorded = recordingKeys(store);
  app = await createApp(config, { storage: storage === 'sqlite' ? 'configured' : 'memory', kv: recorded.kv });
  const slackHash = (id: string) => (app as App).hashId('slack', id);

  const posted: Json[] = [];
  nock(API)
    .persist()
    .post('/api/chat.postMessage')
    .reply(async (req: Request) => {
      posted.push(await readBody(req));
      return [200, { ok: true, ts: `1715000500.${String(posted.length).padStart(6, '0')}` }];
    });
  nock(API)
    .persist()
    .post('/api/conversations.open')
    .reply(200, { ok: true, channel: { id: 'D0HOMEDM' } });
  nock(HOOKS).persist().post(/.*/).reply(200, 'ok');
  h = await startHarness(app.bot, {}, { kv: recorded.kv, hashId: slackHash });

  // 1. A walkthrough started from the App Home: answered in the user's DM (its channel id is cached).
  await h.interaction(homeClick('infra'));
  await until(() => posted.length === 1, 'the walkthrough in the DM');
  // 2. A mention in a channel: answered in a thread the bot remembers.
  await h.event(fixture('app_mention.json'));
  await until(() => posted.length === 2, 'the thread answer');
  // 3. Questions until the rate limit refuses one.
  const dm = fixture<Json>('message_im.json');
  for (let i = 0; i < 2; i++) {
    await h.event({ ...dm, event_id: `Ev0RATE${i}`, event: { ...(dm.event as Json), ts: `1715000600.00000${i}` } });
  }
  await until(() => posted.length === 4, 'the answer and the refusal');
  // The two questions are answered concurrently: either may be the one refused.
  expect(posted.filter((p) => /faster than I can think/.test(JSON.stringify(p)))).toHaveLength(1);

  // 4. A Teams message (its redelivery de-duplication key).
  const connector = mockConnector();
  const teamsConfig = testConfig(dirs, { TEAMS_ALLOW_UNAUTHENTICATED: 'true' });
  const teams = createHttpServer({
    host: '127.0.0.1',
    port: 0,
    channels: [
      createTeamsChannel({
        config: teamsConfig,
        bot: app.bot,
        kv: recorded.kv,
        logger: memoryLogger(),
        hashId: (id) => (app as App).hashId('teams', id),
      }),
    ],
  });
  const { port } = await teams.start();
  try {
    const res = await fetch(`http://127.0.0.1:${port}/api/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(
        personalMessage({
          id: 'privacy-teams-1',
          from: '29:1user-frank',
          name: 'Frank',
          conversationId: 'a:1personal-frank',
          text: 'How do we version training data?',
        }),
      ),
    });
    expect(res.status).toBe(200);
    expect(connector.posted()).toHaveLength(1);
  } finally {
    await teams.stop();
  }
  return recorded.keys;
}

function expectNoRawIds(keys: Iterable<string>): void {
  for (const key of keys) for (const raw of RAW_IDS) expect(key, `key ${key}`).not.toContain(raw);
}

function expectEveryKind(keys: string[]): void {
  for (const prefix of ['rate:', 'flow:', 'ctx:', 'slack:dm:', 'slack:thread:', 'teams:activity:']) {
    expect(
      keys.some((k) => k.startsWith(prefix)),
      `a ${prefix} key`,
    ).toBe(true);
  }
}

describe('store keys hold no raw platform ids', () => {
  it('memory store: every key written is hashed', async () => {
    const keys = [...(await scenario('memory'))];
    expectEveryKind(keys);
    expectNoRawIds(keys);
  });

  it('SQLite store: no key in the state file holds a raw id', async () => {
    const written = await scenario('sqlite');
    expectNoRawIds(written);
    const db = new Database(join((dirs as TempDirs).dataDir, 'state', 'state.sqlite'), { readonly: true });
    try {
      const keys = (db.prepare('SELECT key FROM kv').all() as { key: string }[]).map((r) => r.key);
      expectEveryKind(keys);
      expectNoRawIds(keys);
    } finally {
      db.close();
    }
  });

  it.skipIf(!redisUrl)('Redis store: no key under the prefix holds a raw id', async () => {
    const written = await scenario('redis');
    expectNoRawIds(written);
    const client = new Redis(redisUrl as string);
    try {
      const keys: string[] = [];
      let cursor = '0';
      do {
        const [next, batch] = await client.scan(cursor, 'MATCH', `${redisPrefix}*`, 'COUNT', '500');
        cursor = next;
        keys.push(...batch);
      } while (cursor !== '0');
      const own = keys.map((k) => k.slice(redisPrefix.length));
      expectEveryKind(own);
      expectNoRawIds(own);
      if (keys.length) await client.del(...keys);
    } finally {
      client.disconnect();
    }
  });
});
