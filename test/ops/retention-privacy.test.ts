// Retention and privacy of the stored records (DATA_DIR/state/events.sqlite), through `serve`:
// - records older than RETENTION_DAYS are purged when the service starts; recent ones stay;
// - a question asked over HTTP is stored with a salted hash of the user id, never the platform id;
// - with STORE_QUESTION_TEXT=false the question text is stored nowhere in DATA_DIR/state.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import nock from 'nock';
import { afterEach, describe, expect, it } from 'vitest';
import { type Service, startService } from '../../src/cli/serve.ts';
import { hashUserId } from '../../src/core/bot.ts';
import { createSqliteEventStore } from '../../src/store/events-sqlite.ts';
import type { BotEvent } from '../../src/store/types.ts';
import { captureLogger, mockConnector, SERVICE_URL, TENANT_ID } from '../adapters/teams/helpers.ts';
import { type TempDirs, tempDirs, testConfig } from '../helpers/app.ts';

const DAY = 86_400_000;
const USER = '29:1user-erin-privacy';

let dirs: TempDirs | undefined;
let service: Service | undefined;
afterEach(async () => {
  await service?.stop();
  service = undefined;
  dirs?.cleanup();
  dirs = undefined;
  nock.cleanAll();
});

const eventsPath = (d: TempDirs) => join(d.dataDir, 'state', 'events.sqlite');

async function storedEvents(d: TempDirs): Promise<BotEvent[]> {
  // A second connection to the same WAL database sees everything the service committed.
  const store = createSqliteEventStore(eventsPath(d));
  try {
    return await store.list();
  } finally {
    await store.close();
  }
}

async function askOverTeams(s: Service, text: string): Promise<void> {
  const res = await fetch(`http://127.0.0.1:${s.port}/api/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      type: 'message',
      id: `privacy-${Date.now()}`,
      serviceUrl: SERVICE_URL,
      channelId: 'msteams',
      from: { id: USER, name: 'Erin Example' },
      conversation: { conversationType: 'personal', tenantId: TENANT_ID, id: 'a:1personal-erin' },
      recipient: { id: '28:00000000-0000-0000-0000-00000000b07a', name: 'MLOps Guide' },
      text,
    }),
  });
  expect(res.status).toBe(200);
}

const question = (at: number, text: string): BotEvent => ({
  type: 'question',
  at,
  platform: 'slack',
  userHash: 'a'.repeat(32),
  text,
  answerId: `ans-${at}`,
  abstained: false,
  confidence: 0.9,
});

describe('retention', () => {
  it('purges records older than RETENTION_DAYS at start and keeps recent ones', async () => {
    dirs = tempDirs();
    const now = Date.now();
    const seed = createSqliteEventStore(eventsPath(dirs));
    await seed.record(question(now - 400 * DAY, 'very old'));
    await seed.record(question(now - 31 * DAY, 'just past retention'));
    await seed.record({
      type: 'feedback',
      at: now - 45 * DAY,
      platform: 'teams',
      userHash: 'b'.repeat(32),
      answerId: 'x',
      rating: 'up',
    });
    await seed.record(question(now - 29 * DAY, 'inside retention'));
    await seed.record(question(now - 60_000, 'a minute ago'));
    await seed.close();

    service = await startService(testConfig(dirs, { RETENTION_DAYS: '30' }), { logger: captureLogger() });

    const left = await storedEvents(dirs);
    expect(left.map((e) => (e.type === 'question' ? e.text : e.type))).toEqual(['inside retention', 'a minute ago']);
  });
});

describe('privacy of stored questions', () => {
  it('stores a hashed user id, not the platform id', async () => {
    dirs = tempDirs();
    mockConnector();
    service = await startService(testConfig(dirs, { TEAMS_ALLOW_UNAUTHENTICATED: 'true', USER_HASH_SALT: 'pepper' }), {
      logger: captureLogger(),
    });
    await askOverTeams(service, 'How do we version training data?');

    const questions = (await storedEvents(dirs)).filter((e) => e.type === 'question');
    expect(questions).toHaveLength(1);
    const [q] = questions;
    expect(q?.userHash).toBe(hashUserId('pepper', 'teams', USER));
    expect(q?.userHash).toMatch(/^[0-9a-f]{32}$/);
    expect(JSON.stringify(questions)).not.toContain('erin');
    expect(q).toMatchObject({ platform: 'teams', text: 'How do we version training data?' });
  });

  it('stores no question text anywhere with STORE_QUESTION_TEXT=false', async () => {
    dirs = tempDirs();
    mockConnector();
    service = await startService(
      testConfig(dirs, { TEAMS_ALLOW_UNAUTHENTICATED: 'true', STORE_QUESTION_TEXT: 'false' }),
      {
        logger: captureLogger(),
      },
    );
    const text = 'How do we version the zanzibar training data?';
    await askOverTeams(service, text);

    const questions = (await storedEvents(dirs)).filter((e) => e.type === 'question');
    expect(questions).toHaveLength(1);
    expect(questions[0]).not.toHaveProperty('text');
    expect(JSON.stringify(questions)).not.toContain('zanzibar');
    // Nor in the state store (walkthroughs, answer memory for feedback), including the SQLite WAL files.
    const stateDir = join(dirs.dataDir, 'state');
    for (const file of readdirSync(stateDir)) {
      expect(readFileSync(join(stateDir, file)).includes('zanzibar'), file).toBe(false);
    }
  });
});
