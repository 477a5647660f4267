// Configuration: the only module that reads the environment. Validated once with zod; every problem is
// listed with its remedy. Pass `env` explicitly in tests.
import { isIP } from 'node:net';
import { resolve } from 'node:path';
import { z } from 'zod';
import type { Platform, UserRef } from './core/inbound.ts';
import { ConfigError } from './errors.ts';

const bool = (fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no', ''])
    .optional()
    .transform((v) => (v === undefined || v === '' ? fallback : v === 'true' || v === '1' || v === 'yes'));
const int = (fallback: number, min: number, max: number) =>
  z.coerce.number().int().min(min).max(max).optional().default(fallback);
const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim()));
const optionalUrl = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim()))
  .pipe(z.url().optional());

const envSchema = z.object({
  KNOWLEDGE_DIR: z.string().default('knowledge'),
  DATA_DIR: z.string().default('data'),
  PORT: int(3978, 0, 65535),
  HOST: z.string().default('0.0.0.0'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Log message text (questions) too. Off by default: logs carry ids, timings and codes only. */
  LOG_MESSAGE_TEXT: bool(false),

  EMBEDDINGS_PROVIDER: z.enum(['local', 'openai', 'ollama']).default('local'),
  EMBEDDINGS_BASE_URL: optionalUrl,
  EMBEDDINGS_MODEL: optionalString,
  EMBEDDINGS_API_KEY: optionalString,
  /** A question waits for its embedding: past this the bot ranks lexically rather than hang (remote providers). */
  EMBEDDINGS_TIMEOUT_MS: int(10_000, 100, 600_000),

  LLM_PROVIDER: z.enum(['none', 'openai', 'ollama']).default('none'),
  LLM_BASE_URL: optionalUrl,
  LLM_MODEL: optionalString,
  LLM_API_KEY: optionalString,
  LLM_TIMEOUT_MS: int(15_000, 100, 600_000),

  SLACK_BOT_TOKEN: optionalString,
  SLACK_SIGNING_SECRET: optionalString,
  SLACK_APP_TOKEN: optionalString,
  SLACK_API_URL: optionalUrl,
  /** Slack work waiting for a worker (answers run after the ack); beyond this the user is told "busy". */
  SLACK_QUEUE_MAX_JOBS: int(1000, 1, 1_000_000),
  /** Slack work that waited longer than this is answered "busy" instead (an answer minutes late helps nobody). */
  SLACK_QUEUE_MAX_WAIT_MS: int(30_000, 100, 3_600_000),
  /**
   * When the main thread's event loop lags more than this (ms, a moving average), new Slack mentions and DMs are
   * answered "busy" at once, before Bolt and without store writes, so acks stay fast under overload. 0 = off.
   */
  SLACK_SHED_LAG_MS: int(50, 0, 60_000),
  /**
   * Worker threads that answer questions (`serve`), so the main thread only reads, acks and posts. 0 answers on the
   * main thread as before. Default 1: on 2 cores the main thread (HTTP, Slack and Teams calls, stores) needs one
   * core and answering the other; more workers than cores minus one take CPU from the acks.
   */
  ANSWER_WORKERS: int(0, 0, 64),
  /** Slack's AI-app surface (assistant threads, suggested prompts, status); needs manifest-ai-app.yaml. */
  SLACK_ASSISTANT: bool(false),
  /**
   * Where "Ask an expert" posts a question the bot could not answer: a Slack channel id (C…/G…) and a Teams channel
   * conversation id (19:…@thread.tacv2). Unset: no button on that platform.
   */
  EXPERT_CHANNEL_SLACK: optionalString,
  EXPERT_CHANNEL_TEAMS: optionalString,
  /** How users are told where their question went, e.g. `#mlops-experts`. */
  EXPERT_CHANNEL_NAME: optionalString,
  /** Outbound proxy for Slack's Web API and Socket Mode (Teams' SDK reads these variables itself). */
  HTTPS_PROXY: optionalString,
  https_proxy: optionalString,
  HTTP_PROXY: optionalString,
  http_proxy: optionalString,
  NO_PROXY: optionalString,
  no_proxy: optionalString,

  /** Whole request (headers and body) must arrive within this; Node's default is 300 s. */
  HTTP_REQUEST_TIMEOUT_MS: int(30_000, 1000, 600_000),
  /** Request headers must arrive within this. */
  HTTP_HEADERS_TIMEOUT_MS: int(10_000, 1000, 600_000),
  /** An idle keep-alive connection is closed after this; behind a load balancer set it above the LB's idle timeout. */
  HTTP_KEEP_ALIVE_TIMEOUT_MS: int(5000, 0, 600_000),
  /** Open connections at once; further ones are closed at once. */
  HTTP_MAX_CONNECTIONS: int(1000, 1, 1_000_000),
  /**
   * On SIGTERM, in-flight work (Slack answers, Teams turns) may finish within this; what is left is abandoned
   * (logged, counted) and the stores close. Keep it below the orchestrator's grace period (Kubernetes: 30 s).
   */
  SHUTDOWN_DRAIN_MS: int(10_000, 0, 600_000),

  MICROSOFT_APP_ID: optionalString,
  MICROSOFT_APP_PASSWORD: optionalString,
  MICROSOFT_APP_TENANT_ID: optionalString,
  MICROSOFT_APP_TYPE: z.enum(['SingleTenant', 'MultiTenant']).default('SingleTenant'),
  TEAMS_ALLOW_UNAUTHENTICATED: bool(false),
  /** Deadline of each Bot Connector call (sending, updating a reply; botbuilder sets none). */
  TEAMS_CONNECTOR_TIMEOUT_MS: int(15_000, 100, 600_000),
  /** Deadline of each Slack Web API call (chat.postMessage, views.open, …); Slack's client then retries or fails. */
  SLACK_API_TIMEOUT_MS: int(10_000, 100, 600_000),

  /** Walkthrough state lifetime. */
  CONVERSATION_TTL_HOURS: z.coerce
    .number()
    .positive()
    .max(24 * 90)
    .optional()
    .default(24),
  REDIS_URL: optionalString,
  /** Prefix of every Redis key, so two deployments (or other applications) can share one Redis. */
  REDIS_PREFIX: z.string().default('mlops-guide:'),
  /** A Redis command failing after this makes the store unavailable (a clear message, /readyz 503), not a hang. */
  REDIS_COMMAND_TIMEOUT_MS: int(2000, 50, 60_000),
  /** Comma-separated `platform:userId` pairs allowed to run admin commands. */
  MAINTAINERS: z.string().default(''),
  STORE_QUESTION_TEXT: bool(true),
  RETENTION_DAYS: int(90, 1, 3650),
  /** Messages per user per minute; 0 turns the limit off. */
  RATE_LIMIT_PER_MINUTE: int(30, 0, 100_000),
  /** Watch KNOWLEDGE_DIR and reload on change (server only). */
  KNOWLEDGE_WATCH: bool(true),
  /** Salt for hashing user ids in stored records. */
  USER_HASH_SALT: optionalString,

  /** The web console at /console (web chat, maintainers' pages). Off unless set. */
  CONSOLE_ENABLED: bool(false),
  /** Shared token for the console login form; without it (and without a trusted proxy) only loopback gets in. */
  CONSOLE_TOKEN: optionalString,
  /** Comma-separated addresses of an SSO reverse proxy whose user header is trusted (nobody else's is). */
  CONSOLE_TRUSTED_PROXY: optionalString,
  /** The header carrying the signed-in user's name from that proxy. */
  CONSOLE_USER_HEADER: z
    .string()
    .default('x-forwarded-user')
    .transform((v) => v.trim().toLowerCase()),
});

export type Env = Record<string, string | undefined>;

export interface Config {
  knowledgeDir: string;
  dataDir: string;
  port: number;
  host: string;
  logLevel: z.infer<typeof envSchema>['LOG_LEVEL'];
  logMessageText: boolean;
  embeddings: {
    provider: 'local' | 'openai' | 'ollama';
    baseUrl: string | undefined;
    model: string | undefined;
    apiKey: string | undefined;
    timeoutMs: number;
  };
  llm: {
    provider: 'none' | 'openai' | 'ollama';
    baseUrl: string | undefined;
    model: string | undefined;
    apiKey: string | undefined;
    timeoutMs: number;
  };
  slack:
    | { mode: 'http'; botToken: string; signingSecret: string; apiUrl: string | undefined }
    | {
        mode: 'socket';
        botToken: string;
        appToken: string;
        signingSecret: string | undefined;
        apiUrl: string | undefined;
      }
    | undefined;
  /** shedLagMs: SLACK_SHED_LAG_MS (0 = shed only when the queue is full). */
  slackQueue: { maxJobs: number; maxWaitMs: number; shedLagMs: number };
  /** ANSWER_WORKERS: answer threads for `serve` (0 = on the main thread; ignored with an LLM, which stays there). */
  answerWorkers: number;
  /** Deadline of each Slack Web API call (SLACK_API_TIMEOUT_MS). */
  slackApiTimeoutMs: number;
  /** SLACK_ASSISTANT: answer in Slack's assistant threads (suggested prompts, status while answering). */
  slackAssistant: boolean;
  /** "Ask an expert": the channel per platform (absent = no button there) and how users are told its name. */
  experts: { slack?: string; teams?: string; name: string };
  /** Outbound proxy (HTTPS_PROXY / HTTP_PROXY / NO_PROXY, upper or lower case); undefined = direct. */
  proxy: { httpsProxy?: string; httpProxy?: string; noProxy?: string } | undefined;
  http: { requestTimeoutMs: number; headersTimeoutMs: number; keepAliveTimeoutMs: number; maxConnections: number };
  /** How long a graceful stop waits for in-flight work before abandoning it. */
  shutdownDrainMs: number;
  teams: {
    appId: string | undefined;
    appPassword: string | undefined;
    tenantId: string | undefined;
    appType: 'SingleTenant' | 'MultiTenant';
    allowUnauthenticated: boolean;
    /** Deadline of each Bot Connector call (TEAMS_CONNECTOR_TIMEOUT_MS). */
    connectorTimeoutMs: number;
  };
  conversationTtlMs: number;
  redisUrl: string | undefined;
  redis: { prefix: string; commandTimeoutMs: number };
  /** MAINTAINERS, parsed: each `platform:userId` pair as a value (the id may hold colons: `teams:29:abc`). */
  maintainers: readonly UserRef[];
  storeQuestionText: boolean;
  retentionDays: number;
  rateLimitPerMinute: number;
  knowledgeWatch: boolean;
  /** undefined: a random salt is generated once and kept in the state store (see app.ts). */
  userHashSalt: string | undefined;
  console: {
    enabled: boolean;
    /** Login token (a shared secret); undefined: no login form, only loopback and the trusted proxy get in. */
    token: string | undefined;
    /** Addresses of the SSO reverse proxy (empty: no header is trusted). */
    trustedProxies: string[];
    userHeader: string;
  };
}

export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost') return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  if (isIP(h) === 6) return h === '::1';
  return false;
}

type ParsedEnv = z.infer<typeof envSchema>;
type EnvKey = keyof ParsedEnv;

/** What to write instead of a bad value, read from the variable's schema (the default always works: unset it). */
function fixFor(key: EnvKey, fallback: unknown): string {
  // Unwrap default/optional/pipe down to the number or the enum the value must be.
  let field = envSchema.shape[key] as unknown as { def: Record<string, unknown> } & Record<string, unknown>;
  for (let i = 0; i < 5 && ['default', 'optional', 'pipe'].includes(String(field.def.type)); i++) {
    field = (field.def.innerType ?? field.def.in) as typeof field;
  }
  let kind = key.endsWith('_URL') ? 'a URL (e.g. http://host:port)' : 'a valid value';
  if (field.def.type === 'number') {
    const integer = field.isInt === true;
    const lo = field.minValue as number | null;
    const hi = field.maxValue as number | null;
    const noun = integer ? 'a whole number' : 'a number';
    kind = Number.isFinite(lo) && Number.isFinite(hi) ? `${noun} from ${lo} to ${hi}` : noun;
  } else if (field.def.type === 'enum') {
    const options = Object.values(field.def.entries as Record<string, string>).filter(Boolean);
    kind = options.includes('true') ? 'true or false' : `one of ${options.join(', ')}`;
  }
  const dflt = fallback === undefined || fallback === '' ? '' : ` (${String(fallback)})`;
  return `set ${key} to ${kind}, or remove it to use the default${dflt}`;
}

/**
 * Every variable parsed on its own, so that a bad value never hides the problems after it: the caller adds the
 * checks across variables and reports everything in one round. An empty (or blank) value means "unset" — a `.env`
 * line `PORT=` keeps the default instead of reading as 0.
 */
function parseEnv(env: Env): { values: ParsedEnv; problems: string[] } {
  const problems: string[] = [];
  const values: Record<string, unknown> = {};
  for (const key of Object.keys(envSchema.shape) as EnvKey[]) {
    const field = envSchema.shape[key] as z.ZodType;
    const raw = env[key];
    const given = raw === undefined || raw.trim() === '' ? undefined : raw.trim();
    const parsed = field.safeParse(given);
    if (parsed.success) {
      values[key] = parsed.data;
      continue;
    }
    const fallback = field.safeParse(undefined);
    values[key] = fallback.success ? fallback.data : undefined;
    const reason = parsed.error.issues[0]?.message ?? 'invalid value';
    problems.push(
      `${key}: "${given}" is not valid (${reason}): ${fixFor(key, fallback.success ? fallback.data : undefined)}`,
    );
  }
  return { values: values as ParsedEnv, problems };
}

/** Reads and validates the configuration. Throws ConfigError listing every problem with its remedy. */
export function loadConfig(env: Env = process.env, cwd: string = process.cwd()): Config {
  const { values: e, problems } = parseEnv(env);

  if (e.EMBEDDINGS_PROVIDER !== 'local' && !e.EMBEDDINGS_MODEL) {
    problems.push(
      `EMBEDDINGS_MODEL: required when EMBEDDINGS_PROVIDER=${e.EMBEDDINGS_PROVIDER} (e.g. nomic-embed-text)`,
    );
  }
  if (e.EMBEDDINGS_PROVIDER === 'ollama' && !e.EMBEDDINGS_BASE_URL) {
    problems.push('EMBEDDINGS_BASE_URL: required when EMBEDDINGS_PROVIDER=ollama (e.g. http://ollama:11434/v1)');
  }
  if (e.LLM_PROVIDER !== 'none' && !e.LLM_MODEL) {
    problems.push(`LLM_MODEL: required when LLM_PROVIDER=${e.LLM_PROVIDER} (e.g. gpt-4o-mini or llama3.1)`);
  }
  if (e.LLM_PROVIDER === 'ollama' && !e.LLM_BASE_URL) {
    problems.push('LLM_BASE_URL: required when LLM_PROVIDER=ollama (e.g. http://ollama:11434/v1)');
  }
  if (e.LLM_PROVIDER === 'openai' && !e.LLM_API_KEY && !e.LLM_BASE_URL) {
    problems.push('LLM_API_KEY: required for LLM_PROVIDER=openai unless LLM_BASE_URL points at an on-prem server');
  }

  let slack: Config['slack'];
  if (e.SLACK_APP_TOKEN) {
    if (!e.SLACK_BOT_TOKEN) problems.push('SLACK_BOT_TOKEN: required with SLACK_APP_TOKEN (Socket Mode), xoxb-…');
    if (!e.SLACK_APP_TOKEN.startsWith('xapp-')) problems.push('SLACK_APP_TOKEN: must be an app-level token (xapp-…)');
    if (e.SLACK_BOT_TOKEN) {
      slack = {
        mode: 'socket',
        botToken: e.SLACK_BOT_TOKEN,
        appToken: e.SLACK_APP_TOKEN,
        signingSecret: e.SLACK_SIGNING_SECRET,
        apiUrl: e.SLACK_API_URL,
      };
    }
  } else if (e.SLACK_BOT_TOKEN || e.SLACK_SIGNING_SECRET) {
    if (!e.SLACK_BOT_TOKEN) problems.push('SLACK_BOT_TOKEN: required with SLACK_SIGNING_SECRET (xoxb-…)');
    if (!e.SLACK_SIGNING_SECRET) {
      problems.push('SLACK_SIGNING_SECRET: required with SLACK_BOT_TOKEN (Basic Information page of the Slack app)');
    }
    if (e.SLACK_BOT_TOKEN && e.SLACK_SIGNING_SECRET) {
      slack = {
        mode: 'http',
        botToken: e.SLACK_BOT_TOKEN,
        signingSecret: e.SLACK_SIGNING_SECRET,
        apiUrl: e.SLACK_API_URL,
      };
    }
  }

  if (e.TEAMS_ALLOW_UNAUTHENTICATED && !isLoopbackHost(e.HOST)) {
    problems.push(
      `TEAMS_ALLOW_UNAUTHENTICATED: only allowed when HOST is a loopback address (127.0.0.1, ::1, localhost), not ${e.HOST}. ` +
        'Set HOST=127.0.0.1 for the Bot Framework Emulator, or set MICROSOFT_APP_ID and MICROSOFT_APP_PASSWORD.',
    );
  }
  if (e.MICROSOFT_APP_ID && !e.MICROSOFT_APP_PASSWORD) {
    problems.push('MICROSOFT_APP_PASSWORD: required with MICROSOFT_APP_ID (client secret of the Azure Bot app)');
  }
  if (e.MICROSOFT_APP_ID && e.MICROSOFT_APP_TYPE === 'SingleTenant' && !e.MICROSOFT_APP_TENANT_ID) {
    problems.push('MICROSOFT_APP_TENANT_ID: required for a SingleTenant app (or set MICROSOFT_APP_TYPE=MultiTenant)');
  }

  if (e.HTTP_HEADERS_TIMEOUT_MS > e.HTTP_REQUEST_TIMEOUT_MS) {
    problems.push(
      `HTTP_HEADERS_TIMEOUT_MS: must not exceed HTTP_REQUEST_TIMEOUT_MS (${e.HTTP_REQUEST_TIMEOUT_MS}); the headers are part of the request`,
    );
  }

  if (e.EXPERT_CHANNEL_SLACK && /^#|^[a-z0-9][a-z0-9._-]*$/.test(e.EXPERT_CHANNEL_SLACK)) {
    // A name is not resolved: Slack's names change on rename, and a lookup (conversations.list) needs the
    // channels:read / groups:read scopes the bot does not otherwise ask for. The id never changes.
    const name = e.EXPERT_CHANNEL_SLACK.startsWith('#') ? e.EXPERT_CHANNEL_SLACK : `#${e.EXPERT_CHANNEL_SLACK}`;
    problems.push(
      `EXPERT_CHANNEL_SLACK: "${e.EXPERT_CHANNEL_SLACK}" is a channel name; give the channel's id instead (in Slack: open ${name} → channel details → About → Channel ID, e.g. C0123ABCD) and invite the bot there. Names change when a channel is renamed; ids don't. To tell users the name, set EXPERT_CHANNEL_NAME=${name}`,
    );
  } else if (e.EXPERT_CHANNEL_SLACK && !/^[CG][A-Z0-9]{6,}$/.test(e.EXPERT_CHANNEL_SLACK)) {
    problems.push(
      `EXPERT_CHANNEL_SLACK: "${e.EXPERT_CHANNEL_SLACK}" must be a Slack channel id like C0123ABCD (channel details → About → Channel ID), and the bot must be a member`,
    );
  }
  if (e.EXPERT_CHANNEL_TEAMS && !/^19:[^\s]+@thread\.(tacv2|skype)$/.test(e.EXPERT_CHANNEL_TEAMS)) {
    problems.push(
      `EXPERT_CHANNEL_TEAMS: "${e.EXPERT_CHANNEL_TEAMS}" must be a Teams channel id like 19:abc…@thread.tacv2 (channel → ⋯ → Get link to channel, the part after /channel/, URL-decoded), in a team where the bot is installed`,
    );
  }
  const httpsProxy = e.HTTPS_PROXY ?? e.https_proxy;
  const httpProxy = e.HTTP_PROXY ?? e.http_proxy;
  const noProxy = e.NO_PROXY ?? e.no_proxy;
  for (const [name, value] of [
    ['HTTPS_PROXY', httpsProxy],
    ['HTTP_PROXY', httpProxy],
  ] as const) {
    if (value !== undefined && !URL.canParse(value)) {
      problems.push(`${name}: "${value}" must be a URL like http://proxy.example.com:3128`);
    }
  }

  const maintainers: UserRef[] = [];
  for (const raw of e.MAINTAINERS.split(',')) {
    const id = raw.trim();
    if (!id) continue;
    // The platform is the text before the first colon; the rest is the platform's user id, colons and all.
    const m = /^(slack|teams|cli|console):(.+)$/.exec(id);
    if (!m?.[1] || !m[2]) {
      problems.push(`MAINTAINERS: "${id}" must look like slack:U0123, teams:29:abc or console:alice (platform:userId)`);
    } else if (!maintainers.some((u) => u.platform === m[1] && u.userId === m[2])) {
      maintainers.push({ platform: m[1] as Platform, userId: m[2] });
    }
  }
  if (e.CONSOLE_TOKEN !== undefined && e.CONSOLE_TOKEN.length < 16) {
    problems.push('CONSOLE_TOKEN: must be at least 16 characters (e.g. `openssl rand -hex 24`)');
  }
  const trustedProxies = (e.CONSOLE_TRUSTED_PROXY ?? '')
    .split(',')
    .map((a) => a.trim())
    .filter(Boolean);
  for (const address of trustedProxies) {
    if (!isIP(address.replace(/^::ffff:/, ''))) {
      problems.push(
        `CONSOLE_TRUSTED_PROXY: "${address}" must be an IP address (the proxy's address as this server sees it)`,
      );
    }
  }
  if (!/^[a-z0-9-]+$/.test(e.CONSOLE_USER_HEADER)) {
    problems.push(`CONSOLE_USER_HEADER: "${e.CONSOLE_USER_HEADER}" is not a header name (e.g. x-forwarded-user)`);
  }
  if (problems.length) throw new ConfigError(problems);

  return {
    knowledgeDir: resolve(cwd, e.KNOWLEDGE_DIR),
    dataDir: resolve(cwd, e.DATA_DIR),
    port: e.PORT,
    host: e.HOST,
    logLevel: e.LOG_LEVEL,
    logMessageText: e.LOG_MESSAGE_TEXT,
    embeddings: {
      provider: e.EMBEDDINGS_PROVIDER,
      baseUrl: e.EMBEDDINGS_BASE_URL,
      model: e.EMBEDDINGS_MODEL,
      apiKey: e.EMBEDDINGS_API_KEY,
      timeoutMs: e.EMBEDDINGS_TIMEOUT_MS,
    },
    llm: {
      provider: e.LLM_PROVIDER,
      baseUrl: e.LLM_BASE_URL,
      model: e.LLM_MODEL,
      apiKey: e.LLM_API_KEY,
      timeoutMs: e.LLM_TIMEOUT_MS,
    },
    slack,
    slackQueue: {
      maxJobs: e.SLACK_QUEUE_MAX_JOBS,
      maxWaitMs: e.SLACK_QUEUE_MAX_WAIT_MS,
      shedLagMs: e.SLACK_SHED_LAG_MS,
    },
    answerWorkers: e.ANSWER_WORKERS,
    slackApiTimeoutMs: e.SLACK_API_TIMEOUT_MS,
    slackAssistant: e.SLACK_ASSISTANT,
    experts: {
      ...(e.EXPERT_CHANNEL_SLACK ? { slack: e.EXPERT_CHANNEL_SLACK } : {}),
      ...(e.EXPERT_CHANNEL_TEAMS ? { teams: e.EXPERT_CHANNEL_TEAMS } : {}),
      name: e.EXPERT_CHANNEL_NAME ?? "the MLOps experts' channel",
    },
    proxy:
      httpsProxy || httpProxy
        ? {
            ...(httpsProxy ? { httpsProxy } : {}),
            ...(httpProxy ? { httpProxy } : {}),
            ...(noProxy ? { noProxy } : {}),
          }
        : undefined,
    shutdownDrainMs: e.SHUTDOWN_DRAIN_MS,
    http: {
      requestTimeoutMs: e.HTTP_REQUEST_TIMEOUT_MS,
      headersTimeoutMs: e.HTTP_HEADERS_TIMEOUT_MS,
      keepAliveTimeoutMs: e.HTTP_KEEP_ALIVE_TIMEOUT_MS,
      maxConnections: e.HTTP_MAX_CONNECTIONS,
    },
    teams: {
      appId: e.MICROSOFT_APP_ID,
      appPassword: e.MICROSOFT_APP_PASSWORD,
      tenantId: e.MICROSOFT_APP_TENANT_ID,
      appType: e.MICROSOFT_APP_TYPE,
      allowUnauthenticated: e.TEAMS_ALLOW_UNAUTHENTICATED,
      connectorTimeoutMs: e.TEAMS_CONNECTOR_TIMEOUT_MS,
    },
    // Every stored text obeys RETENTION_DAYS: a conversation kept longer than the retention is cut to it.
    conversationTtlMs: Math.min(e.CONVERSATION_TTL_HOURS * 3_600_000, e.RETENTION_DAYS * 86_400_000),
    redisUrl: e.REDIS_URL,
    redis: { prefix: e.REDIS_PREFIX, commandTimeoutMs: e.REDIS_COMMAND_TIMEOUT_MS },
    maintainers,
    storeQuestionText: e.STORE_QUESTION_TEXT,
    retentionDays: e.RETENTION_DAYS,
    rateLimitPerMinute: e.RATE_LIMIT_PER_MINUTE,
    knowledgeWatch: e.KNOWLEDGE_WATCH,
    userHashSalt: e.USER_HASH_SALT,
    console: {
      enabled: e.CONSOLE_ENABLED,
      token: e.CONSOLE_TOKEN,
      trustedProxies,
      userHeader: e.CONSOLE_USER_HEADER,
    },
  };
}
