// The one place that chooses the stores from the config: Redis when REDIS_URL is set (several replicas share state,
// de-duplication, rate limits and the maintainers' records), else SQLite files in DATA_DIR/state/; memory only when
// a caller asks for it (one-shot `ask`, tests). `serve`, `chat`, `ask`, `kb gaps` and the app all come here.
import { join } from 'node:path';
import type { Clock, Logger } from '../base/index.ts';
import type { Config } from '../config.ts';
import { createMemoryEventStore } from './events-memory.ts';
import { createSqliteEventStore } from './events-sqlite.ts';
import { createMemoryKeyValueStore } from './kv-memory.ts';
import { createSqliteKeyValueStore } from './kv-sqlite.ts';
import type { EventStore, KeyValueStore } from './types.ts';

export type StoreConfig = Pick<Config, 'dataDir' | 'redisUrl' | 'redis'>;

/** `configured`: Redis or SQLite as the config says (default); `memory`: nothing outlives the process. */
export type Storage = 'configured' | 'memory';

export interface StoreOptions {
  storage?: Storage;
  logger?: Logger;
  clock?: Clock;
}

export interface Stores {
  kv: KeyValueStore;
  events: EventStore;
}

/** Which kind of store this config and storage choose. */
const storeKind = (config: StoreConfig, storage: Storage = 'configured'): 'memory' | 'redis' | 'sqlite' =>
  storage === 'memory' ? 'memory' : config.redisUrl ? 'redis' : 'sqlite';

/** The state store SQLite file and the event store SQLite file (when no Redis is configured). */
export const sqlitePaths = (config: Pick<Config, 'dataDir'>) => ({
  kv: join(config.dataDir, 'state', 'state.sqlite'),
  events: join(config.dataDir, 'state', 'events.sqlite'),
});

const redisOptions = (config: StoreConfig, options: StoreOptions) => ({
  prefix: config.redis.prefix,
  commandTimeoutMs: config.redis.commandTimeoutMs,
  ...(options.logger ? { logger: options.logger } : {}),
});

/** The conversation/state store. Redis is imported only when configured, so a local run never loads ioredis. */
export async function createKeyValueStore(config: StoreConfig, options: StoreOptions = {}): Promise<KeyValueStore> {
  const clock = options.clock ?? Date.now;
  switch (storeKind(config, options.storage)) {
    case 'memory':
      return createMemoryKeyValueStore(clock);
    case 'redis': {
      const { createRedisKeyValueStore } = await import('./kv-redis.ts');
      return createRedisKeyValueStore(config.redisUrl as string, redisOptions(config, options));
    }
    case 'sqlite':
      return createSqliteKeyValueStore(sqlitePaths(config).kv, clock);
  }
}

/** The record of what happened (questions, feedback, walkthrough steps) behind `admin stats|gaps` and `kb gaps`. */
export async function createEventStore(config: StoreConfig, options: StoreOptions = {}): Promise<EventStore> {
  const clock = options.clock ?? Date.now;
  switch (storeKind(config, options.storage)) {
    case 'memory':
      return createMemoryEventStore(clock);
    case 'redis': {
      const { createRedisEventStore } = await import('./events-redis.ts');
      return createRedisEventStore(config.redisUrl as string, { ...redisOptions(config, options), clock });
    }
    case 'sqlite':
      return createSqliteEventStore(sqlitePaths(config).events, { clock });
  }
}

/** Both stores, chosen by the config; `given` ones (fakes in tests, a store a caller already opened) are kept. */
export async function createStores(
  config: StoreConfig,
  options: StoreOptions & { given?: { kv?: KeyValueStore | undefined; events?: EventStore | undefined } } = {},
): Promise<Stores> {
  const kv = options.given?.kv ?? (await createKeyValueStore(config, options));
  const events = options.given?.events ?? (await createEventStore(config, options));
  return { kv, events };
}
