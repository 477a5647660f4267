// KeyValueStore on Redis (REDIS_URL): walkthrough state, Slack event de-duplication, answered threads and rate
// limits shared by every replica behind a load balancer.
import { connectRedis, type RedisStoreOptions } from './redis.ts';
import type { KeyValueStore } from './types.ts';

const INCREMENT_WITH_TTL = `
local v = redis.call('INCR', KEYS[1])
if v == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return v`;

export type { RedisStoreOptions };

export function createRedisKeyValueStore(url: string, options: RedisStoreOptions = {}): KeyValueStore {
  const redis = connectRedis(url, 'redis state store', options);
  const { client, run } = redis;
  const k = (key: string) => redis.prefix + key;
  const ms = (ttlMs: number) => Math.max(1, Math.round(ttlMs));
  const decode = <T>(raw: string | null): T | undefined => (raw === null ? undefined : (JSON.parse(raw) as T));

  return {
    get: <T>(key: string) => run(async () => decode<T>(await client.get(k(key)))),
    set: <T>(key: string, value: T, ttlMs?: number) =>
      run(async () => {
        const raw = JSON.stringify(value ?? null);
        if (ttlMs === undefined) await client.set(k(key), raw);
        else await client.set(k(key), raw, 'PX', ms(ttlMs));
      }),
    delete: (key: string) =>
      run(async () => {
        await client.del(k(key));
      }),
    setIfAbsent: <T>(key: string, value: T, ttlMs: number) =>
      run(async () => (await client.set(k(key), JSON.stringify(value ?? null), 'PX', ms(ttlMs), 'NX')) === 'OK'),
    increment: (key: string, ttlMs: number) =>
      run(async () => Number(await client.eval(INCREMENT_WITH_TTL, 1, k(key), String(ms(ttlMs))))),
    ping: redis.ping,
    close: redis.close,
  };
}
