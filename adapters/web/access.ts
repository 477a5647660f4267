// Who may use the web console, and the session and CSRF tokens that go with it. No express here: plain functions
// of the request's address, headers and cookie, so the rules are tested without a server.
//
// The rules (README "Web console"):
// - Loopback (127.0.0.0/8, ::1) gets in without a token: the person at the machine started the bot. Not when a
//   request carries X-Forwarded-For / Forwarded (a reverse proxy on the same host would otherwise open the console
//   to everyone behind it), and not when CONSOLE_TRUSTED_PROXY is set (then the proxy decides who is who).
// - CONSOLE_TOKEN: the login form exchanges the token for a session cookie (HttpOnly, SameSite=Strict, Secure on
//   HTTPS). Everyone with the token is the one user `token` (list `console:token` in MAINTAINERS to make token
//   holders maintainers; use an SSO proxy for per-person identities).
// - CONSOLE_TRUSTED_PROXY: requests from those addresses carrying the user header are that user.
// Cookie values and CSRF tokens are HMAC-SHA256 signed with a key derived from the deployment's user-hash salt,
// so sessions survive restarts and work across replicas that share the state store.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';
import { MAX_USER_NAME_CHARS, SESSION_TTL_MS } from './limits.ts';

export const SESSION_COOKIE = 'mg_console';

export interface AccessSettings {
  token: string | undefined;
  trustedProxies: readonly string[];
  userHeader: string;
  /** Secret for signing cookies and CSRF tokens. */
  key: string;
}

export interface Session {
  /** Random id: the web conversation, its transcript, the CSRF token. */
  sid: string;
  /** Set after a token login. */
  user?: string;
  /** Expiry (ms). */
  exp: number;
}

export type Identity =
  | { kind: 'local'; user: 'local' }
  | { kind: 'token'; user: 'token' }
  | { kind: 'proxy'; user: string };

export interface RequestFacts {
  /** The TCP peer's address (req.socket.remoteAddress). */
  remoteAddress: string | undefined;
  headers: Record<string, string | string[] | undefined>;
}

const plainAddress = (address: string): string => address.replace(/^::ffff:/, '').toLowerCase();

export function isLoopbackAddress(address: string | undefined): boolean {
  if (!address) return false;
  const a = plainAddress(address);
  if (isIP(a) === 4) return a.startsWith('127.');
  return a === '::1';
}

const header = (facts: RequestFacts, name: string): string | undefined => {
  const v = facts.headers[name];
  return Array.isArray(v) ? v[0] : v;
};

function sign(key: string, data: string): string {
  return createHmac('sha256', key).update(data).digest('base64url');
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export function newSession(now: number, user?: string): Session {
  return { sid: randomBytes(18).toString('base64url'), exp: now + SESSION_TTL_MS, ...(user ? { user } : {}) };
}

export function encodeSession(key: string, session: Session): string {
  const body = Buffer.from(JSON.stringify(session)).toString('base64url');
  return `${body}.${sign(key, `session:${body}`)}`;
}

/** The session in a cookie value, or undefined when it is missing, forged, malformed or expired. */
export function decodeSession(key: string, value: string | undefined, now: number): Session | undefined {
  if (!value) return undefined;
  const [body, mac, extra] = value.split('.');
  if (!body || !mac || extra !== undefined || !sameText(mac, sign(key, `session:${body}`))) return undefined;
  try {
    const parsed = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as Partial<Session>;
    if (typeof parsed.sid !== 'string' || typeof parsed.exp !== 'number' || parsed.exp <= now) return undefined;
    if (parsed.user !== undefined && typeof parsed.user !== 'string') return undefined;
    return { sid: parsed.sid, exp: parsed.exp, ...(parsed.user ? { user: parsed.user } : {}) };
  } catch {
    return undefined; // a correctly signed but unreadable body cannot happen unless the key leaked; refuse it
  }
}

export function csrfToken(key: string, session: Session): string {
  return sign(key, `csrf:${session.sid}`);
}

export function validCsrf(key: string, session: Session | undefined, token: string | undefined): boolean {
  return Boolean(session && token && sameText(token, csrfToken(key, session)));
}

export function tokenMatches(settings: AccessSettings, given: string | undefined): boolean {
  if (!settings.token || !given) return false;
  // Compared as HMACs so the comparison takes the same time whatever the lengths.
  return sameText(sign(settings.key, `token:${given}`), sign(settings.key, `token:${settings.token}`));
}

/** Cookie header → name/value pairs (RFC 6265 §5.2, values URI-decoded when possible). */
export function parseCookies(cookieHeader: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (cookieHeader ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    const name = part.slice(0, eq).trim();
    const raw = part.slice(eq + 1).trim();
    try {
      out[name] = decodeURIComponent(raw);
    } catch {
      out[name] = raw;
    }
  }
  return out;
}

export function sessionCookie(value: string, options: { secure: boolean; maxAgeMs: number }): string {
  const parts = [
    `${SESSION_COOKIE}=${value}`,
    'Path=/console',
    'HttpOnly',
    'SameSite=Strict',
    `Max-Age=${Math.max(0, Math.floor(options.maxAgeMs / 1000))}`,
  ];
  if (options.secure) parts.push('Secure');
  return parts.join('; ');
}

/** Whether the request came through a reverse proxy (which then is not "the person at the machine"). */
function forwarded(facts: RequestFacts): boolean {
  return header(facts, 'x-forwarded-for') !== undefined || header(facts, 'forwarded') !== undefined;
}

/** The user name the trusted proxy sent, cleaned (control characters out, length capped), or undefined. */
function proxyUser(settings: AccessSettings, facts: RequestFacts): string | undefined {
  if (settings.trustedProxies.length === 0 || !facts.remoteAddress) return undefined;
  const from = plainAddress(facts.remoteAddress);
  if (!settings.trustedProxies.some((p) => plainAddress(p) === from)) return undefined;
  const name = header(facts, settings.userHeader)
    ?.replace(/\p{Cc}/gu, '')
    .trim()
    .slice(0, MAX_USER_NAME_CHARS);
  return name || undefined;
}

/** Who the request is from, or undefined (401: log in, or go through the SSO proxy). */
export function identify(
  settings: AccessSettings,
  facts: RequestFacts,
  session: Session | undefined,
): Identity | undefined {
  const proxied = proxyUser(settings, facts);
  if (proxied) return { kind: 'proxy', user: proxied };
  if (session?.user === 'token' && settings.token) return { kind: 'token', user: 'token' };
  if (settings.trustedProxies.length === 0 && !forwarded(facts) && isLoopbackAddress(facts.remoteAddress)) {
    return { kind: 'local', user: 'local' };
  }
  return undefined;
}
