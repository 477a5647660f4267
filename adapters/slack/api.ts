// Calling the Slack Web API (https://docs.slack.dev/apis/web-api) without ever crashing the process: every
// failure is logged with Slack's error code (`not_in_channel`, `channel_not_found`, `ratelimited`, …) and
// returned to the caller as a value.
import type { Logger as BoltLogger, webApi } from '@slack/bolt';
import { LogLevel } from '@slack/bolt';
import type { Logger } from '../../src/base/index.ts';

/**
 * The WebClient's retry policy, made explicit. @slack/web-api's default (`tenRetriesInAboutThirtyMinutes`)
 * keeps a chat reply retrying for half an hour. On HTTP 429 the client itself pauses its whole request queue
 * for the `Retry-After` seconds and then retries (rejectRateLimitedCalls: false); these options bound how
 * many times, and the back-off for network errors. Platform errors (`ok: false`) are never retried.
 */
export const SLACK_RETRY_CONFIG: webApi.RetryOptions = {
  retries: 3,
  factor: 2,
  minTimeout: 1000,
  maxTimeout: 10_000,
  randomize: true,
};
/** Per request; a Web API call that hangs longer is treated as failed (and retried as above). */
export const SLACK_REQUEST_TIMEOUT_MS = 10_000;

/** Slack's error code for a failed call: `not_in_channel`, `ratelimited`, `http_500`, `request_failed`, … */
export function slackErrorCode(err: unknown): string {
  if (typeof err !== 'object' || err === null) return 'unknown';
  const e = err as { code?: unknown; data?: { error?: unknown }; statusCode?: unknown; retryAfter?: unknown };
  switch (e.code) {
    case 'slack_webapi_platform_error':
      return typeof e.data?.error === 'string' ? e.data.error : 'platform_error';
    case 'slack_webapi_rate_limited_error':
      return 'ratelimited';
    case 'slack_webapi_http_error':
      return `http_${String(e.statusCode)}`;
    case 'slack_webapi_request_error':
      return 'request_failed';
    case 'slack_bolt_respond_error':
      return `respond_http_${String(e.statusCode)}`;
    default:
      return typeof e.code === 'string' ? e.code : 'request_failed';
  }
}

export type CallResult<T> = { ok: true; value: T } | { ok: false; code: string };

/** Runs one Slack API call; logs and returns the error code instead of throwing. */
export async function callSlack<T>(logger: Logger, method: string, fn: () => Promise<T>): Promise<CallResult<T>> {
  try {
    return { ok: true, value: await fn() };
  } catch (err) {
    const code = slackErrorCode(err);
    logger.warn({ method, code, err: err instanceof Error ? err.message : String(err) }, 'Slack API call failed');
    return { ok: false, code };
  }
}

/** Channel problems where the remedy is the same: the bot must be invited to (or can't see) the channel. */
export const CHANNEL_ACCESS_ERRORS = new Set([
  'not_in_channel',
  'channel_not_found',
  'is_archived',
  'restricted_action',
  'cant_post_in_channel',
]);

/**
 * Bolt's logger interface on top of ours. Bolt's debug output dumps whole payloads (user text), so it is
 * dropped: our own logs carry ids, timings and codes only unless LOG_MESSAGE_TEXT is set.
 */
export function toBoltLogger(logger: Logger): BoltLogger {
  let level = LogLevel.INFO;
  const text = (msg: unknown[]) =>
    msg.map((m) => (typeof m === 'string' ? m : m instanceof Error ? m.message : JSON.stringify(m))).join(' ');
  return {
    debug: () => {},
    info: (...msg: unknown[]) => logger.info({ component: 'slack-bolt' }, text(msg)),
    warn: (...msg: unknown[]) => logger.warn({ component: 'slack-bolt' }, text(msg)),
    error: (...msg: unknown[]) => logger.error({ component: 'slack-bolt' }, text(msg)),
    setLevel: (l: LogLevel) => {
      level = l;
    },
    getLevel: () => level,
    setName: () => {},
  };
}
