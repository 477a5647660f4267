// Runs against a real redis-server when REDIS_TEST_URL is set (.ci/run starts one); skipped otherwise.
import { afterAll, describe, expect, it } from 'vitest';
import { createRedisKeyValueStore } from '../../src/store/kv-redis.ts';
import type { KeyValueStore } from '../../src/store/types.ts';

const url = process.env.REDIS_TEST_URL;

describe.skipIf(!url)('redis key/value store', () => {
  const stores: KeyValueStore[] = [];
  const open = () => {
    const s = createRedisKeyValueStore(url as string, { prefix: `test:${process.pid}:${Date.now()}:` });
    stores.push(s);
    return s;
  };
  afterAll(async () => {
    await Promise.all(stores.map((s) => s.close()));
  });

  const ready = async (s: KeyValueStore) => {
    for (let i = 0; i < 50; i++) {
      try {
        await s.ping();
        return;
      } catch {
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    await s.ping();
  };

  it('get/set/delete with expiry, setIfAbsent once, increment with a window', async () => {
    const kv = open();
    await ready(kv);
    await kv.set('a', { x: 1 });
    expect(await kv.get('a')).toEqual({ x: 1 });
    await kv.set('short', 'v', 30);
    await new Promise((r) => setTimeout(r, 60));
    expect(await kv.get('short')).toBeUndefined();
    expect(await kv.setIfAbsent('evt', true, 1000)).toBe(true);
    expect(await kv.setIfAbsent('evt', true, 1000)).toBe(false);
    expect(await kv.increment('n', 1000)).toBe(1);
    expect(await kv.increment('n', 1000)).toBe(2);
    await kv.delete('a');
    expect(await kv.get('a')).toBeUndefined();
  });
});
