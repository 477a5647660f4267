// Bot Framework authentication for the Teams endpoint
// (learn.microsoft.com/azure/bot-service/rest-api/bot-framework-rest-connector-authentication).
//
// Facts this file relies on:
// - The Bot Connector signs every request with a JWT: issuer `https://api.botframework.com`, audience = the bot's
//   Microsoft App ID, keys from the JWKS named by https://login.botframework.com/v1/.well-known/openidconfiguration,
//   plus a `serviceurl` claim that must equal the activity's serviceUrl. botbuilder checks all of that.
// - botbuilder treats an EMPTY app id as "authentication disabled" and accepts any request (or none) — right for
//   the Bot Framework Emulator on loopback, wrong anywhere else. So this module refuses that mode unless
//   TEAMS_ALLOW_UNAUTHENTICATED is set and HOST is loopback; the HTTP layer answers 401 before botbuilder runs.
// - Outgoing replies use a token from Entra ID (login.microsoftonline.com/<tenant>) for the same app id.
import { ConfigurationBotFrameworkAuthentication } from 'botbuilder';
import { type Config, isLoopbackHost } from '../../src/config.ts';
import { ConfigError } from '../../src/errors.ts';

/** Outbound credentials (botbuilder's ServiceClientCredentialsFactory), replaceable in tests. */
export type CredentialsFactory = NonNullable<ConstructorParameters<typeof ConfigurationBotFrameworkAuthentication>[1]>;

export type TeamsAuthMode =
  /** MICROSOFT_APP_ID set: every request must carry a valid Bot Connector token. */
  | 'jwt'
  /** No app id, TEAMS_ALLOW_UNAUTHENTICATED on a loopback HOST: the Bot Framework Emulator. */
  | 'unauthenticated-loopback'
  /** No app id and no flag: the endpoint answers 401 to everything. */
  | 'disabled';

/** Decides the mode, refusing unsafe configuration (defence in depth: loadConfig checks this too). */
export function teamsAuthMode(config: Pick<Config, 'host' | 'teams'>): TeamsAuthMode {
  const { teams } = config;
  if (teams.allowUnauthenticated && !isLoopbackHost(config.host)) {
    throw new ConfigError([
      `TEAMS_ALLOW_UNAUTHENTICATED: only allowed when HOST is a loopback address (127.0.0.1, ::1, localhost), not ${config.host}. ` +
        'Set HOST=127.0.0.1 for the Bot Framework Emulator, or set MICROSOFT_APP_ID and MICROSOFT_APP_PASSWORD.',
    ]);
  }
  if (teams.appId) {
    const problems: string[] = [];
    if (!teams.appPassword)
      problems.push('MICROSOFT_APP_PASSWORD: required with MICROSOFT_APP_ID (client secret of the Azure Bot app)');
    if (teams.appType === 'SingleTenant' && !teams.tenantId) {
      problems.push('MICROSOFT_APP_TENANT_ID: required for a SingleTenant app (or set MICROSOFT_APP_TYPE=MultiTenant)');
    }
    if (problems.length) throw new ConfigError(problems);
    return 'jwt';
  }
  return teams.allowUnauthenticated ? 'unauthenticated-loopback' : 'disabled';
}

export function createBotFrameworkAuthentication(
  teams: Config['teams'],
  credentialsFactory?: CredentialsFactory,
): ConfigurationBotFrameworkAuthentication {
  const settings = teams.appId
    ? {
        MicrosoftAppId: teams.appId,
        MicrosoftAppPassword: teams.appPassword ?? '',
        MicrosoftAppTenantId: teams.tenantId ?? '',
        MicrosoftAppType: teams.appType,
      }
    : // Emulator mode: an empty app id is only valid as MultiTenant in botbuilder's configuration checks.
      { MicrosoftAppId: '', MicrosoftAppPassword: '', MicrosoftAppTenantId: '', MicrosoftAppType: 'MultiTenant' };
  try {
    return new ConfigurationBotFrameworkAuthentication(settings, credentialsFactory);
  } catch (err) {
    throw new ConfigError([`Teams authentication: ${err instanceof Error ? err.message : String(err)}`]);
  }
}

/**
 * What a failed authentication answers. botbuilder throws its AuthenticationError (with `statusCode`) for most
 * problems, but a bad signature surfaces as jsonwebtoken's JsonWebTokenError (no status): everything that is not
 * a server-side failure is the caller's fault → 401. Server-side (→ 503 "teams authentication unavailable"): the
 * OpenID metadata or its keys answered an error (AuthenticationError, statusCode 500); the key server could not be
 * reached at all or sent garbage (node-fetch's FetchError, `type` "system" or "invalid-json", no statusCode); our
 * own deadline passed (AuthTimeoutError).
 */
export function authenticationFailureStatus(err: unknown): 401 | 503 {
  if (typeof err !== 'object' || err === null) return 401;
  const e = err as { statusCode?: unknown; name?: unknown };
  if (typeof e.statusCode === 'number') return e.statusCode >= 500 ? 503 : 401;
  return e.name === 'FetchError' || e.name === AUTH_TIMEOUT_ERROR ? 503 : 401;
}

const AUTH_TIMEOUT_ERROR = 'AuthTimeoutError';

/**
 * Rejects with an AuthTimeoutError when `auth` takes longer than `timeoutMs`: botbuilder fetches the OpenID
 * metadata without a timeout, so a hanging key server would otherwise hold every Teams request open.
 */
export function withAuthDeadline<T>(auth: Promise<T>, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const err = new Error(`Bot Framework authentication took longer than ${timeoutMs} ms`);
      err.name = AUTH_TIMEOUT_ERROR;
      reject(err);
    }, timeoutMs);
  });
  return Promise.race([auth, deadline]).finally(() => clearTimeout(timer));
}
