// `mlops-guide serve`: one HTTP server for Slack (/slack/events, or Socket Mode), Teams (/api/messages),
// /healthz, /readyz and /metrics. Adapters are imported lazily so `ask` and `chat` never load Bolt/botbuilder.
import { type App, createApp } from '../app.ts';
import type { Logger } from '../base/index.ts';
import { type Config, loadConfig } from '../config.ts';
import type { Metrics } from '../metrics.ts';
import type { Channel, HttpServer, StopResult } from '../server.ts';
import type { EventStore, KeyValueStore } from '../store/types.ts';
import { type CliIo, EXIT } from './io.ts';
import { createLogger } from './logger.ts';

export interface Service {
  app: App;
  server: HttpServer;
  port: number;
  metrics: Metrics;
  /**
   * Graceful stop, in this order: intake stops (new requests 503, new connections refused, Slack queue closed);
   * in-flight work may finish within SHUTDOWN_DRAIN_MS; what is left is abandoned (one log line, counted in
   * mlops_guide_abandoned_total); the stores close last, so no job ever meets a closed store mid-way.
   */
  stop(): Promise<StopResult>;
}

const DAY_MS = 86_400_000;
/** The key /readyz writes to prove the state store takes writes (one key for the deployment, short-lived). */
const READY_PROBE_KEY = 'ready:write-probe';
const READY_PROBE_TTL_MS = 60_000;

/** Builds and starts everything `serve` runs. Tests call this with an injected config. */
export async function startService(
  config: Config,
  options: { logger: Logger; kv?: KeyValueStore; events?: EventStore },
): Promise<Service> {
  const { logger } = options;
  // Imported here, not at the top: `ask`, `chat` and `kb` (which import this module through the CLI) then never load
  // express and prom-client, a few hundred milliseconds of every start on a 2-core machine.
  const [{ createMetrics }, { createHttpServer }] = await Promise.all([
    import('../metrics.ts'),
    import('../server.ts'),
  ]);
  const metrics = createMetrics();
  // The stores are the configured ones (Redis with REDIS_URL, else SQLite: store/create.ts), unless a test gives its own.
  const app = await createApp(config, {
    logger,
    answerWorkers: config.answerWorkers,
    observer: metrics.observer,
    onReload: (r) => metrics.reloaded(r),
    ...(options.kv ? { kv: options.kv } : {}),
    ...(options.events ? { events: options.events } : {}),
  });

  const channels: Channel[] = [];
  if (config.slack) {
    const { createSlackChannel } = await import('../../adapters/slack/index.ts');
    channels.push(
      await createSlackChannel({
        config,
        bot: app.bot,
        kv: app.kv,
        logger,
        observer: metrics.queue,
        hashId: (id) => app.hashId('slack', id),
      }),
    );
  }
  if (config.console.enabled) {
    const { createAppWebChannel } = await import('../../adapters/web/index.ts');
    channels.push(createAppWebChannel(config, app, { logger }));
  }
  const { createTeamsChannel } = await import('../../adapters/teams/index.ts');
  channels.push(
    createTeamsChannel({ config, bot: app.bot, kv: app.kv, logger, hashId: (id) => app.hashId('teams', id) }),
  );

  const server = createHttpServer({
    host: config.host,
    port: config.port,
    limits: config.http,
    channels,
    logger,
    metrics: () => metrics.render(),
    readiness: {
      async check() {
        if (app.runtime.current().kb.entries.length === 0) return 'knowledge not loaded';
        // Real writes, not pings: a full disk or a corrupted file can still be read, and the bot then answers in a
        // degraded mode (no walkthroughs, no records) that a load balancer and an operator should know about.
        try {
          await app.kv.set(READY_PROBE_KEY, Date.now(), READY_PROBE_TTL_MS);
        } catch (err) {
          return `state store unreachable or not writable: ${err instanceof Error ? err.message : String(err)}`;
        }
        try {
          await app.events.probeWrite();
        } catch (err) {
          return `event store unreachable or not writable: ${err instanceof Error ? err.message : String(err)}`;
        }
        return undefined;
      },
    },
  });
  const { port } = await server.start();

  const stopWatching = config.knowledgeWatch ? app.runtime.watch(config.knowledgeDir) : () => {};
  const purge = async () => {
    try {
      const removed = await app.events.purgeOlderThan(Date.now() - config.retentionDays * DAY_MS);
      if (removed) logger.info({ removed, retentionDays: config.retentionDays }, 'purged old records');
    } catch (err) {
      logger.warn({ err: String(err) }, 'retention purge failed');
    }
  };
  await purge();
  const purgeTimer = setInterval(() => void purge(), DAY_MS / 4);
  purgeTimer.unref();

  return {
    app,
    server,
    port,
    metrics,
    async stop() {
      clearInterval(purgeTimer);
      stopWatching();
      const result = await server.stop({ drainMs: config.shutdownDrainMs });
      const total = Object.values(result.abandoned).reduce((a, n) => a + n, 0);
      if (total > 0) {
        for (const [channel, n] of Object.entries(result.abandoned)) metrics.abandoned(channel, n);
        logger.warn(
          { abandoned: result.abandoned, drainMs: config.shutdownDrainMs },
          'shutdown: drain deadline passed; abandoning unfinished work',
        );
      }
      await app.close();
      logger.info({}, 'stores closed');
      return result;
    },
  };
}

/** The console's address as a person would type it (0.0.0.0 / :: listen everywhere, so loopback works). */
export function consoleUrl(config: Config, port: number): string {
  const host = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}/console`;
}

export async function runServe(_args: string[], io: CliIo, env: NodeJS.ProcessEnv): Promise<number> {
  const config = loadConfig(env);
  const logger = createLogger(config.logLevel, 1);
  const service = await startService(config, { logger });
  io.err(`MLOps Guide listening on http://${config.host}:${service.port} (Ctrl-C to stop)`);
  if (config.console.enabled) io.err(`Web console: ${consoleUrl(config, service.port)}`);
  await new Promise<void>((resolve) => {
    const shutdown = (signal: string) => {
      logger.info({ signal, drainMs: config.shutdownDrainMs }, 'shutting down: finishing in-flight work');
      service.stop().then(
        () => resolve(),
        (err) => {
          logger.error({ err: String(err) }, 'error during shutdown');
          resolve();
        },
      );
    };
    process.once('SIGTERM', () => shutdown('SIGTERM'));
    process.once('SIGINT', () => shutdown('SIGINT'));
  });
  // Abandoned work may still hold sockets or timers (a Slack call waiting out its timeout): they must not keep the
  // process alive past the drain deadline. Unref'd, so a clean stop exits at once without waiting for this.
  setTimeout(() => process.exit(EXIT.ok), 1000).unref();
  return EXIT.ok;
}
