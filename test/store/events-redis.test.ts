// The Redis event store against a real redis-server (started by the test; skipped when none is installed).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisEventStore } from '../../src/store/events-redis.ts';
import { knowledgeGaps } from '../../src/store/gaps.ts';
import type { EventStore } from '../../src/store/types.ts';
import { redisServerPath, startTestRedis, type TestRedis } from '../helpers/redis.ts';

const binary = redisServerPath();

describe.skipIf(!binary)('redis event store (needs redis-server)', () => {
  let redis: TestRedis;
  const stores: EventStore[] = [];
  const open = () => {
    const s = createRedisEventStore(redis.url, { prefix: `t${stores.length}:` });
    stores.push(s);
    return s;
  };
  beforeAll(async () => {
    redis = await startTestRedis(binary as string);
  });
  afterAll(async () => {
    await Promise.all(stores.map((s) => s.close()));
    await redis.stop();
  });

  const question = (at: number, text: string, replica: string) => ({
    type: 'question' as const,
    at,
    platform: 'slack',
    userHash: replica,
    text,
    answerId: `${replica}-${at}`,
    abstained: true,
    confidence: 0,
  });

  it('shares records between replicas, filters, keeps duplicates, and purges by age', async () => {
    const a = open();
    const b = createRedisEventStore(redis.url, { prefix: 't0:' });
    stores.push(b);
    await a.record(question(1000, 'Where is the canteen?', 'a'));
    await b.record(question(2000, 'where is the canteen', 'b'));
    await b.record(question(2000, 'where is the canteen', 'b'));
    await a.record({
      type: 'feedback',
      at: 3000,
      platform: 'teams',
      userHash: 'x',
      answerId: 'a-1000',
      rating: 'down',
    });

    const all = await a.list();
    expect(all.map((e) => e.at)).toEqual([1000, 2000, 2000, 3000]);
    expect(await b.list({ types: ['feedback'] })).toHaveLength(1);
    expect(await b.list({ since: 2000, types: ['question'] })).toHaveLength(2);
    expect(knowledgeGaps(all)[0]).toMatchObject({ count: 3 });

    expect(await a.purgeOlderThan(2000)).toBe(1);
    expect((await b.list()).map((e) => e.at)).toEqual([2000, 2000, 3000]);
  });

  it('refuses a malformed event and reports unavailability after close', async () => {
    const s = open();
    await expect(s.record({ type: 'question' } as never)).rejects.toMatchObject({ code: 'input_invalid' });
    await s.ping();
    await s.probeWrite();
    await s.close();
    await expect(s.ping()).rejects.toMatchObject({ code: 'store_unavailable' });
    await expect(s.probeWrite()).rejects.toMatchObject({ code: 'store_unavailable' });
  });
});
