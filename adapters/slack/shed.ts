// Shedding Slack events early, before Bolt (https://docs.slack.dev/apis/events-api/#responding: the HTTP 200 within
// 3 seconds; chat.postEphemeral / chat.postMessage for the "busy" reply). Under overload most messages are refused,
// so what a refused message costs the main thread decides how fast every ack is (issue 12): a mention or DM that
// arrives while the bot is overloaded is acknowledged at once, without Bolt's middleware chain and without any store
// read or write, and answered "busy" with one pre-rendered JSON body posted by fetch on a keep-alive connection
// instead of a WebClient call.
//
// "Overloaded" is the work queue being full (as before) or the main thread's event loop lagging more than
// SLACK_SHED_LAG_MS: a lagging loop delays every ack, whatever the queue holds.
//
// Only first deliveries of `app_mention` and `message` events that route to a mention or a DM take this path. A
// retry (X-Slack-Retry-Num) goes through Bolt and its de-duplication, so a message already being answered is never
// told "busy" as well; thread follow-ups go through Bolt (whether the bot answers there needs the store).
import type { Logger } from '../../src/base/index.ts';
import { replyThreadTs, routeEvent } from './inbound.ts';
import type { SlackMessage } from './render.ts';

/** A busy reply ready to post: the Web API method and its JSON body. */
export interface BusyPost {
  method: 'chat.postEphemeral' | 'chat.postMessage';
  body: string;
}

/**
 * What the fast path does with a verified request body: `pass` = let Bolt handle it (not an event this path knows,
 * a retry, a thread follow-up, bot identity unknown); `ignore` = ack only (the bot would not answer it anyway);
 * otherwise the busy reply to post.
 */
export type ShedDecision = { action: 'pass' } | { action: 'ignore' } | { action: 'busy'; post: BusyPost };

const PASS: ShedDecision = { action: 'pass' };

/** The busy message's `text` and `blocks` as JSON, rendered once. */
export interface RenderedBusy {
  text: string;
  blocks: string;
}

export function renderBusy(message: SlackMessage): RenderedBusy {
  return { text: JSON.stringify(message.text), blocks: JSON.stringify(message.blocks) };
}

/** The JSON body of the busy reply: ephemeral to the asker in a channel, a normal reply in a DM (as listeners.ts). */
export function busyPost(
  busy: RenderedBusy,
  to: { dm: boolean; channel: string; user?: string; threadTs?: string },
): BusyPost {
  const thread = to.threadTs ? `,"thread_ts":${JSON.stringify(to.threadTs)}` : '';
  if (to.dm || !to.user) {
    return {
      method: 'chat.postMessage',
      body: `{"channel":${JSON.stringify(to.channel)}${thread},"text":${busy.text},"blocks":${busy.blocks},"unfurl_links":false,"unfurl_media":false}`,
    };
  }
  return {
    method: 'chat.postEphemeral',
    body: `{"channel":${JSON.stringify(to.channel)},"user":${JSON.stringify(to.user)}${thread},"text":${busy.text},"blocks":${busy.blocks}}`,
  };
}

/** Cheap checks on the raw body before parsing it: only event_callback bodies of the two message events. */
const MESSAGE_EVENT = /"type"\s*:\s*"(?:app_mention|message)"/;

export function shedDecision(
  rawBody: Buffer | string,
  headers: { retryNum?: string | undefined; contentType?: string | undefined },
  bot: { botUserId?: string | undefined; assistant: boolean },
  busy: RenderedBusy,
): ShedDecision {
  if (headers.retryNum !== undefined) return PASS;
  if (!(headers.contentType ?? '').includes('application/json')) return PASS;
  const text = typeof rawBody === 'string' ? rawBody : rawBody.toString('utf8');
  if (!text.includes('"event_callback"') || !MESSAGE_EVENT.test(text)) return PASS;
  let body: { type?: unknown; event?: { type?: unknown; channel_type?: unknown } };
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    return PASS;
  }
  if (body.type !== 'event_callback' || !body.event) return PASS;
  const type = body.event.type;
  if (type !== 'app_mention' && type !== 'message') return PASS;
  // Slack's assistant threads are DM messages Bolt's Assistant owns (statuses, suggested prompts).
  if (type === 'message' && bot.assistant) return PASS;
  if (!bot.botUserId) return PASS;
  const route = routeEvent(body.event, bot.botUserId);
  if (route.route === 'ignore') return { action: 'ignore' };
  if (route.route === 'thread') return PASS;
  const threadTs = replyThreadTs(route);
  return {
    action: 'busy',
    post: busyPost(busy, {
      dm: route.route === 'dm',
      channel: route.event.channel,
      ...(route.event.user ? { user: route.event.user } : {}),
      ...(threadTs ? { threadTs } : {}),
    }),
  };
}

/**
 * Posts busy replies: one fetch each with the bot token and a deadline per attempt. A network error, a timeout, a
 * 5xx or a 429 is tried again (at most `attempts` in all; after Retry-After for a 429, else `retryDelayMs` × the
 * attempt), as the WebClient would: under overload many replies wait for a connection, and a refused message must
 * still be told. Platform errors (`ok: false`, e.g. `channel_not_found`) are not retried. Resolves true when Slack
 * accepted it; failures are logged with Slack's error code, at most once per `logIntervalMs`.
 */
export function createBusyPoster(options: {
  apiUrl: string;
  token: string;
  timeoutMs: number;
  logger: Logger;
  fetch?: typeof fetch;
  logIntervalMs?: number;
  clock?: () => number;
  /** Tries in all (default 4). */
  attempts?: number;
  /** Back-off before a retry, times the attempt number (default 1,000 ms). */
  retryDelayMs?: number;
}): (post: BusyPost) => Promise<boolean> {
  const doFetch = options.fetch ?? fetch;
  const headers = {
    'content-type': 'application/json; charset=utf-8',
    authorization: `Bearer ${options.token}`,
  };
  const clock = options.clock ?? Date.now;
  const logIntervalMs = options.logIntervalMs ?? 60_000;
  const attempts = Math.max(1, options.attempts ?? 4);
  const retryDelayMs = options.retryDelayMs ?? 1000;
  let lastLogAt = Number.NEGATIVE_INFINITY;
  let failedSinceLog = 0;
  const failed = (method: string, code: string) => {
    failedSinceLog++;
    const now = clock();
    if (now - lastLogAt < logIntervalMs) return;
    options.logger.warn(
      { method, code, failed: failedSinceLog },
      'Slack busy reply failed (logged at most once per interval)',
    );
    lastLogAt = now;
    failedSinceLog = 0;
  };
  /** One attempt: `ok`, a final error code, or a code worth another try (with its delay). */
  const attempt = async (post: BusyPost): Promise<{ ok: true } | { ok: false; code: string; retryInMs?: number }> => {
    try {
      const res = await doFetch(`${options.apiUrl}${post.method}`, {
        method: 'POST',
        headers,
        body: post.body,
        signal: AbortSignal.timeout(options.timeoutMs),
      });
      const text = await res.text();
      if (res.status === 429) {
        const after = Number(res.headers.get('retry-after'));
        return { ok: false, code: 'ratelimited', retryInMs: Number.isFinite(after) && after > 0 ? after * 1000 : 0 };
      }
      if (res.status >= 500) return { ok: false, code: `http_${res.status}`, retryInMs: 0 };
      if (!res.ok) return { ok: false, code: `http_${res.status}` };
      const reply = JSON.parse(text) as { ok?: unknown; error?: unknown };
      if (reply.ok !== true)
        return { ok: false, code: typeof reply.error === 'string' ? reply.error : 'platform_error' };
      return { ok: true };
    } catch (err) {
      const timeout = err instanceof Error && err.name === 'TimeoutError';
      return { ok: false, code: timeout ? 'timeout' : 'request_failed', retryInMs: 0 };
    }
  };
  return async (post) => {
    for (let i = 1; ; i++) {
      const result = await attempt(post);
      if (result.ok) return true;
      if (result.retryInMs === undefined || i >= attempts) {
        failed(post.method, result.code);
        return false;
      }
      const delay = Math.max(result.retryInMs, retryDelayMs * i);
      await new Promise((r) => setTimeout(r, delay));
    }
  };
}

/**
 * The main thread's event-loop lag: a timer every `intervalMs` measures how late it fires; `current()` is a moving
 * average of that delay (ms). The timer is unref'd: it never keeps the process alive.
 */
export interface LoopLag {
  current(): number;
  stop(): void;
}

export function createLoopLag(intervalMs = 20): LoopLag {
  let lag = 0;
  let expected = performance.now() + intervalMs;
  const timer = setInterval(() => {
    const now = performance.now();
    const late = Math.max(0, now - expected);
    // Weighted towards the latest sample: shedding starts within a few ticks and stops as soon as the loop recovers.
    lag = lag * 0.5 + late * 0.5;
    expected = now + intervalMs;
  }, intervalMs);
  timer.unref();
  return {
    current: () => lag,
    stop: () => clearInterval(timer),
  };
}
