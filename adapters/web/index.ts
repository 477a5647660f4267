// The web console channel: wiring only. Mounts /console on the one HTTP server (src/server.ts): the web chat
// (/console/chat, through the same core as Slack and Teams), an entry's page (a source's link), the login form
// and the maintainers' pages (knowledge gaps, usage, exports, "Draft an entry"). Pages are server-rendered HTML
// forms that work without JavaScript; assets/console.js upgrades them to fetch (progressive enhancement).
// Access rules: access.ts. Security headers follow the OWASP Secure Headers Project; CSRF: a per-session HMAC token
// in every form (and the x-csrf-token header for fetch), checked on every POST.
import { readFileSync } from 'node:fs';
import express, { type NextFunction, type Request, type Response } from 'express';
import type { App } from '../../src/app.ts';
import { type Clock, type Logger, parseJsonObject, silentLogger } from '../../src/base/index.ts';
import type { Config } from '../../src/config.ts';
import type { ReloadResult } from '../../src/core/bot.ts';
import { type Inbound, includesUser } from '../../src/core/inbound.ts';
import { CoreAction, parseFeedbackValue, type Reply } from '../../src/core/reply.ts';
import type { Bot } from '../../src/core/types.ts';
import { draftEntry } from '../../src/knowledge/draft.ts';
import type { KnowledgeBase } from '../../src/knowledge/types.ts';
import type { Channel } from '../../src/server.ts';
import { gapsToCsv, knowledgeGaps } from '../../src/store/gaps.ts';
import { entryUsage, usageStats } from '../../src/store/stats.ts';
import type { EventStore, KeyValueStore } from '../../src/store/types.ts';
import {
  type AccessSettings,
  csrfToken,
  decodeSession,
  encodeSession,
  type Identity,
  identify,
  newSession,
  parseCookies,
  SESSION_COOKIE,
  type Session,
  sessionCookie,
  tokenMatches,
  validCsrf,
} from './access.ts';
import {
  MAX_FEEDBACK_REASON_CHARS,
  MAX_FORM_BYTES,
  MAX_LOGIN_ATTEMPTS_PER_MINUTE,
  MAX_TRANSCRIPT_TURNS,
} from './limits.ts';
import {
  chatPage,
  entryPage,
  gapsPage,
  loginPage,
  messagePage,
  type Turn,
  turnHtml,
  usagePage,
  type Viewer,
} from './pages.ts';
import { CHOICE_FIELD, CSRF_FIELD, REASON_FIELD, TEXT_FIELD } from './render.ts';

export { replyToHtml } from './render.ts';

export const CONSOLE_PATH = '/console';

/** Strict: only this server's own files; no inline script or style; no framing; forms post only here. */
export const CONTENT_SECURITY_POLICY =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; " +
  "form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

export interface WebChannelDeps {
  config: Config;
  bot: Bot;
  kv: KeyValueStore;
  events: EventStore;
  /** The knowledge in service (entry pages, titles on the usage page). */
  knowledge: () => KnowledgeBase;
  /** The last reload's result, for the usage page's "Knowledge check". */
  lastReload?: () => ReloadResult | undefined;
  /** Secret for signing session cookies and CSRF tokens (derive it from the deployment's salt). */
  secret: string;
  /** Hashes ids for store keys (the app's salted hash). */
  hashId: (id: string) => string;
  logger?: Logger;
  clock?: Clock;
  /** The client's address; default the TCP peer's. Tests pass another to be "another machine". */
  clientAddress?: (req: Request) => string | undefined;
}

interface Transcript {
  next: number;
  turns: Turn[];
}

interface Ctx {
  session: Session;
  identity: Identity | undefined;
  csrf: string;
  secure: boolean;
}

const asset = (name: string): string => readFileSync(new URL(`./assets/${name}`, import.meta.url), 'utf8');

function label(transcript: Transcript, actionId: string, value: string): string | undefined {
  for (let i = transcript.turns.length - 1; i >= 0; i--) {
    for (const b of transcript.turns[i]?.reply.blocks ?? []) {
      if (b.type !== 'choices') continue;
      const c = b.choices.find((x) => x.actionId === actionId && x.value === value);
      if (c) return c.label;
    }
  }
  return undefined;
}

/** What the console needs of the app (src/app.ts): the bot, its stores, the knowledge in service, the salted hash. */
export type ConsoleApp = Pick<App, 'bot' | 'kv' | 'events' | 'runtime' | 'hashId'>;

/**
 * The console over an app: the one wiring `serve` and the tests share. The session-signing secret is derived from
 * the deployment's salt (secret, stable across restarts, the same on every replica); store keys use the salted hash.
 */
export function createAppWebChannel(
  config: Config,
  app: ConsoleApp,
  options: Pick<WebChannelDeps, 'logger' | 'clock' | 'clientAddress'> = {},
): Channel {
  return createWebChannel({
    config,
    bot: app.bot,
    kv: app.kv,
    events: app.events,
    knowledge: () => app.runtime.current().kb,
    lastReload: () => app.runtime.lastReload(),
    secret: app.hashId('console', 'session-signing-key'),
    hashId: (id) => app.hashId('console', id),
    ...options,
  });
}

export function createWebChannel(deps: WebChannelDeps): Channel {
  const logger = deps.logger ?? silentLogger;
  const clock = deps.clock ?? Date.now;
  const settings: AccessSettings = {
    token: deps.config.console.token,
    trustedProxies: deps.config.console.trustedProxies,
    userHeader: deps.config.console.userHeader,
    key: deps.secret,
  };
  const assets = { 'console.css': asset('console.css'), 'console.js': asset('console.js') };
  const transcriptKey = (sid: string) => `console:chat:${deps.hashId(`chat:${sid}`)}`;
  const isMaintainer = (identity: Identity | undefined) =>
    identity !== undefined && includesUser(deps.config.maintainers, { platform: 'console', userId: identity.user });

  const ctxOf = (res: Response): Ctx => res.locals.console as Ctx;
  const viewer = (ctx: Ctx): Viewer => ({
    user: ctx.identity?.user ?? '',
    maintainer: isMaintainer(ctx.identity),
    canLogOut: ctx.identity?.kind === 'token',
    csrf: ctx.csrf,
  });
  const setSession = (res: Response, ctx: Ctx, session: Session) => {
    ctx.session = session;
    ctx.csrf = csrfToken(settings.key, session);
    res.append(
      'set-cookie',
      sessionCookie(encodeSession(settings.key, session), {
        secure: ctx.secure,
        maxAgeMs: session.exp - clock(),
      }),
    );
  };

  async function readTranscript(sid: string): Promise<Transcript> {
    try {
      return (await deps.kv.get<Transcript>(transcriptKey(sid))) ?? { next: 1, turns: [] };
    } catch (err) {
      logger.warn({ err: String(err) }, 'console: transcript unreadable; showing an empty conversation');
      return { next: 1, turns: [] };
    }
  }
  async function writeTranscript(sid: string, t: Transcript): Promise<void> {
    try {
      await deps.kv.set(transcriptKey(sid), t, deps.config.conversationTtlMs);
    } catch (err) {
      logger.warn({ err: String(err) }, 'console: transcript not saved');
    }
  }

  const router = express.Router();

  // Security headers on everything under /console, then the session (every visitor gets one: its CSRF token
  // protects even the login form) and who the visitor is.
  router.use((req, res, next) => {
    res.setHeader('content-security-policy', CONTENT_SECURITY_POLICY);
    res.setHeader('x-content-type-options', 'nosniff');
    res.setHeader('x-frame-options', 'DENY');
    res.setHeader('referrer-policy', 'no-referrer');
    res.setHeader('cross-origin-opener-policy', 'same-origin');
    res.setHeader('cache-control', 'no-store');
    const facts = {
      remoteAddress: deps.clientAddress ? deps.clientAddress(req) : req.socket.remoteAddress,
      headers: req.headers,
    };
    const fromProxy = settings.trustedProxies.length > 0 && req.headers['x-forwarded-proto'] === 'https';
    const now = clock();
    const existing = decodeSession(settings.key, parseCookies(req.headers.cookie)[SESSION_COOKIE], now);
    const ctx: Ctx = {
      session: existing ?? newSession(now),
      identity: undefined,
      csrf: '',
      secure: req.secure || fromProxy,
    };
    res.locals.console = ctx;
    if (existing) ctx.csrf = csrfToken(settings.key, existing);
    else setSession(res, ctx, ctx.session);
    ctx.identity = identify(settings, facts, ctx.session);
    next();
  });

  router.get('/assets/:name', (req, res) => {
    const name = req.params.name as keyof typeof assets;
    const body = assets[name];
    if (!body) {
      res.status(404).type('text/plain').send('not found');
      return;
    }
    res.setHeader('cache-control', 'no-cache');
    res.type(name.endsWith('.css') ? 'text/css' : 'text/javascript').send(body);
  });

  const form = express.urlencoded({ extended: false, limit: MAX_FORM_BYTES, parameterLimit: 20 });
  const field = (req: Request, name: string): string | undefined => {
    const v = (req.body as Record<string, unknown> | undefined)?.[name];
    return typeof v === 'string' ? v : undefined;
  };
  /** Every POST: a valid CSRF token in the form or the x-csrf-token header, else 403. */
  const csrf = (req: Request, res: Response, next: NextFunction) => {
    const header = req.headers['x-csrf-token'];
    const given = field(req, CSRF_FIELD) ?? (typeof header === 'string' ? header : undefined);
    if (!validCsrf(settings.key, ctxOf(res).session, given)) {
      res
        .status(403)
        .type('html')
        .send(
          messagePage(
            'Refused',
            'The form was out of date or did not come from this console (CSRF check). Reload the page and try again.',
          ),
        );
      return;
    }
    next();
  };

  router.get('/login', (_req, res) => {
    const ctx = ctxOf(res);
    if (ctx.identity) {
      res.redirect(303, `${CONSOLE_PATH}/chat`);
      return;
    }
    res.type('html').send(loginPage({ csrf: ctx.csrf, tokenConfigured: Boolean(settings.token) }));
  });

  router.post('/login', form, csrf, async (req, res) => {
    const ctx = ctxOf(res);
    const address = (deps.clientAddress ? deps.clientAddress(req) : req.socket.remoteAddress) ?? 'unknown';
    let attempts = 0;
    try {
      attempts = await deps.kv.increment(
        `console:login:${deps.hashId(`login:${address}`)}:${Math.floor(clock() / 60_000)}`,
        60_000,
      );
    } catch (err) {
      logger.warn({ err: String(err) }, 'console: login attempt counter unavailable');
    }
    if (attempts > MAX_LOGIN_ATTEMPTS_PER_MINUTE) {
      res
        .status(429)
        .type('html')
        .send(
          loginPage({
            csrf: ctx.csrf,
            tokenConfigured: Boolean(settings.token),
            error: 'Too many attempts. Wait a minute and try again.',
          }),
        );
      return;
    }
    if (!tokenMatches(settings, field(req, 'token'))) {
      logger.info({ address }, 'console: login refused (wrong token)');
      res
        .status(401)
        .type('html')
        .send(
          loginPage({ csrf: ctx.csrf, tokenConfigured: Boolean(settings.token), error: 'That token is not right.' }),
        );
      return;
    }
    // A new session id at login: a session planted before login (fixation) is worth nothing after it.
    setSession(res, ctx, newSession(clock(), 'token'));
    res.redirect(303, `${CONSOLE_PATH}/chat`);
  });

  router.post('/logout', form, csrf, (_req, res) => {
    const ctx = ctxOf(res);
    setSession(res, ctx, newSession(clock()));
    res.redirect(303, `${CONSOLE_PATH}/login`);
  });

  // Everything below needs an identity: 401 with the login form (or the "ask the operator" page).
  router.use((req, res, next) => {
    const ctx = ctxOf(res);
    if (ctx.identity) {
      next();
      return;
    }
    if (req.method === 'GET' || req.method === 'HEAD') {
      res
        .status(401)
        .type('html')
        .send(loginPage({ csrf: ctx.csrf, tokenConfigured: Boolean(settings.token) }));
    } else {
      res.status(401).type('text/plain').send('Log in first.');
    }
  });

  router.get('/', (_req, res) => res.redirect(303, `${CONSOLE_PATH}/chat`));

  router.get('/chat', async (_req, res) => {
    const ctx = ctxOf(res);
    const transcript = await readTranscript(ctx.session.sid);
    res.type('html').send(chatPage(transcript.turns, viewer(ctx)));
  });

  router.post('/chat/new', form, csrf, async (_req, res) => {
    const ctx = ctxOf(res);
    // A new conversation is a new session id: the bot's context and the walkthrough state are per conversation.
    setSession(res, ctx, newSession(clock(), ctx.session.user));
    res.redirect(303, `${CONSOLE_PATH}/chat`);
  });

  router.post('/chat', form, csrf, async (req, res) => {
    const ctx = ctxOf(res);
    const identity = ctx.identity as Identity;
    const transcript = await readTranscript(ctx.session.sid);
    const base = {
      user: { platform: 'console' as const, id: identity.user },
      conversation: { platform: 'console' as const, id: ctx.session.sid, isDirect: true },
    };
    const text = field(req, TEXT_FIELD)?.trim();
    const choice = field(req, CHOICE_FIELD);
    let inbound: Inbound;
    let you: string;
    if (choice !== undefined) {
      const { actionId, value } = parseJsonObject(choice) ?? {};
      if (typeof actionId !== 'string' || typeof value !== 'string') {
        res.status(400).type('text/plain').send('That button is not one this console made.');
        return;
      }
      const reason = field(req, REASON_FIELD)?.trim().slice(0, MAX_FEEDBACK_REASON_CHARS);
      inbound = { ...base, kind: 'action', actionId, value, ...(reason ? { text: reason } : {}) };
      const rating = actionId === CoreAction.Feedback ? parseFeedbackValue(value)?.rating : undefined;
      you = rating
        ? `${rating === 'up' ? '👍 Helpful' : '👎 Not helpful'}${reason ? `: ${reason}` : ''}`
        : (reason ?? label(transcript, actionId, value) ?? 'Chose an option');
    } else if (text) {
      inbound = { ...base, kind: 'message', text };
      you = text;
    } else {
      res.status(400).type('text/plain').send('Type a message first.');
      return;
    }
    let reply: Reply;
    try {
      reply = await deps.bot.handle(inbound);
    } catch (err) {
      logger.error({ err: String(err) }, 'console: the bot failed');
      reply = {
        kind: 'error',
        blocks: [{ type: 'notice', level: 'error', text: 'Something went wrong on my side. Please try again.' }],
        fallbackText: 'Something went wrong.',
      };
    }
    const turn: Turn = { id: transcript.next, you, reply };
    await writeTranscript(ctx.session.sid, {
      next: transcript.next + 1,
      turns: [...transcript.turns, turn].slice(-MAX_TRANSCRIPT_TURNS),
    });
    if (req.accepts(['html', 'json']) === 'json') res.json({ id: turn.id, html: turnHtml(turn, ctx.csrf) });
    else res.redirect(303, `${CONSOLE_PATH}/chat#turn-${turn.id}`);
  });

  router.get('/entry/:id', (req, res) => {
    const ctx = ctxOf(res);
    const entry = deps.knowledge().get(String(req.params.id));
    if (!entry) {
      res
        .status(404)
        .type('html')
        .send(messagePage('Not found', 'That entry is not in the knowledge base (any more).', viewer(ctx)));
      return;
    }
    res.type('html').send(entryPage(entry, viewer(ctx)));
  });

  // The maintainers' pages show what users typed: maintainers only (MAINTAINERS=console:<user>).
  router.use((_req, res, next) => {
    const ctx = ctxOf(res);
    if (isMaintainer(ctx.identity)) {
      next();
      return;
    }
    res
      .status(403)
      .type('html')
      .send(
        messagePage(
          'Maintainers only',
          `These pages are for the maintainers of the knowledge base. To be one, add console:${ctx.identity?.user ?? ''} to MAINTAINERS.`,
          viewer(ctx),
        ),
      );
  });

  const gaps = async () => knowledgeGaps(await deps.events.list());
  router.get('/gaps', async (_req, res) => {
    res.type('html').send(gapsPage(await gaps(), viewer(ctxOf(res)), clock()));
  });
  router.get('/gaps.json', async (_req, res) => {
    res.setHeader('content-disposition', 'attachment; filename="knowledge-gaps.json"');
    res.json({ groups: await gaps() });
  });
  router.get('/gaps.csv', async (_req, res) => {
    res.setHeader('content-disposition', 'attachment; filename="knowledge-gaps.csv"');
    res.type('text/csv; charset=utf-8').send(gapsToCsv(await gaps()));
  });
  router.get('/gaps/:id/draft.md', async (req, res) => {
    const group = (await gaps()).find((g) => g.id === req.params.id);
    if (!group) {
      res
        .status(404)
        .type('html')
        .send(
          messagePage('Not found', 'That gap is no longer recorded (it may have been purged).', viewer(ctxOf(res))),
        );
      return;
    }
    res.setHeader('content-disposition', `attachment; filename="draft-${group.id}.md"`);
    res.type('text/markdown; charset=utf-8').send(draftEntry(group));
  });

  const usage = async () => {
    const events = await deps.events.list();
    const kb = deps.knowledge();
    return { usage: usageStats(events, clock()), entries: entryUsage(events, kb.entries) };
  };
  router.get('/usage', async (_req, res) => {
    const { usage: stats, entries } = await usage();
    const last = deps.lastReload?.();
    res
      .type('html')
      .send(
        usagePage(
          stats,
          entries,
          { entries: deps.knowledge().entries.length, ...(last ? { lastReload: last } : {}) },
          viewer(ctxOf(res)),
        ),
      );
  });
  router.get('/usage.json', async (_req, res) => {
    res.setHeader('content-disposition', 'attachment; filename="usage.json"');
    res.json(await usage());
  });

  // Body too large, malformed form: a clear status, never a stack trace.
  router.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    const status = (err as { status?: number }).status ?? 500;
    if (status >= 500) logger.error({ err: String(err) }, 'console: request failed');
    res
      .status(status)
      .type('text/plain')
      .send(status === 413 ? 'Too large.' : status < 500 ? 'Bad request.' : 'Something went wrong.');
  });

  return {
    name: 'console',
    mount(app) {
      app.use(CONSOLE_PATH, router);
    },
    status: () => ({ state: 'ready' }),
  };
}
