// KeyValueStore on Redis (REDIS_URL): walkthrough state, Slack event de-duplication, answered threads and rate
// limits shared by every replica behind a load balancer. Commands fail fast while Redis is down (no offline
// queue) with StoreUnavailable, so a user gets a clear message and /readyz turns 503; the client reconnects in
// the background and everything recovers when Redis returns.
import { Redis } from 'ioredis';
import type { Logger } from '../core/types.ts';
import { silentLogger } from '../core/types.ts';
import { ErrorCode, MlopsGuideError } from '../errors.ts';
import type { KeyValueStore } from './types.ts';

const INCREMENT_WITH_TTL = `
local v = redis.call('INCR', KEYS[1])
if v == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return v`;

export interface RedisStoreOptions {
  /** Prefix for every key, so the bot can share a Redis with other applications. */
  prefix?: string;
  logger?: Logger;
  /** Milliseconds to wait for a connection per command before failing. */
  commandTimeoutMs?: number;
}

export function createRedisKeyValueStore(url: string, options: RedisStoreOptions = {}): KeyValueStore {
  const logger = options.logger ?? silentLogger;
  const prefix = options.prefix ?? 'mlops-guide:';
  const client = new Redis(url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    commandTimeout: options.commandTimeoutMs ?? 2000,
    // Reconnect forever with a capped back-off: the store recovers by itself when Redis returns.
    retryStrategy: (attempt) => Math.min(attempt * 200, 2000),
    reconnectOnError: () => true,
  });
  let lastState = '';
  const report = (state: string, extra: object = {}) => {
    if (state === lastState) return;
    lastState = state;
    (state === 'ready' ? logger.info : logger.warn).call(logger, { store: 'redis', state, ...extra }, `redis ${state}`);
  };
  client.on('ready', () => report('ready'));
  client.on('error', (err: Error) => report('error', { err: err.message }));
  client.on('end', () => report('end'));

  let closed = false;
  const k = (key: string) => prefix + key;
  async function run<T>(op: () => Promise<T>): Promise<T> {
    if (closed) throw new MlopsGuideError(ErrorCode.StoreUnavailable, 'redis store is closed');
    try {
      return await op();
    } catch (err) {
      throw new MlopsGuideError(
        ErrorCode.StoreUnavailable,
        `redis: ${err instanceof Error ? err.message : String(err)}`,
        {
          cause: err,
        },
      );
    }
  }
  const decode = <T>(raw: string | null): T | undefined => (raw === null ? undefined : (JSON.parse(raw) as T));

  return {
    get: <T>(key: string) => run(async () => decode<T>(await client.get(k(key)))),
    set: <T>(key: string, value: T, ttlMs?: number) =>
      run(async () => {
        const raw = JSON.stringify(value ?? null);
        if (ttlMs === undefined) await client.set(k(key), raw);
        else await client.set(k(key), raw, 'PX', Math.max(1, Math.round(ttlMs)));
      }),
    delete: (key: string) =>
      run(async () => {
        await client.del(k(key));
      }),
    setIfAbsent: <T>(key: string, value: T, ttlMs: number) =>
      run(
        async () =>
          (await client.set(k(key), JSON.stringify(value ?? null), 'PX', Math.max(1, Math.round(ttlMs)), 'NX')) ===
          'OK',
      ),
    increment: (key: string, ttlMs: number) =>
      run(async () => Number(await client.eval(INCREMENT_WITH_TTL, 1, k(key), String(Math.max(1, Math.round(ttlMs)))))),
    ping: () =>
      run(async () => {
        if (client.status !== 'ready') throw new Error(`not connected (${client.status})`);
        await client.ping();
      }),
    async close() {
      if (closed) return;
      closed = true;
      try {
        await client.quit();
      } catch {
        // Already disconnected: nothing left to close.
        client.disconnect();
      }
    },
  };
}
