// createStores: the one place that picks the stores from the config (SQLite in DATA_DIR by default, Redis with
// REDIS_URL, memory on request). The Redis case runs when REDIS_TEST_URL is set (.ci/run starts a redis-server).
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { createEventStore, createStores, type Stores, sqlitePaths } from '../../src/store/create.ts';
import { createMemoryKeyValueStore } from '../../src/store/kv-memory.ts';

let dir: string;
const opened: Stores[] = [];
const open = async (...args: Parameters<typeof createStores>) => {
  const stores = await createStores(...args);
  opened.push(stores);
  return stores;
};
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'mlg-stores-'));
});
afterEach(async () => {
  await Promise.allSettled(opened.splice(0).flatMap((s) => [s.kv.close(), s.events.close()]));
  rmSync(dir, { recursive: true, force: true });
});

const question = (at: number) =>
  ({
    type: 'question',
    at,
    platform: 'slack',
    userHash: 'u1',
    answerId: 'a1',
    abstained: false,
    confidence: 0.9,
  }) as const;

describe('createStores', () => {
  it('without REDIS_URL: SQLite files in DATA_DIR/state/, so state and records survive a restart', async () => {
    const config = loadConfig({ DATA_DIR: dir });
    const first = await open(config);
    await first.kv.set('k', { v: 1 });
    await first.events.record(question(Date.now()));
    expect(existsSync(sqlitePaths(config).kv)).toBe(true);
    expect(existsSync(sqlitePaths(config).events)).toBe(true);
    await first.kv.close();
    await first.events.close();

    const again = await open(config);
    expect(await again.kv.get('k')).toEqual({ v: 1 });
    expect(await again.events.list()).toHaveLength(1);
    // `kb gaps` reads the same records the server wrote.
    const events = await createEventStore(config);
    expect(await events.list()).toHaveLength(1);
    await events.close();
  });

  it('storage "memory" writes nothing to DATA_DIR', async () => {
    const config = loadConfig({ DATA_DIR: dir });
    const { kv } = await open(config, { storage: 'memory' });
    await kv.set('k', 1);
    expect(await kv.get('k')).toBe(1);
    expect(existsSync(join(dir, 'state'))).toBe(false);
  });

  it('keeps the stores it is given and makes only the missing one', async () => {
    const kv = createMemoryKeyValueStore();
    const stores = await open(loadConfig({ DATA_DIR: dir }), { storage: 'memory', given: { kv } });
    expect(stores.kv).toBe(kv);
    expect(await stores.events.list()).toEqual([]);
  });

  const url = process.env.REDIS_TEST_URL;
  it.skipIf(!url)(
    'with REDIS_URL: Redis under REDIS_PREFIX, shared by every replica with the same prefix',
    async () => {
      const prefix = `test-stores:${process.pid}:${Date.now()}:`;
      const config = loadConfig({ DATA_DIR: dir, REDIS_URL: url as string, REDIS_PREFIX: prefix });
      const a = await open(config);
      const b = await open(config);
      const other = await open(
        loadConfig({ DATA_DIR: dir, REDIS_URL: url as string, REDIS_PREFIX: `${prefix}other:` }),
      );
      await a.kv.set('shared', 'yes');
      expect(await b.kv.get('shared')).toBe('yes');
      expect(await other.kv.get('shared')).toBeUndefined();
      await a.events.record(question(Date.now()));
      expect(await b.events.list()).toHaveLength(1);
      expect(existsSync(join(dir, 'state'))).toBe(false);
    },
  );
});
