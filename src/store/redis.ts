// One Redis connection as the stores need it: commands fail fast while Redis is down (no offline queue) with
// StoreUnavailable, so users get a clear message and /readyz turns 503; the client reconnects in the background
// and everything recovers when Redis returns.
import { Redis } from 'ioredis';
import type { Logger } from '../base/index.ts';
import { silentLogger } from '../base/index.ts';
import { ErrorCode, MlopsGuideError } from '../errors.ts';

export interface RedisStoreOptions {
  /** Prefix for every key (REDIS_PREFIX), so two deployments or other applications can share a Redis. */
  prefix?: string;
  logger?: Logger;
  /** Milliseconds a command may take before it fails (REDIS_COMMAND_TIMEOUT_MS; 2000 when not given). */
  commandTimeoutMs?: number;
}

export interface RedisConnection {
  client: Redis;
  /** The configured key prefix. */
  prefix: string;
  /** Runs a command; any failure becomes StoreUnavailable. */
  run<T>(op: () => Promise<T>): Promise<T>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

export function connectRedis(url: string, what: string, options: RedisStoreOptions = {}): RedisConnection {
  const logger = options.logger ?? silentLogger;
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
    const log = state === 'ready' ? logger.info : logger.warn;
    log.call(logger, { store: what, state, ...extra }, `redis ${state}`);
  };
  client.on('ready', () => report('ready'));
  client.on('error', (err: Error) => report('error', { err: err.message }));
  client.on('end', () => report('end'));

  // The first commands (a CLI run, a request right after start) wait for the initial connection; once it has
  // been up, commands during an outage fail at once instead of queueing.
  const timeoutMs = options.commandTimeoutMs ?? 2000;
  const firstReady = new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(false), timeoutMs);
    timer.unref();
    client.once('ready', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });

  let closed = false;
  async function run<T>(op: () => Promise<T>): Promise<T> {
    if (closed) throw new MlopsGuideError(ErrorCode.StoreUnavailable, `${what} is closed`);
    if (client.status === 'connecting' || client.status === 'connect' || client.status === 'wait') await firstReady;
    try {
      return await op();
    } catch (err) {
      if (err instanceof MlopsGuideError) throw err;
      throw new MlopsGuideError(
        ErrorCode.StoreUnavailable,
        `redis: ${err instanceof Error ? err.message : String(err)}`,
        {
          cause: err,
        },
      );
    }
  }
  return {
    client,
    prefix: options.prefix ?? 'mlops-guide:',
    run,
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
