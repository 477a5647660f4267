// Microsoft Teams channel: wiring only. POST /api/messages (the Azure Bot "messaging endpoint") → authentication →
// botbuilder CloudAdapter → MlopsGuideTeamsHandler. Follows learn.microsoft.com/azure/bot-service/rest-api/
// bot-framework-rest-connector-api-reference (the HTTP contract) and ARCHITECTURE.md (botbuilder facts).
// Every botbuilder import lives in adapters/teams/ so a move to @microsoft/agents-hosting touches only this folder.

import { createHash } from 'node:crypto';
import { type Activity, CloudAdapter, type InvokeResponse, type TurnContext } from 'botbuilder';
import express, { type NextFunction, type Request, type Response } from 'express';
import type { Logger } from '../../src/base/index.ts';
import { silentLogger } from '../../src/base/index.ts';
import { type Config, isLoopbackHost } from '../../src/config.ts';
import type { Bot } from '../../src/core/types.ts';
import { asCodedError } from '../../src/errors.ts';
import type { Channel } from '../../src/server.ts';
import type { KeyValueStore } from '../../src/store/types.ts';
import {
  authenticationFailureStatus,
  type CredentialsFactory,
  createBotFrameworkAuthentication,
  teamsAuthMode,
  withAuthDeadline,
} from './auth.ts';
import { captureConsole } from './console.ts';
import { limitConnectorCalls, type Sleep, useOwnRetries } from './delivery.ts';
import { MlopsGuideTeamsHandler } from './handler.ts';
import { activityEnvelopeProblem } from './inbound.ts';
import { AUTH_TIMEOUT_MS, BODY_READ_TIMEOUT_MS, CONNECTOR_TIMEOUT_MS } from './limits.ts';
import { mountPages } from './pages.ts';

export { activityToInbound } from './inbound.ts';
export { replyToAdaptiveCards } from './render.ts';

export const TEAMS_MESSAGES_PATH = '/api/messages';

/** Largest request body accepted; Teams activities are far smaller (a message is capped at ~28 KB). */
const MAX_REQUEST_BYTES = '256kb';

export interface TeamsChannelDeps {
  config: Config;
  bot: Bot;
  /** De-duplicates redelivered activities. */
  kv: KeyValueStore;
  logger?: Logger;
  /** Outbound credentials instead of the app password (tests; later certificate or managed identity). */
  credentialsFactory?: CredentialsFactory;
  /** Hashes ids for store keys (pass the app's salted hash); default: unsalted sha256, never the raw id. */
  hashId?: (id: string) => string;
  /** Deadline for authenticating a request, key fetches included (default AUTH_TIMEOUT_MS; tests use less). */
  authTimeoutMs?: number;
  /** Deadline for reading a request body (default BODY_READ_TIMEOUT_MS; tests use less). */
  bodyTimeoutMs?: number;
  /** Deadline for each Bot Connector call (default CONNECTOR_TIMEOUT_MS; tests use less). */
  connectorTimeoutMs?: number;
  /** Waits between reply retries (delivery.ts); tests inject one that records and returns at once. */
  sleep?: Sleep;
  /**
   * Acknowledge typed questions first and send the answer proactively (handler.ts). Default: when an LLM is
   * configured (LLM_PROVIDER), the one thing that makes an answer slow.
   */
  answerInBackground?: boolean;
}

const unsaltedHash = (id: string) => createHash('sha256').update(`teams:${id}`).digest('hex').slice(0, 32);

type AuthResult = Awaited<ReturnType<ReturnType<typeof createBotFrameworkAuthentication>['authenticateRequest']>>;

/** CloudAdapter whose turn runner takes an already authenticated request (we authenticate first to map errors). */
class TeamsCloudAdapter extends CloudAdapter {
  runTurn(
    auth: AuthResult,
    activity: Activity,
    logic: (context: TurnContext) => Promise<void>,
  ): Promise<InvokeResponse | undefined> {
    return this.processActivity(auth, activity, logic);
  }
}

const problem = (res: Response, status: number, error: string, message: string) => {
  res.status(status).json({ error, message });
};

/** True for an absent serviceUrl (activities nobody replies to) or one on 127.0.0.0/8, ::1 or localhost. */
export function isLoopbackServiceUrl(serviceUrl: unknown): boolean {
  if (serviceUrl === undefined || serviceUrl === null || serviceUrl === '') return true;
  if (typeof serviceUrl !== 'string') return false;
  try {
    return isLoopbackHost(new URL(serviceUrl).hostname);
  } catch {
    // Not a URL: nothing could be posted to it, but it is not a loopback address either.
    return false;
  }
}

const unauthorized = (res: Response) => {
  problem(res, 401, 'unauthorized', 'Invalid or missing Bot Framework token.');
};

/**
 * Creates the Teams channel for the HTTP server. Throws ConfigError (code config_invalid) for unsafe settings:
 * TEAMS_ALLOW_UNAUTHENTICATED with a HOST that is not loopback, or an app id without its secret/tenant.
 */
export function createTeamsChannel(deps: TeamsChannelDeps): Channel {
  const logger = deps.logger?.child?.({ channel: 'teams' }) ?? deps.logger ?? silentLogger;
  const mode = teamsAuthMode(deps.config);
  const authentication = createBotFrameworkAuthentication(deps.config.teams, deps.credentialsFactory);
  const adapter = new TeamsCloudAdapter(authentication);
  const inFlight = new Set<Promise<void>>();
  const connectorTimeoutMs = deps.connectorTimeoutMs ?? deps.config.teams.connectorTimeoutMs ?? CONNECTOR_TIMEOUT_MS;
  const handler = new MlopsGuideTeamsHandler({
    bot: deps.bot,
    kv: deps.kv,
    logger,
    hashId: deps.hashId ?? unsaltedHash,
    ...(deps.sleep ? { sleep: deps.sleep } : {}),
    answerInBackground: deps.answerInBackground ?? deps.config.llm.provider !== 'none',
    // A proactive turn: the connector client is made from the app's credentials (an Entra token, as for replies)
    // and gets the same single retry loop and deadline as a reply inside a request.
    proactive: (reference, logic) =>
      captureConsole(logger, () =>
        adapter.continueConversationAsync(deps.config.teams.appId ?? '', reference, async (context) => {
          useOwnRetries(context);
          limitConnectorCalls(context, connectorTimeoutMs);
          await logic(context);
        }),
      ),
    track(work) {
      inFlight.add(work);
      void work.finally(() => inFlight.delete(work));
    },
  });
  let stopping = false;

  if (mode === 'disabled') {
    logger.warn(
      {},
      'Teams endpoint answers 401: set MICROSOFT_APP_ID, MICROSOFT_APP_PASSWORD and MICROSOFT_APP_TENANT_ID',
    );
  } else if (mode === 'unauthenticated-loopback') {
    logger.warn(
      { host: deps.config.host },
      'Teams endpoint accepts unauthenticated requests (Bot Framework Emulator mode, loopback only)',
    );
  }

  /** Runs before the body is parsed: without an app id nothing is processed at all (botbuilder would accept anything). */
  const guard = (req: Request, res: Response, next: NextFunction) => {
    if (mode === 'disabled') {
      problem(res, 401, 'unauthorized', 'Teams is not configured on this server (MICROSOFT_APP_ID is not set).');
      return;
    }
    if (stopping) {
      problem(res, 503, 'unavailable', 'The server is shutting down.');
      return;
    }
    // No token at all: 401 before reading the body (an anonymous caller learns nothing about what we accept).
    if (mode === 'jwt' && !req.headers.authorization?.trim()) {
      logger.info({ reason: 'no Authorization header', hasToken: false }, 'teams request rejected');
      unauthorized(res);
      return;
    }
    next();
  };

  /**
   * Runs after the guard, before the body parser: the body must have arrived within the deadline, else 408 and the
   * connection is closed (what the client still sends is not read). The parser then fails with "request aborted",
   * which the error handler below ignores because the response has gone out.
   */
  const bodyTimeoutMs = deps.bodyTimeoutMs ?? BODY_READ_TIMEOUT_MS;
  const bodyDeadline = (req: Request, res: Response, next: NextFunction) => {
    if (req.complete) {
      next();
      return;
    }
    const timer = setTimeout(() => {
      if (req.complete || res.headersSent) return;
      logger.warn({ timeoutMs: bodyTimeoutMs }, 'teams request body too slow; connection closed');
      res.setHeader('connection', 'close');
      res.status(408);
      res.json({ error: 'timeout', message: 'The request body did not arrive in time.' });
      res.once('finish', () => req.socket.destroy());
    }, bodyTimeoutMs);
    timer.unref();
    const clear = () => clearTimeout(timer);
    req.once('end', clear);
    req.once('close', clear);
    next();
  };

  /**
   * Authentication comes first, whatever the body: a request without a valid token gets 401, never 400. botbuilder
   * reads only `channelId`, `serviceUrl` (checked against the token's `serviceurl` claim when present) and
   * `recipient` from the activity, so a malformed body is authenticated against a safe view of it; the envelope
   * is validated afterwards. Undefined when the response was sent (401/503).
   */
  async function authenticate(body: unknown, header: string, res: Response): Promise<AuthResult | undefined> {
    const record = typeof body === 'object' && body !== null && !Array.isArray(body) ? (body as Activity) : undefined;
    const view = {
      ...record,
      channelId: typeof record?.channelId === 'string' ? record.channelId : '',
      serviceUrl: typeof record?.serviceUrl === 'string' ? record.serviceUrl : '',
    } as Activity;
    try {
      return await withAuthDeadline(
        authentication.authenticateRequest(view, header),
        deps.authTimeoutMs ?? AUTH_TIMEOUT_MS,
      );
    } catch (err) {
      const status = authenticationFailureStatus(err);
      const reason = err instanceof Error ? err.message : String(err);
      if (status === 401) {
        logger.info({ reason, hasToken: header !== '' }, 'teams request rejected');
        unauthorized(res);
      } else {
        // Documented (README, Teams troubleshooting): the key server (login.botframework.com) is unreachable.
        logger.error({ reason }, 'teams authentication unavailable (OpenID metadata)');
        problem(res, status, 'unavailable', 'Authentication is unavailable right now.');
      }
      return undefined;
    }
  }

  async function processRequest(req: Request, res: Response): Promise<void> {
    const header = req.headers.authorization ?? '';
    const auth = await authenticate(req.body, header, res);
    if (!auth) return;
    const bad = activityEnvelopeProblem(req.body);
    if (bad) {
      problem(res, 400, 'bad_request', bad);
      return;
    }
    const activity = req.body as Activity;
    if (mode === 'unauthenticated-loopback' && !isLoopbackServiceUrl(activity.serviceUrl)) {
      // Without a token nothing vouches for the serviceUrl, and the bot would post its replies (with the
      // conversation's content) wherever a request points. The Emulator always names a loopback URL.
      logger.warn({ type: activity.type }, 'teams request refused: emulator mode accepts only a loopback serviceUrl');
      problem(res, 403, 'forbidden', 'In emulator mode the serviceUrl must be a loopback address.');
      return;
    }

    const started = Date.now();
    try {
      const invokeResponse = await adapter.runTurn(auth, activity, (context) => {
        useOwnRetries(context);
        limitConnectorCalls(context, connectorTimeoutMs);
        return handler.run(context);
      });
      res.status(invokeResponse?.status ?? 200);
      if (invokeResponse?.body !== undefined) res.json(invokeResponse.body);
      else res.end();
      logger.debug(
        { type: activity.type, status: invokeResponse?.status ?? 200, ms: Date.now() - started },
        'teams activity',
      );
    } catch (err) {
      const coded = asCodedError(err);
      logger.error({ code: coded.code, err: coded.message, type: activity.type }, 'teams turn failed');
      if (!res.headersSent) problem(res, 500, 'internal', 'The bot failed to handle this activity.');
    }
  }

  return {
    name: 'teams',
    mount(app) {
      // The privacy and terms pages the Teams app manifest links to (package.ts), from docs/*.md.
      mountPages(app);
      app.post(
        TEAMS_MESSAGES_PATH,
        guard,
        bodyDeadline,
        express.json({ limit: MAX_REQUEST_BYTES }),
        async (req: Request, res: Response) => {
          // botbuilder's own console output during the request becomes structured log records (console.ts).
          const work = captureConsole(logger, () => processRequest(req, res));
          inFlight.add(work);
          try {
            await work;
          } finally {
            inFlight.delete(work);
          }
        },
      );
      // Body parser failures (bad JSON, too large) for this route only. With an app id the token is checked first
      // (against an empty activity: there is no body to read), so an invalid token gets 401 here too.
      app.use(TEAMS_MESSAGES_PATH, async (err: unknown, req: Request, res: Response, next: NextFunction) => {
        // Already answered (408 from the body deadline): the parser's "request aborted" needs no second answer.
        if (res.headersSent) return;
        const status =
          typeof err === 'object' && err !== null && 'status' in err
            ? Number((err as { status: unknown }).status)
            : 500;
        if (status >= 400 && status < 500) {
          if (
            mode === 'jwt' &&
            !(await captureConsole(logger, () => authenticate(undefined, req.headers.authorization ?? '', res)))
          )
            return;
          logger.info({ status }, 'teams request body rejected');
          problem(
            res,
            status,
            'bad_request',
            status === 413 ? 'The request body is too large.' : 'The request body is not valid JSON.',
          );
          return;
        }
        next(err);
      });
    },
    async stop() {
      stopping = true;
      await Promise.allSettled([...inFlight]);
    },
    // The server destroys the sockets of these requests after this; the turns themselves cannot be cancelled.
    abandon: () => inFlight.size,
    status() {
      if (stopping) return { state: 'stopped' };
      if (mode === 'disabled') return { state: 'disabled', reason: 'MICROSOFT_APP_ID is not set' };
      if (mode === 'unauthenticated-loopback') {
        return { state: 'ready', reason: 'Bot Framework Emulator mode: unauthenticated, loopback only' };
      }
      return { state: 'ready' };
    },
  };
}
