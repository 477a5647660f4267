// The composition root: builds the stores, the knowledge runtime (knowledge + index + answerer + walkthrough
// definitions), the walkthrough service and the bot from a validated Config. The CLI (ask, chat, serve) and
// the tests use it; nothing else wires collaborators together.
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { answerToReply, createAnswerer, createChatModel } from './answer/index.ts';
import type { Clock, Logger } from './base/index.ts';
import { silentLogger } from './base/index.ts';
import type { Config } from './config.ts';
import { type BotObserver, createBot, hashUserId, type KnowledgeRuntime, type ReloadResult } from './core/bot.ts';
import { createRuntimeHolder, type RuntimeHolder } from './core/runtime.ts';
import type { Bot } from './core/types.ts';
import { ErrorCode, MlopsGuideError } from './errors.ts';
import { createWalkthroughs, loadWalkthroughs } from './flows/index.ts';
import type { FlowKey, Walkthroughs } from './flows/types.ts';
import { loadKnowledge } from './knowledge/load.ts';
import { loadOrBuildIndex } from './retrieval/index.ts';
import { createMemoryEventStore } from './store/events-memory.ts';
import { createSqliteEventStore } from './store/events-sqlite.ts';
import { formatGaps, knowledgeGaps } from './store/gaps.ts';
import { createMemoryKeyValueStore } from './store/kv-memory.ts';
import { createSqliteKeyValueStore } from './store/kv-sqlite.ts';
import { formatStats, usageStats } from './store/stats.ts';
import type { EventStore, KeyValueStore } from './store/types.ts';

export interface AppRuntime extends KnowledgeRuntime {
  walkthroughs: Walkthroughs;
}

export interface App {
  config: Config;
  bot: Bot;
  runtime: RuntimeHolder<AppRuntime>;
  kv: KeyValueStore;
  events: EventStore;
  logger: Logger;
  /** Salted hash of a platform id, for adapters' store keys (no raw Slack/Teams id is ever a key). */
  hashId(platform: string, id: string): string;
  close(): Promise<void>;
}

export interface AppOptions {
  logger?: Logger;
  clock?: Clock;
  /** `sqlite` (default: state survives restarts, in DATA_DIR), `memory` (tests, one-shot `ask`). */
  storage?: 'sqlite' | 'memory';
  /** Override stores (e.g. Redis for scale-out, fakes in tests). */
  kv?: KeyValueStore;
  events?: EventStore;
  observer?: BotObserver;
  /** Called after every reload (metrics). */
  onReload?: (result: ReloadResult) => void;
}

export async function buildRuntime(
  config: Config,
  deps: { kv: KeyValueStore; events: EventStore; logger: Logger; clock: Clock; salt: string },
): Promise<AppRuntime> {
  const kb = await loadKnowledge(config.knowledgeDir);
  const definitions = await loadWalkthroughs(join(config.knowledgeDir, 'walkthroughs'));
  const retriever = await loadOrBuildIndex(kb, config, deps.logger);
  const llm = config.llm.provider === 'none' ? undefined : await createChatModel(config, deps.logger);
  const answerer = createAnswerer({ kb, retriever, llm, logger: deps.logger, clock: deps.clock });
  const walkthroughs = createWalkthroughs({
    definitions,
    store: deps.kv,
    knowledge: () => kb,
    events: deps.events,
    hashUser: (platformUserId: string) => {
      const [platform = '', ...rest] = platformUserId.split(':');
      return hashUserId(deps.salt, platform, rest.join(':'));
    },
    hashKey: (ids: string) => hashUserId(deps.salt, 'flow', ids),
    clock: deps.clock,
    ttlMs: config.conversationTtlMs,
    logger: deps.logger,
  });
  return { kb, answerer, walkthroughs };
}

const SALT_KEY = 'config:user-hash-salt';
const SALT_LIFETIME_MS = 100 * 365 * 86_400_000;

/**
 * Without USER_HASH_SALT the salt for hashing user ids is random, made once and kept in the state store: secret
 * by default, stable across restarts, and shared by replicas through Redis. (First writer wins.)
 */
async function storedSalt(kv: KeyValueStore): Promise<string> {
  await kv.setIfAbsent(SALT_KEY, randomBytes(32).toString('hex'), SALT_LIFETIME_MS);
  const salt = await kv.get<string>(SALT_KEY);
  if (!salt)
    throw new MlopsGuideError(ErrorCode.StoreUnavailable, 'could not read the user-id salt from the state store');
  return salt;
}

/** Forwards to the walkthroughs of the runtime in service, so a reload swaps definitions too. */
function currentWalkthroughs(runtime: () => AppRuntime): Walkthroughs {
  return {
    ids: () => runtime().walkthroughs.ids(),
    start: (key: FlowKey, flowId: string, text?: string) => runtime().walkthroughs.start(key, flowId, text),
    ownsAction: (actionId: string) => runtime().walkthroughs.ownsAction(actionId),
    onAction: (key: FlowKey, actionId: string, value: string) => runtime().walkthroughs.onAction(key, actionId, value),
    onText: (key: FlowKey, text: string) => runtime().walkthroughs.onText(key, text),
  };
}

export async function createApp(config: Config, options: AppOptions = {}): Promise<App> {
  const logger = options.logger ?? silentLogger;
  const clock = options.clock ?? Date.now;
  const storage = options.storage ?? 'sqlite';
  const kv =
    options.kv ??
    (storage === 'sqlite'
      ? createSqliteKeyValueStore(join(config.dataDir, 'state', 'state.sqlite'), clock)
      : createMemoryKeyValueStore(clock));
  const events =
    options.events ??
    (storage === 'sqlite'
      ? createSqliteEventStore(join(config.dataDir, 'state', 'events.sqlite'))
      : createMemoryEventStore(clock));

  const salt = config.userHashSalt ?? (await storedSalt(kv));
  const initial = await buildRuntime(config, { kv, events, logger, clock, salt });
  const runtime = createRuntimeHolder<AppRuntime>(
    initial,
    () => buildRuntime(config, { kv, events, logger, clock, salt }),
    {
      logger,
      clock,
      ...(options.onReload ? { onReload: options.onReload } : {}),
    },
  );

  const bot = createBot({
    knowledge: runtime.current,
    answerToReply,
    walkthroughs: currentWalkthroughs(runtime.current),
    events,
    kv,
    settings: {
      maintainers: config.maintainers,
      storeQuestionText: config.storeQuestionText,
      rateLimitPerMinute: config.rateLimitPerMinute,
      userHashSalt: salt,
      logMessageText: config.logMessageText,
      conversationTtlMs: config.conversationTtlMs,
    },
    reload: (): Promise<ReloadResult> => runtime.reload(),
    reports: {
      stats: async () => formatStats(usageStats(await events.list(), clock())),
      gaps: async () => formatGaps(knowledgeGaps(await events.list())),
    },
    ...(options.observer ? { observer: options.observer } : {}),
    logger,
    clock,
  });

  return {
    config,
    bot,
    runtime,
    kv,
    events,
    logger,
    hashId: (platform, id) => hashUserId(salt, platform, id),
    async close() {
      await Promise.allSettled([kv.close(), events.close()]);
    },
  };
}
