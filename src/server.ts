// The one HTTP server: channels (Slack, Teams) mount their endpoints on it; it adds health, readiness and
// metrics. Channels that need no inbound port (Slack Socket Mode) only start/stop. This file is the one place
// under src/ allowed to import express (server wiring).
import { createServer, type Server } from 'node:http';
import express from 'express';
import type { Logger } from './base/index.ts';
import { silentLogger } from './base/index.ts';

/** A chat platform connection. Adapters create these; the server mounts and starts them. */
export interface Channel {
  name: string;
  /** Adds HTTP routes (e.g. POST /slack/events, POST /api/messages). */
  mount?(app: express.Express): void;
  /** Starts outbound connections (e.g. Slack Socket Mode). */
  start?(): Promise<void>;
  /** Stops accepting work and finishes in-flight work. */
  stop?(): Promise<void>;
  /**
   * Called when stop() has not finished by the shutdown deadline: give up what is still in flight (drop queued jobs,
   * so nothing starts against closed stores) and return how many pieces of work were abandoned.
   */
  abandon?(): number;
  /** The connection's state for /readyz (e.g. Slack Socket Mode: `connecting` with the last failure). */
  status?(): ChannelStatus;
}

export interface ChannelStatus {
  state: 'ready' | 'connecting' | 'connected' | 'disabled' | 'stopped';
  /** Why it is in that state, when that is worth knowing (`ECONNREFUSED wss://wss-primary.slack.com/link/`). */
  reason?: string;
}

export interface Readiness {
  /** Resolves when ready; rejects (or returns a reason string) when not. */
  check(): Promise<string | undefined>;
}

/**
 * Server limits, set deliberately instead of Node's defaults (300 s for a request, no connection cap): a slow or
 * idle client must not hold a socket and its buffers for minutes. Defaults come from src/config.ts (HTTP_*).
 */
export interface HttpLimits {
  /** The whole request (headers and body) must arrive within this, or the server answers 408 and closes. */
  requestTimeoutMs: number;
  /** The request headers must arrive within this. */
  headersTimeoutMs: number;
  /** Idle keep-alive connections are closed after this. */
  keepAliveTimeoutMs: number;
  /** Connections open at once; Node closes further ones as they arrive. */
  maxConnections: number;
}

export const DEFAULT_HTTP_LIMITS: HttpLimits = {
  requestTimeoutMs: 30_000,
  headersTimeoutMs: 10_000,
  keepAliveTimeoutMs: 5000,
  maxConnections: 1000,
};

export interface HttpServerDeps {
  host: string;
  port: number;
  limits?: HttpLimits;
  channels: Channel[];
  logger?: Logger;
  readiness?: Readiness;
  /** Prometheus text exposition for GET /metrics. */
  metrics?: () => Promise<{ contentType: string; body: string }>;
}

export interface StopResult {
  /** Work abandoned at the deadline, by channel (empty when everything finished in time). */
  abandoned: Record<string, number>;
}

export interface HttpServer {
  app: express.Express;
  /** Listens; resolves with the bound port (useful with port 0 in tests). */
  start(): Promise<{ port: number }>;
  /**
   * Graceful stop: new requests get 503 and new connections are refused at once; in-flight requests and the
   * channels' work may finish within `drainMs` (default: no limit); then what is left is abandoned (its sockets
   * destroyed, each channel's abandon()) and reported.
   */
  stop(options?: { drainMs?: number }): Promise<StopResult>;
  /** The limits the listening Node server has (read back from it; undefined before start). */
  limits(): HttpLimits | undefined;
}

export function createHttpServer(deps: HttpServerDeps): HttpServer {
  const logger = deps.logger ?? silentLogger;
  const app = express();
  app.disable('x-powered-by');

  // Responses still being prepared when stop() is called go out with `Connection: close`: otherwise their
  // keep-alive connection stays open after the answer until the client's idle timeout (up to keepAliveTimeout,
  // 5 s), and server.close() — so a graceful shutdown — waits for it.
  const open = new Set<express.Response>();
  let stopping = false;
  app.use((_req, res, next) => {
    if (stopping) {
      // Intake is closed: a request on a kept-alive connection gets 503, so the platform retries another replica
      // (Slack retries a non-2xx event; Teams redelivers) instead of this process starting work it may abandon.
      res.setHeader('connection', 'close');
      res.status(503).json({ error: 'unavailable', message: 'The server is shutting down.' });
      return;
    }
    open.add(res);
    res.once('close', () => open.delete(res));
    next();
  });

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  // Each channel's state is reported but does not decide readiness: readiness gates inbound HTTP traffic, and a
  // Slack WebSocket that is down must not take Teams (served over HTTP here) out of the load balancer with it.
  const channelStates = (): { channels?: Record<string, ChannelStatus> } => {
    const states = deps.channels.filter((c) => c.status).map((c) => [c.name, c.status?.()] as const);
    return states.length ? { channels: Object.fromEntries(states) as Record<string, ChannelStatus> } : {};
  };
  app.get('/readyz', async (_req, res) => {
    try {
      const reason = deps.readiness ? await deps.readiness.check() : undefined;
      if (reason) res.status(503).json({ status: 'not ready', reason, ...channelStates() });
      else res.json({ status: 'ready', ...channelStates() });
    } catch (err) {
      res.status(503).json({
        status: 'not ready',
        reason: err instanceof Error ? err.message : String(err),
        ...channelStates(),
      });
    }
  });
  if (deps.metrics) {
    const metrics = deps.metrics;
    app.get('/metrics', async (_req, res) => {
      const { contentType, body } = await metrics();
      res.type(contentType).send(body);
    });
  }
  for (const channel of deps.channels) channel.mount?.(app);

  const limits = deps.limits ?? DEFAULT_HTTP_LIMITS;
  let server: Server | undefined;
  return {
    app,
    async start() {
      // Listen first: health, metrics and Teams are served while outbound connections (Slack Socket Mode) are made.
      const s = createServer(
        {
          requestTimeout: limits.requestTimeoutMs,
          headersTimeout: limits.headersTimeoutMs,
          keepAliveTimeout: limits.keepAliveTimeoutMs,
          // Node checks the request and header timeouts on this interval (default 30 s, so a 10 s timeout could
          // take 40 s to fire); a second is cheap even with maxConnections sockets.
          connectionsCheckingInterval: Math.min(1000, limits.headersTimeoutMs),
        },
        app,
      );
      s.maxConnections = limits.maxConnections;
      // Logged at most once a minute with the count meanwhile: a connection flood must not become a log flood.
      let drops = 0;
      let lastDropLog = Number.NEGATIVE_INFINITY;
      s.on('drop', () => {
        drops++;
        if (Date.now() - lastDropLog < 60_000) return;
        logger.warn({ maxConnections: limits.maxConnections, refused: drops }, 'connections refused: too many open');
        lastDropLog = Date.now();
        drops = 0;
      });
      server = await new Promise<Server>((resolve, reject) => {
        s.once('error', reject);
        s.listen(deps.port, deps.host, () => {
          s.off('error', reject);
          resolve(s);
        });
      });
      for (const channel of deps.channels) await channel.start?.();
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : deps.port;
      logger.info({ host: deps.host, port, channels: deps.channels.map((c) => c.name) }, 'server listening');
      return { port };
    },
    limits() {
      if (!server) return undefined;
      return {
        requestTimeoutMs: server.requestTimeout,
        headersTimeoutMs: server.headersTimeout,
        keepAliveTimeoutMs: server.keepAliveTimeout,
        maxConnections: server.maxConnections,
      };
    },
    async stop(options = {}) {
      const s = server;
      server = undefined;
      stopping = true;
      for (const res of open) if (!res.headersSent) res.setHeader('connection', 'close');
      const closed = s ? new Promise<void>((resolve) => s.close(() => resolve())) : Promise.resolve();
      // Channels stop at once, beside the listener: each stops its own intake (Slack queue, Teams 503) and drains.
      const drained = Promise.all([closed, ...deps.channels.map((c) => c.stop?.())]).then(() => true);
      let timer: NodeJS.Timeout | undefined;
      const finished =
        options.drainMs === undefined
          ? await drained
          : await Promise.race([
              drained,
              new Promise<false>((resolve) => {
                timer = setTimeout(() => resolve(false), options.drainMs);
              }),
            ]);
      clearTimeout(timer);
      // Asked even when the drain finished: a channel's own drain may have given up at the same deadline (Slack's
      // queue has one), and abandon() then reports (and stops) what is still left; an idle channel returns 0.
      const abandoned: Record<string, number> = {};
      for (const c of deps.channels) {
        const n = c.abandon?.() ?? 0;
        if (n > 0) abandoned[c.name] = n;
      }
      const http = finished ? 0 : [...open].filter((res) => !res.writableEnded).length;
      if (http > 0 && Object.keys(abandoned).length === 0) abandoned.http = http;
      // Sockets still open (requests waiting on a hung platform API) are destroyed: nobody is served after this.
      s?.closeAllConnections();
      return { abandoned };
    },
  };
}
