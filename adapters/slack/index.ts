// The Slack channel: a Bolt 5 App (https://docs.slack.dev/tools/bolt-js/) on the shared HTTP server
// (POST /slack/events for events, slash commands and interactivity) or over Socket Mode. Wiring only:
// behaviour lives in listeners.ts, inbound.ts and render.ts.

import { createHash } from 'node:crypto';
import { App, ExpressReceiver, SocketModeReceiver, type webApi } from '@slack/bolt';
import type { RequestHandler } from 'express';
import { EnvHttpProxyAgent, fetch as undiciFetch } from 'undici';
import type { Logger } from '../../src/base/index.ts';
import { silentLogger } from '../../src/base/index.ts';
import type { Config } from '../../src/config.ts';
import type { Bot } from '../../src/core/types.ts';
import { ErrorCode, MlopsGuideError } from '../../src/errors.ts';
import type { Channel } from '../../src/server.ts';
import type { KeyValueStore } from '../../src/store/types.ts';
import { SLACK_REQUEST_TIMEOUT_MS, SLACK_RETRY_CONFIG, slackErrorCode, toBoltLogger } from './api.ts';
import { createHttpFetch } from './http-fetch.ts';
import { createBotIdentityCache } from './identity.ts';
import { BUSY_MESSAGES, registerListeners } from './listeners.ts';
import { createBusyPoster, createLoopLag, type LoopLag, renderBusy, shedDecision } from './shed.ts';
import { createSocketSupervisor, type SocketSupervisor, type SocketSupervisorOptions } from './socket.ts';
import { slackVerification } from './verify.ts';
import { createWorkQueue, type DropReason, type WorkQueueObserver } from './work-queue.ts';

export type { SlackBlock, SlackMessage } from './render.ts';
export { escapeMrkdwn, homeView, markdownToMrkdwn, replyToBlockKit } from './render.ts';

/** The one URL Slack calls for events, slash commands and interactivity (HTTP mode). */
export const SLACK_EVENTS_PATH = '/slack/events';

export interface SlackChannelOptions {
  /** Show the progress reaction when an answer takes longer than this (default 1,000 ms). */
  progressDelayMs?: number;
  /** Override the Web API retry policy (tests use a fast one). */
  retryConfig?: webApi.RetryOptions;
  /** How long stop() waits for in-flight replies (default: config.shutdownDrainMs). */
  drainTimeoutMs?: number;
  /** Replies prepared at once after the ack (default 16); more wait in a queue. */
  maxConcurrentReplies?: number;
  /** Replies that may wait; beyond this new work gets a "busy" reply (default: config.slackQueue.maxJobs). */
  maxQueuedReplies?: number;
  /** Socket Mode reconnect back-off (tests use a fast one). */
  socketReconnect?: SocketSupervisorOptions;
  /** Work that waited longer than this gets a "busy" reply (default: config.slackQueue.maxWaitMs). */
  maxQueueWaitMs?: number;
  /** At most one "queue full" warning per this interval (default 60 s). */
  queueLogIntervalMs?: number;
  /** How long an unsigned request body may take to arrive (default BODY_READ_TIMEOUT_MS). */
  bodyTimeoutMs?: number;
  /** Shed mentions and DMs before Bolt when the event loop lags more than this (default: config.slackQueue.shedLagMs). */
  shedLagMs?: number;
  /** The event-loop lag source (tests pass a fake one; default: a timer, shed.ts createLoopLag). */
  loopLag?: LoopLag;
}

export interface SlackChannelDeps {
  config: Config;
  bot: Bot;
  kv: KeyValueStore;
  logger?: Logger;
  options?: SlackChannelOptions;
  /** Metrics: work refused ("busy" replies) by reason, and the queue's depth. */
  observer?: WorkQueueObserver;
  /**
   * Hashes platform ids for store keys (pass the app's salted hash); the default is an unsalted sha256, so keys
   * never hold a raw Slack id either way.
   */
  hashId?: (id: string) => string;
}

/** Answers running at once while the event loop lags (instead of maxConcurrentReplies). */
export const OVERLOAD_CONCURRENCY = 4;

const unsaltedHash = (id: string) => createHash('sha256').update(`slack:${id}`).digest('hex').slice(0, 32);

function apiBaseUrl(url: string | undefined): string | undefined {
  if (!url) return undefined;
  // WebClient appends the method name to this URL: it must end with a slash.
  return url.endsWith('/') ? url : `${url}/`;
}

/**
 * Creates the Slack channel for `createHttpServer({ channels })`. HTTP mode mounts POST /slack/events; Socket
 * Mode (SLACK_APP_TOKEN) opens an outbound WebSocket on start() and needs no inbound port.
 */
export function createSlackChannel(deps: SlackChannelDeps): Channel {
  const slack = deps.config.slack;
  if (!slack) {
    throw new MlopsGuideError(ErrorCode.ConfigInvalid, 'Slack is not configured', {
      remedy:
        'Set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET (HTTP) or SLACK_BOT_TOKEN and SLACK_APP_TOKEN (Socket Mode).',
    });
  }
  const logger = deps.logger?.child?.({ channel: 'slack' }) ?? deps.logger ?? silentLogger;
  const boltLogger = toBoltLogger(logger);
  const slackApiUrl = apiBaseUrl(slack.apiUrl);
  // HTTPS_PROXY / NO_PROXY: Node's fetch (the Web API) and undici's WebSocket (Socket Mode) go direct unless given a
  // dispatcher; one proxy agent serves both.
  const dispatcher = deps.config.proxy ? new EnvHttpProxyAgent(deps.config.proxy) : undefined;
  const proxiedFetch: typeof fetch | undefined = dispatcher
    ? (input, init) => undiciFetch(input as string, { ...(init as object), dispatcher }) as unknown as Promise<Response>
    : undefined;
  // Without a proxy the Web API goes through http-fetch.ts (node:http keep-alive agents), cheaper per call than
  // Node's fetch on the thread that also makes the acks.
  const httpFetch = proxiedFetch ? undefined : createHttpFetch();
  const busyHttpFetch = proxiedFetch ? undefined : createHttpFetch();
  const apiFetch = proxiedFetch ?? httpFetch;
  const busyFetch = proxiedFetch ?? busyHttpFetch;
  const retryConfig = deps.options?.retryConfig ?? SLACK_RETRY_CONFIG;
  const clientOptions: webApi.WebClientOptions = {
    ...(apiFetch ? { fetch: apiFetch } : {}),
    logger: boltLogger,
    retryConfig,
    rejectRateLimitedCalls: false,
    timeout: deps.config.slackApiTimeoutMs ?? SLACK_REQUEST_TIMEOUT_MS,
    ...(slackApiUrl ? { slackApiUrl } : {}),
  };

  // The bot's own user id (to ignore its own messages and strip its mention) comes from auth.test, looked up on
  // first use and cached; a failed lookup is retried on the next message. Bolt calls `authorize` before it acks,
  // so authorize never waits for the lookup: it passes on what is known, and the message listener (after the ack)
  // waits for the lookup. Bolt's own `token` option would instead call auth.test on every event when token
  // verification is off.
  let app: App;
  const identity = createBotIdentityCache(() =>
    app.client.auth.test({ token: slack.botToken }).then((r) => ({
      ...(r.user_id ? { botUserId: r.user_id } : {}),
      ...(r.bot_id ? { botId: r.bot_id } : {}),
    })),
  );
  const authorize = async () => ({ botToken: slack.botToken, ...identity.known() });
  const botIdentity = () =>
    identity.load().catch((err: unknown) => {
      // Messages are still answered: routeEvent ignores anything with bot_id / subtype bot_message (ours too).
      logger.warn(
        { code: slackErrorCode(err) },
        'Slack bot identity lookup (auth.test) failed; retried on the next message',
      );
      return {};
    });

  let mount: Channel['mount'];
  let socket: SocketSupervisor | undefined;
  let lag: LoopLag | undefined;
  let lagLimitMs = 0;
  if (slack.mode === 'http') {
    const receiver = new ExpressReceiver({
      signingSecret: slack.signingSecret,
      endpoints: SLACK_EVENTS_PATH,
      logger: boltLogger,
      // Ack first, work after: Slack wants the HTTP 200 within 3 s.
      processBeforeResponse: false,
      // verify.ts checks the signature before the receiver runs (one HMAC instead of three).
      signatureVerification: false,
    });
    app = new App({ receiver, authorize, logger: boltLogger, clientOptions, convoStore: false });
    const verification = slackVerification(slack.signingSecret, logger, {
      ...(deps.options?.bodyTimeoutMs === undefined ? {} : { bodyTimeoutMs: deps.options.bodyTimeoutMs }),
    });
    // Overload: mentions and DMs are acked and told "busy" before Bolt runs (shed.ts).
    const shedLagMs = deps.options?.shedLagMs ?? deps.config.slackQueue.shedLagMs;
    const loopLag = shedLagMs > 0 ? (deps.options?.loopLag ?? createLoopLag()) : undefined;
    lag = loopLag;
    lagLimitMs = shedLagMs;
    const busy = renderBusy(BUSY_MESSAGES[0] as (typeof BUSY_MESSAGES)[number]);
    const postBusy = createBusyPoster({
      apiUrl: slackApiUrl ?? 'https://slack.com/api/',
      token: slack.botToken,
      timeoutMs: deps.config.slackApiTimeoutMs ?? SLACK_REQUEST_TIMEOUT_MS,
      logger,
      // Its own connections: a flood of busy replies must not hold the answers' sockets.
      ...(busyFetch ? { fetch: busyFetch } : {}),
      // The WebClient's retry policy (SLACK_RETRY_CONFIG unless a test passes a fast one).
      attempts: (retryConfig.retries ?? 0) + 1,
      retryDelayMs: retryConfig.minTimeout ?? 1000,
    });
    // Lag sheds only while every worker is busy and work is already waiting for them (as many jobs as answer at
    // once while the loop lags): a loop slowed by something else (start-up, a GC pause, another channel, the swap
    // of a reload) is not helped by refusing Slack work, and neither a quiet bot nor a short stall under light load
    // may answer "busy" (one message at 20/s was told so during a 15,000-entry reload, bench:reload --http, when
    // every worker being busy was enough). Under real overload the backlog is there within milliseconds. (Tried:
    // shedding on until the waiting work had started; in 2 runs each at load average 7-8 acks were slower, p50
    // 0.5-3.2 s against 70 ms.)
    const overloaded = (): DropReason | undefined =>
      work.full
        ? 'queue_full'
        : loopLag &&
            work.saturated &&
            work.waiting >= Math.min(concurrency, OVERLOAD_CONCURRENCY) &&
            loopLag.current() > shedLagMs
          ? 'loop_lag'
          : undefined;
    const shed: RequestHandler = (req, res, next) => {
      const reason = overloaded();
      const raw = (req as typeof req & { rawBody?: Buffer }).rawBody;
      if (!reason || !raw) return next();
      const retry = req.headers['x-slack-retry-num'];
      const decision = shedDecision(
        raw,
        { retryNum: Array.isArray(retry) ? retry[0] : retry, contentType: req.headers['content-type'] },
        { botUserId: identity.known()?.botUserId, assistant: deps.config.slackAssistant },
        busy,
      );
      if (decision.action === 'pass') return next();
      // The ack Bolt would send for an event: HTTP 200, empty body.
      res.status(200).end();
      if (decision.action === 'busy') {
        const post = decision.post;
        work.refuse(
          'message',
          async () => {
            await postBusy(post);
            return true;
          },
          reason,
        );
      }
    };
    mount = (server) => {
      // The signature covers the raw body, so no JSON/urlencoded parser may run before these.
      server.post(SLACK_EVENTS_PATH, verification, shed);
      server.use(receiver.router);
    };
  } else {
    // Our own receiver, so that apps.connections.open goes to SLACK_API_URL like every other call, answers within
    // the request timeout instead of retrying 100 times, and so that socket.ts owns reconnecting (see there).
    const receiver = new SocketModeReceiver({
      appToken: slack.appToken,
      logger: boltLogger,
      autoReconnectEnabled: false,
      ...(dispatcher ? { dispatcher } : {}),
      installerOptions: {
        clientOptions: {
          retryConfig: { retries: 0 },
          timeout: deps.config.slackApiTimeoutMs ?? SLACK_REQUEST_TIMEOUT_MS,
          ...(slackApiUrl ? { slackApiUrl } : {}),
        },
      },
    });
    app = new App({ receiver, authorize, logger: boltLogger, clientOptions, convoStore: false });
    socket = createSocketSupervisor(() => app.start(), receiver.client, logger, deps.options?.socketReconnect);
  }

  // While the event loop lags, at most OVERLOAD_CONCURRENCY answers run at once (see WorkQueueOptions.limit).
  const concurrency = deps.options?.maxConcurrentReplies ?? 16;
  const lagging = () => lag !== undefined && lagLimitMs > 0 && lag.current() > lagLimitMs;
  const work = createWorkQueue({
    concurrency,
    ...(lag ? { limit: () => (lagging() ? Math.min(concurrency, OVERLOAD_CONCURRENCY) : concurrency) } : {}),
    maxQueued: deps.options?.maxQueuedReplies ?? deps.config.slackQueue.maxJobs,
    maxWaitMs: deps.options?.maxQueueWaitMs ?? deps.config.slackQueue.maxWaitMs,
    logger,
    ...(deps.observer ? { observer: deps.observer } : {}),
    ...(deps.options?.queueLogIntervalMs === undefined ? {} : { logIntervalMs: deps.options.queueLogIntervalMs }),
  });
  registerListeners(app, {
    bot: deps.bot,
    kv: deps.kv,
    logger,
    progressDelayMs: deps.options?.progressDelayMs ?? 1000,
    threadTtlMs: deps.config.conversationTtlMs,
    botIdentity,
    later: (name, run, busy) => {
      work.push({ name, run, busy });
    },
    queueFull: () => work.full,
    refused: (reason) => deps.observer?.dropped?.(reason),
    hashId: deps.hashId ?? unsaltedHash,
    assistant: deps.config.slackAssistant,
  });
  const drain = () => work.drain(deps.options?.drainTimeoutMs ?? deps.config.shutdownDrainMs);
  const abandon = () => work.abandon();

  if (mount) {
    let identityProblem: string | undefined;
    return {
      name: 'slack',
      mount,
      async start() {
        // Look the bot up now so a wrong token shows in the log at start, not at the first message. Not awaited:
        // the server starts either way and the lookup is retried on the first message.
        identity.load().then(
          (bot) => {
            identityProblem = undefined;
            logger.info({ botUserId: bot.botUserId }, 'Slack bot token accepted');
          },
          (err: unknown) => {
            identityProblem = `auth.test failed: ${slackErrorCode(err)}`;
            logger.error(
              { code: slackErrorCode(err) },
              'Slack rejected auth.test: check SLACK_BOT_TOKEN (xoxb-…) and that Slack is reachable',
            );
          },
        );
      },
      async stop() {
        await drain();
        lag?.stop();
        httpFetch?.destroy();
        busyHttpFetch?.destroy();
      },
      abandon,
      // Events arrive over HTTP: the channel is ready when the server is. A rejected token is reported beside it.
      status: () => (identityProblem ? { state: 'ready', reason: identityProblem } : { state: 'ready' }),
    };
  }
  const supervisor = socket;
  return {
    name: 'slack',
    async start() {
      // In the background: the HTTP server (health, metrics, Teams) must not wait for Slack's WebSocket.
      supervisor?.start();
    },
    async stop() {
      await supervisor?.stop();
      await drain();
      httpFetch?.destroy();
      busyHttpFetch?.destroy();
    },
    abandon,
    status: () => supervisor?.status() ?? { state: 'stopped' },
  };
}
