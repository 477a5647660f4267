// EventStore on Redis (REDIS_URL): questions, feedback, walkthrough outcomes and unmet catalog searches from every
// replica in one sorted set scored by time, so `admin stats` / `admin gaps` see the whole deployment.
import { randomUUID } from 'node:crypto';
import type { Clock } from '../base/index.ts';
import { validateEvent, validateFilter, validateTime } from './events-schema.ts';
import { connectRedis, type RedisStoreOptions } from './redis.ts';
import type { BotEvent, EventStore } from './types.ts';

export function createRedisEventStore(url: string, options: RedisStoreOptions & { clock?: Clock } = {}): EventStore {
  const clock = options.clock ?? Date.now;
  const redis = connectRedis(url, 'redis event store', options);
  const { client, run } = redis;
  const key = `${redis.prefix}events`;

  return {
    record: (event) =>
      run(async () => {
        const valid = validateEvent(event, clock());
        // A unique id keeps two identical events (same second, same text) as two members.
        await client.zadd(key, valid.at, JSON.stringify({ id: randomUUID(), event: valid }));
      }),
    list: (filter) =>
      run(async () => {
        validateFilter(filter);
        const types = filter?.types?.length ? new Set(filter.types) : undefined;
        const raw = await client.zrangebyscore(key, filter?.since ?? '-inf', '+inf');
        return raw
          .map((member) => (JSON.parse(member) as { event: BotEvent }).event)
          .filter((event) => !types || types.has(event.type));
      }),
    purgeOlderThan: (at) =>
      run(async () => {
        validateTime(at, 'purgeOlderThan');
        return client.zremrangebyscore(key, '-inf', `(${at}`);
      }),
    ping: redis.ping,
    probeWrite: () =>
      run(async () => {
        await client.set(`${key}:write-probe`, String(clock()), 'PX', 60_000);
      }),
    close: redis.close,
  };
}
