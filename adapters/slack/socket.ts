// Slack Socket Mode (https://docs.slack.dev/apis/events-api/using-socket-mode) kept in the background: the process
// serves HTTP (health, metrics, Teams) whether or not Slack's WebSocket is up, and this supervisor makes and re-makes
// the connection on its own, with bounded back-off, reporting its state for /readyz.
//
// Facts this file relies on (@slack/socket-mode 3.x, which Bolt's SocketModeReceiver wraps):
// - `start()` calls `apps.connections.open` (app-level token) for a one-time `wss://…?ticket=…` URL, opens it and
//   resolves on Slack's `hello`. It does not resolve while the socket cannot connect: with its own reconnect on it
//   retries forever and `start()` never returns; a network error from `apps.connections.open` during such a
//   reconnect is an unhandled rejection. So its own reconnect is off and this loop owns every retry.
// - With reconnect off, a dropped connection (Slack also sends `disconnect` when it recycles a server, routinely
//   every few hours) emits `disconnected`; a failed `start()` rejects, usually without a reason: the cause is the
//   `error` event emitted just before, or the rejection of `apps.connections.open`.
import type { SocketModeReceiver } from '@slack/bolt';
import type { Logger } from '../../src/base/index.ts';
import type { ChannelStatus } from '../../src/server.ts';

/** First wait before reconnecting; doubled per consecutive failure up to SOCKET_RECONNECT_MAX_MS. */
export const SOCKET_RECONNECT_MIN_MS = 1000;
/** Longest wait between two attempts: a long Slack outage costs at most one attempt a minute. */
export const SOCKET_RECONNECT_MAX_MS = 60_000;
/** How long stop() waits for the socket to close before giving up on it. */
const STOP_TIMEOUT_MS = 5000;
/** How long the diagnostic connection (see probeCause) may take. */
const PROBE_TIMEOUT_MS = 5000;

export interface SocketSupervisorOptions {
  minDelayMs?: number;
  maxDelayMs?: number;
}

export interface SocketSupervisor {
  /** Starts connecting in the background; never throws, never waits for Slack. */
  start(): void;
  stop(): Promise<void>;
  status(): ChannelStatus;
}

type SocketClient = SocketModeReceiver['client'];

/** A URL for logs and /readyz: Socket Mode URLs carry a one-time ticket in the query, which stays out. */
function safeUrl(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    // Not a URL at all: say nothing rather than echo something that may contain the ticket.
    return undefined;
  }
}

/**
 * The most specific description of a connection failure: the first error `code` along the `original`/`cause`
 * chain (ECONNREFUSED, ENOTFOUND, UND_ERR_CONNECT_TIMEOUT, Slack's `invalid_auth`…), else the innermost message.
 */
export function socketErrorCause(err: unknown): string {
  let current: unknown = err;
  let message: string | undefined;
  for (let depth = 0; depth < 6 && current && typeof current === 'object'; depth++) {
    const e = current as { code?: unknown; message?: unknown; data?: { error?: unknown }; original?: unknown };
    if (typeof e.data?.error === 'string') return e.data.error;
    if (typeof e.code === 'string' && !e.code.startsWith('slack_')) return e.code;
    if (typeof e.message === 'string' && e.message) message = e.message;
    current = e.original ?? (current as { cause?: unknown }).cause;
  }
  if (typeof current === 'string' && current) return current;
  return message ?? 'unknown error';
}

/**
 * Finds out why a WebSocket could not be opened. undici's WebSocket reports a failed connection as an `error` event
 * with an empty message and no cause (the WHATWG WebSocket API hides network details), which is all Bolt logs
 * ("WebSocket error occurred:"). One plain HTTP(S) request to the same URL tells ECONNREFUSED, ENOTFOUND, a timeout
 * or a certificate problem (a TLS-inspecting proxy) apart; when it gets an answer, the server refused the WebSocket
 * handshake and its HTTP status says how.
 */
export async function probeCause(url: string): Promise<string> {
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    return 'invalid WebSocket URL';
  }
  target.protocol = target.protocol === 'wss:' ? 'https:' : 'http:';
  try {
    const res = await fetch(target, { redirect: 'manual', signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) });
    await res.body?.cancel();
    return `WebSocket handshake refused (HTTP ${res.status})`;
  } catch (err) {
    if (err instanceof Error && err.name === 'TimeoutError') return 'ETIMEDOUT';
    return socketErrorCause(err);
  }
}

export function createSocketSupervisor(
  start: () => Promise<unknown>,
  client: SocketClient,
  logger: Logger,
  options: SocketSupervisorOptions = {},
): SocketSupervisor {
  const minDelay = options.minDelayMs ?? SOCKET_RECONNECT_MIN_MS;
  const maxDelay = options.maxDelayMs ?? SOCKET_RECONNECT_MAX_MS;
  let state: ChannelStatus = { state: 'stopped' };
  let stopped = false;
  let loop: Promise<void> | undefined;
  let wake: (() => void) | undefined;
  let url: string | undefined;
  let fullUrl: string | undefined;
  let lastError: unknown;

  client.on('authenticated', (resp: { url?: string }) => {
    fullUrl = resp?.url;
    url = safeUrl(resp?.url);
  });
  client.on('error', (err: unknown) => {
    lastError = err;
  });

  /** `ECONNREFUSED wss://wss-primary.slack.com/link/`, or `apps.connections.open failed: invalid_auth`. */
  const reason = async (err: unknown): Promise<string> => {
    if (!url) return `apps.connections.open failed: ${socketErrorCause(err)}`;
    let cause = socketErrorCause(err);
    // An empty undici error (see probeCause): find the cause with a connection of our own.
    if (cause === 'unknown error' && fullUrl) cause = await probeCause(fullUrl);
    return `${cause} ${url}`;
  };

  /** No wait before the first attempt after a healthy connection; then 1 s, 2 s, 4 s … up to maxDelay. */
  const backoff = (failures: number) => (failures === 0 ? 0 : Math.min(maxDelay, minDelay * 2 ** (failures - 1)));

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });

  const run = async () => {
    let failures = 0;
    while (!stopped) {
      lastError = undefined;
      url = undefined;
      fullUrl = undefined;
      state = { state: 'connecting', ...(state.reason ? { reason: state.reason } : {}) };
      let onDisconnected: (() => void) | undefined;
      const disconnected = new Promise<void>((resolve) => {
        onDisconnected = () => resolve();
        client.once('disconnected', onDisconnected);
      });
      try {
        await start();
        if (stopped) break;
        const connectedAt = Date.now();
        state = { state: 'connected' };
        logger.info({ mode: 'socket', url }, 'Slack Socket Mode connected');
        await disconnected;
        if (stopped) break;
        const why = lastError ? await reason(lastError) : 'connection closed';
        state = { state: 'connecting', reason: why };
        logger.warn({ mode: 'socket', cause: why }, 'Slack Socket Mode connection lost; reconnecting');
        // A connection that stayed up is re-made at once (Slack asks for exactly that when it recycles a server);
        // one dropped right after it opened counts as a failure, so a flapping endpoint is not hammered.
        failures = Date.now() - connectedAt >= maxDelay ? 0 : failures + 1;
      } catch (err) {
        if (onDisconnected) client.removeListener('disconnected', onDisconnected);
        if (stopped) break;
        const why = await reason(lastError ?? err);
        failures += 1;
        state = { state: 'connecting', reason: why };
        logger.error(
          { mode: 'socket', cause: why, attempt: failures, retryInMs: backoff(failures) },
          'Slack Socket Mode could not connect; retrying in the background',
        );
      }
      if (!stopped) await sleep(backoff(failures));
    }
    state = { state: 'stopped' };
  };

  return {
    start() {
      if (loop) return;
      stopped = false;
      loop = run().catch((err: unknown) => {
        // The loop handles its own failures; this only catches a bug, which must not crash the process.
        logger.error({ cause: socketErrorCause(err) }, 'Slack Socket Mode supervisor failed');
      });
    },
    async stop() {
      stopped = true;
      wake?.();
      const running = loop;
      loop = undefined;
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        // A peer that never completes the close handshake must not hold up the shutdown.
        Promise.all([client.disconnect().catch(() => undefined), running]),
        new Promise<void>((resolve) => {
          timer = setTimeout(resolve, STOP_TIMEOUT_MS);
          timer.unref();
        }),
      ]);
      clearTimeout(timer);
    },
    status: () => state,
  };
}
