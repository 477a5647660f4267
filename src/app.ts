// The composition root: opens the stores (chosen in store/create.ts), builds the knowledge runtime (knowledge + index + answerer + walkthrough
// definitions), the walkthrough service and the bot from a validated Config. The CLI (ask, chat, serve) and
// the tests use it; nothing else wires collaborators together.
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { withIntentPrior } from './answer/answerer.ts';
import { decide } from './answer/decide.ts';
import { answerToReply, createAnswerer, createChatModel } from './answer/index.ts';
import { type AnswerPool, type AnswerPoolObserver, createAnswerPool } from './answer/worker-pool.ts';
import type { Clock, Logger } from './base/index.ts';
import { silentLogger } from './base/index.ts';
import type { Config } from './config.ts';
import { type BotObserver, createBot, hashUserId, type KnowledgeRuntime, type ReloadResult } from './core/bot.ts';
import { createRuntimeHolder, type RuntimeHolder } from './core/runtime.ts';
import type { Bot } from './core/types.ts';
import { ErrorCode, MlopsGuideError } from './errors.ts';
import { createWalkthroughs, loadWalkthroughs } from './flows/index.ts';
import type { ActionInput, FlowKey, Walkthroughs } from './flows/types.ts';
import { loadKnowledge } from './knowledge/load.ts';
import type { KnowledgeBase } from './knowledge/types.ts';
import { buildInWorker, createIndexWorker, type IndexWorker } from './retrieval/build-in-worker.ts';
import { createEmbeddings, type NamedEmbeddings } from './retrieval/embeddings.ts';
import { type LoadedIndex, loadOrBuildIndex, optionalWordVectors, prefetchIndex } from './retrieval/index-store.ts';
import { LocalEmbeddings } from './retrieval/local-embeddings.ts';
import type { WordVectors } from './retrieval/word-vectors.ts';
import { createStores, type Storage } from './store/create.ts';
import { formatGaps, knowledgeGaps } from './store/gaps.ts';
import { formatStats, usageStats } from './store/stats.ts';
import type { EventStore, KeyValueStore } from './store/types.ts';

export interface AppRuntime extends KnowledgeRuntime {
  walkthroughs: Walkthroughs;
}

export interface App {
  config: Config;
  bot: Bot;
  runtime: RuntimeHolder<AppRuntime>;
  /** The answer threads, when ANSWER_WORKERS > 0 (diagnostics, tests). */
  answerPool?: AnswerPool;
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
  /**
   * `configured` (default: Redis when REDIS_URL is set, else SQLite in DATA_DIR; state survives restarts) or
   * `memory` (tests, one-shot `ask`). The choice itself is made in store/create.ts.
   */
  storage?: Storage;
  /** Stores to use instead (fakes in tests). */
  kv?: KeyValueStore;
  events?: EventStore;
  observer?: BotObserver;
  /** Called after every reload (metrics). */
  onReload?: (result: ReloadResult) => void;
  /**
   * Build reloads in a worker thread (default true). False builds them on the main thread as before, which freezes
   * answering for the build: only for measuring the difference (bench/reload.ts).
   */
  reloadOffThread?: boolean;
  /**
   * Worker threads that answer questions (`serve` passes ANSWER_WORKERS; default 0: on this thread, as `ask` and
   * `chat` want). Ignored when an LLM is configured: the LLM path answers on this thread.
   */
  answerWorkers?: number;
  /** Hooks of the answer pool (tests). */
  answerPoolObserver?: AnswerPoolObserver;
}

/** What every runtime shares and a reload need not load again: the embeddings and the offline word vectors. */
export interface RetrievalDeps {
  embeddings: NamedEmbeddings;
  /** null when remote embeddings are configured and the offline vectors are missing (abstain signals degrade). */
  vectors: WordVectors | null;
}

async function loadRetrievalDeps(config: Config, logger: Logger): Promise<RetrievalDeps> {
  const vectors = optionalWordVectors(config, logger);
  if (vectors && config.embeddings.provider === 'local') {
    // The same vectors for the embeddings: loading them a second time would double their memory.
    const local = new LocalEmbeddings(vectors);
    return { embeddings: { id: local.id, embeddings: local }, vectors };
  }
  return { embeddings: await createEmbeddings(config, logger), vectors };
}

interface RuntimeDeps {
  kv: KeyValueStore;
  events: EventStore;
  logger: Logger;
  clock: Clock;
  salt: string;
  retrieval?: RetrievalDeps;
}

/** Loads the knowledge and its index on this thread (start-up, `ask`, tests that want no worker). */
export async function buildRuntime(config: Config, deps: RuntimeDeps): Promise<AppRuntime> {
  // The dense index is read on a pool thread while this one loads the knowledge (used if it matches the knowledge).
  const prefetched = prefetchIndex(config);
  const kb = await loadKnowledge(config.knowledgeDir, { logger: deps.logger, cacheDir: join(config.dataDir, 'cache') });
  const definitions = await loadWalkthroughs(join(config.knowledgeDir, 'walkthroughs'));
  const retriever = await loadOrBuildIndex(kb, config, deps.logger, {
    ...deps.retrieval,
    ...(prefetched ? { prefetched } : {}),
  });
  return assembleRuntime(config, deps, kb, definitions, retriever);
}

/**
 * A reload: the knowledge is parsed, checked and indexed in a worker thread (build-in-worker.ts); this thread only
 * reads the walkthrough definitions (a few small files) and loads the finished index, so questions keep being
 * answered from the runtime in service meanwhile.
 */
export async function buildRuntimeInWorker(
  config: Config,
  deps: RuntimeDeps & { retrieval: RetrievalDeps; worker?: IndexWorker },
): Promise<AppRuntime> {
  // First: a broken walkthrough fails the reload before the expensive part.
  const definitions = await loadWalkthroughs(join(config.knowledgeDir, 'walkthroughs'));
  const { kb, retriever } = await buildInWorker(config.knowledgeDir, config, {
    logger: deps.logger,
    ...deps.retrieval,
    ...(deps.worker ? { worker: deps.worker } : {}),
  });
  return assembleRuntime(config, deps, kb, definitions, retriever);
}

async function assembleRuntime(
  config: Config,
  deps: RuntimeDeps,
  kb: KnowledgeBase,
  definitions: Awaited<ReturnType<typeof loadWalkthroughs>>,
  retriever: LoadedIndex,
): Promise<AppRuntime> {
  const llm = config.llm.provider === 'none' ? undefined : await createChatModel(config, deps.logger);
  const answerer = createAnswerer({ kb, retriever, llm, logger: deps.logger, clock: deps.clock });
  const walkthroughs = createWalkthroughs({
    definitions,
    store: deps.kv,
    knowledge: () => kb,
    events: deps.events,
    hashUser: (user) => hashUserId(deps.salt, user.platform, user.userId),
    hashKey: (ids: string) => hashUserId(deps.salt, 'flow', ids),
    clock: deps.clock,
    ttlMs: config.conversationTtlMs,
    storeTypedText: config.storeQuestionText,
    logger: deps.logger,
    isKnowledgeQuestion: (text) => isKnowledgeQuestion(retriever, text),
  });
  return { kb, answerer, walkthroughs };
}

/**
 * Whether the core would answer `text` from an entry that is not a data set: the same retrieval and the same
 * decision (decide.ts, unchanged) the answerer makes, without composing an answer or calling an LLM. A walkthrough's
 * catalog search uses it so "what is model drift?" typed during the data-owner walkthrough is answered, while
 * "who owns the coating chamber logs?" (a data-set entry wins) stays a search.
 */
async function isKnowledgeQuestion(retriever: LoadedIndex, text: string): Promise<boolean> {
  const r = await retriever.retrieve(text, { k: 6 });
  const stems = new Set(r.analysis.terms.flatMap((t) => [t.stem, ...t.expansions.keys()]));
  const hits = withIntentPrior(r.hits, stems, undefined, text);
  return decide(hits, r.signals).kind === 'answer' && hits[0]?.entry.type !== 'dataset';
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
    onAction: (key: FlowKey, actionId: string, value: string, input?: ActionInput) =>
      runtime().walkthroughs.onAction(key, actionId, value, input),
    onText: (key: FlowKey, text: string) => runtime().walkthroughs.onText(key, text),
  };
}

export async function createApp(config: Config, options: AppOptions = {}): Promise<App> {
  const logger = options.logger ?? silentLogger;
  const clock = options.clock ?? Date.now;
  const { kv, events } = await createStores(config, {
    storage: options.storage ?? 'configured',
    logger,
    clock,
    given: { kv: options.kv, events: options.events },
  });

  const salt = config.userHashSalt ?? (await storedSalt(kv));
  const retrieval = await loadRetrievalDeps(config, logger);
  const worker = createIndexWorker(logger);
  const deps = { kv, events, logger, clock, salt, retrieval, worker };
  const answerWorkers = options.answerWorkers ?? 0;
  if (answerWorkers > 0 && config.llm.provider !== 'none') {
    logger.info(
      { answerWorkers },
      'an LLM is configured: questions are answered on the main thread (ANSWER_WORKERS unused)',
    );
  }
  const pool =
    answerWorkers > 0 && config.llm.provider === 'none'
      ? createAnswerPool({
          workers: answerWorkers,
          config,
          logger,
          ...(options.answerPoolObserver ? { observer: options.answerPoolObserver } : {}),
        })
      : undefined;
  // Every runtime (start-up, each reload) reaches the answer threads before the holder swaps it in, so a question
  // is answered from the knowledge of the runtime that took it, in a thread or, failing that, here.
  const withPool = async (built: AppRuntime): Promise<AppRuntime> =>
    pool ? { ...built, answerer: await pool.answererFor(built.kb, built.answerer) } : built;
  let initial: AppRuntime;
  try {
    initial = await withPool(await buildRuntime(config, deps));
  } catch (err) {
    await pool?.close();
    throw err;
  }
  const runtime = createRuntimeHolder<AppRuntime>(
    initial,
    async () =>
      withPool(
        await ((options.reloadOffThread ?? true) ? buildRuntimeInWorker(config, deps) : buildRuntime(config, deps)),
      ),
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
      retentionMs: config.retentionDays * 86_400_000,
      experts: {
        channels: {
          ...(config.experts.slack ? { slack: config.experts.slack } : {}),
          ...(config.experts.teams ? { teams: config.experts.teams } : {}),
        },
        name: config.experts.name,
      },
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
    ...(pool ? { answerPool: pool } : {}),
    kv,
    events,
    logger,
    hashId: (platform, id) => hashUserId(salt, platform, id),
    async close() {
      // The caller drained first (serve's stop): the answer threads end, then the stores close.
      await pool?.close();
      await Promise.allSettled([worker.close(), kv.close(), events.close()]);
    },
  };
}
