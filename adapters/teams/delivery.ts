// Delivering replies to the Bot Connector (learn.microsoft.com/azure/bot-service/rest-api/
// bot-framework-rest-connector-api-reference) when it pushes back. Teams throttles bots per conversation and per
// app with HTTP 429 and a `Retry-After` header (learn.microsoft.com/microsoftteams/platform/bots/how-to/
// rate-limit: "handle rate limits … exponential backoff"), and the connector has brief 5xx outages. A reply that
// meets either is retried here, a bounded number of times, waiting what Retry-After asks.
//
// botbuilder's connector client (Azure core-rest-pipeline) has a retry policy of its own: it retries a 429 only when
// Retry-After is present, sleeps on a clock nobody can inject, and cannot be configured through botbuilder. Two
// stacked retry loops would make any bound meaningless, so `useOwnRetries` removes that policy from the turn's
// connector client and this module is the one place that retries.
import type { TurnContext } from 'botbuilder';
import type { Logger } from '../../src/base/index.ts';

/** Attempts per connector call, the first included. */
export const DELIVERY_MAX_ATTEMPTS = 4;
/** Wait before the first retry when the connector names none; doubled per retry. */
export const DELIVERY_BASE_DELAY_MS = 500;
/**
 * Longest wait for one retry. A Retry-After beyond it is not waited for: the request fails (and Teams redelivers
 * the activity later, which is then answered: de-duplication is recorded only after delivery).
 */
export const DELIVERY_MAX_DELAY_MS = 10_000;

export type Sleep = (ms: number) => Promise<void>;
export const realSleep: Sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** The Azure pipeline policy botbuilder's connector client retries with (@azure/core-rest-pipeline). */
const SDK_RETRY_POLICY = 'defaultRetryPolicy';

interface PipelineLike {
  removePolicy(options: { name?: string }): unknown;
}

/**
 * Removes the SDK's own retry policy from the connector client of this turn (see the top of the file). Reaches into
 * botbuilder-stdlib's ServiceClientContext (`client.pipeline`); if a later version moves it, nothing breaks: the SDK
 * then retries inside each of our attempts, as before this module existed.
 */
export function useOwnRetries(context: TurnContext): void {
  const connector = context.turnState.get(context.adapter.ConnectorClientKey) as
    | { client?: { pipeline?: PipelineLike } }
    | undefined;
  connector?.client?.pipeline?.removePolicy({ name: SDK_RETRY_POLICY });
}

const TIMEOUT_POLICY = 'mlopsGuideConnectorTimeout';

/**
 * Gives every connector call of this turn a deadline (Azure pipeline `request.timeout`; the SDK sets none). Replaced,
 * not stacked, when the turn's client is reused.
 */
export function limitConnectorCalls(context: TurnContext, timeoutMs: number): void {
  const connector = context.turnState.get(context.adapter.ConnectorClientKey) as
    | { client?: { pipeline?: PipelineLike & { addPolicy?(policy: unknown): void } } }
    | undefined;
  const pipeline = connector?.client?.pipeline;
  if (!pipeline?.addPolicy) return;
  pipeline.removePolicy({ name: TIMEOUT_POLICY });
  pipeline.addPolicy({
    name: TIMEOUT_POLICY,
    sendRequest(request: { timeout: number }, next: (request: unknown) => Promise<unknown>) {
      if (!(request.timeout > 0)) request.timeout = timeoutMs;
      return next(request);
    },
  });
}

/** The HTTP status of a failed connector call (Azure RestError: `statusCode`, or `response.status`). */
export function connectorStatus(err: unknown): number | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const e = err as { statusCode?: unknown; response?: { status?: unknown } };
  if (typeof e.statusCode === 'number') return e.statusCode;
  return typeof e.response?.status === 'number' ? e.response.status : undefined;
}

/** Retry-After (seconds, or an HTTP date) of a failed connector call, in milliseconds. */
export function retryAfterMs(err: unknown, now = Date.now()): number | undefined {
  const headers = (err as { response?: { headers?: { get?(name: string): string | undefined | null } } } | undefined)
    ?.response?.headers;
  const raw = typeof headers?.get === 'function' ? headers.get('retry-after') : undefined;
  if (!raw) return undefined;
  const seconds = Number(raw);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.ceil(seconds * 1000);
  const date = Date.parse(raw);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** 429 and 5xx are worth another try; 4xx (bad request, bot removed, conversation gone) never change by waiting. */
const retryable = (status: number | undefined): boolean => status === 429 || (status !== undefined && status >= 500);

export interface DeliveryOptions {
  sleep: Sleep;
  logger: Logger;
}

/** Runs one connector call, retrying 429/5xx with bounded back-off that honours Retry-After. Rethrows the last error. */
export async function deliver<T>(what: string, call: () => Promise<T>, options: DeliveryOptions): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (err) {
      const status = connectorStatus(err);
      if (!retryable(status) || attempt >= DELIVERY_MAX_ATTEMPTS) throw err;
      const asked = retryAfterMs(err);
      if (asked !== undefined && asked > DELIVERY_MAX_DELAY_MS) {
        options.logger.warn({ what, status, retryAfterMs: asked }, 'teams connector asks to wait too long; giving up');
        throw err;
      }
      const waitMs = asked ?? Math.min(DELIVERY_MAX_DELAY_MS, DELIVERY_BASE_DELAY_MS * 2 ** (attempt - 1));
      options.logger.warn({ what, status, attempt, waitMs }, 'teams connector refused a reply; retrying');
      await options.sleep(waitMs);
    }
  }
}
