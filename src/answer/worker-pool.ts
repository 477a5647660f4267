// Answers questions in a pool of worker threads (answer-worker.ts), so the main thread keeps reading, acking and
// posting while questions are answered (issue 12: answering was a quarter of the main thread's time under load and
// every Slack ack queued behind it). Node's worker_threads; no pool library: what this pool must do — give every
// worker each new knowledge generation and know which worker holds which, tell a crash from an answer, and fall back
// to the main thread's answerer of the same generation — is per-worker state that task pools (piscina, tinypool)
// keep out of reach (no broadcast, no per-worker readiness), and it is a few dozen lines on top of `Worker`.
//
// Generations: every runtime the main thread builds (start-up, each reload) is loaded into every worker as a new
// generation before the runtime holder swaps it in, and a question is sent with the generation of the runtime that
// took it. A worker keeps the two newest generations, so a question asked just before a swap is answered from the
// knowledge it was asked against; nothing ever mixes two. Anything the pool cannot do — no worker holds that
// generation, a worker crashed with the question, the pool is closed — is answered by the main thread's own
// answerer of that generation: the same code on the same knowledge, so the same answer, only slower. Never lost.
import { Worker } from 'node:worker_threads';
import type { Logger } from '../base/index.ts';
import type { Config } from '../config.ts';
import { asCodedError, ErrorCode, MlopsGuideError } from '../errors.ts';
import type { KnowledgeBase } from '../knowledge/types.ts';
import type { Answer, Answerer, ConversationContext } from './types.ts';

/** The knowledge a worker loads: the checked entries as the main thread has them (structured clone). */
export interface KnowledgeSnapshot {
  dir: string;
  entries: KnowledgeBase['entries'];
  hash: string;
  vocabulary: KnowledgeBase['vocabulary'];
}

export type WorkerLevel = 'debug' | 'info' | 'warn' | 'error';

export type ToWorker =
  | {
      type: 'load';
      gen: number;
      kb: KnowledgeSnapshot;
      config: Pick<Config, 'dataDir' | 'embeddings'>;
      /** Log levels the main logger writes: the worker drops the others instead of posting them. */
      levels: WorkerLevel[];
    }
  | { type: 'answer'; id: number; gen: number; question: string; context?: ConversationContext };

export interface CodedFailure {
  code: string;
  message: string;
  remedy?: string;
}

export type FromWorker =
  | { type: 'log'; level: WorkerLevel; obj: object; msg?: string }
  | { type: 'loaded'; gen: number }
  | { type: 'load-failed'; gen: number; error: CodedFailure }
  | { type: 'answered'; id: number; answer: Answer }
  /** The answerer threw (a coded error such as input_too_long: the main thread rethrows it as it is). */
  | { type: 'threw'; id: number; error: CodedFailure }
  /** This worker does not hold the generation (dropped, or its load failed): answered on the main thread. */
  | { type: 'unavailable'; id: number; gen: number };

const WORKER_URL = new URL('./answer-worker.ts', import.meta.url);
const LEVELS: WorkerLevel[] = ['debug', 'info', 'warn', 'error'];

/** A worker that crashes this often within RESTART_WINDOW_MS is not started again (answers stay on the main thread). */
export const MAX_RESTARTS = 5;
const RESTART_WINDOW_MS = 60_000;

export interface AnswerPoolOptions {
  workers: number;
  config: Pick<Config, 'dataDir' | 'embeddings' | 'logLevel'>;
  logger: Logger;
  /** Hooks for tests and metrics. */
  observer?: AnswerPoolObserver;
}

export interface AnswerPoolObserver {
  /** A question is about to be posted to `worker` (tests kill it here to see the question survive). */
  dispatched?(worker: Worker): void;
  /** A question was answered on the main thread instead, and why. */
  fellBack?(reason: 'no_worker' | 'worker_failed' | 'closed' | 'unavailable'): void;
  /** A worker was started; `restart` when it replaces one that died. */
  started?(restart: boolean): void;
}

export interface AnswerPool {
  /**
   * Loads `kb` into every worker as a new generation and resolves, once each has loaded it or failed to, with an
   * answerer for it: questions go to a worker holding the generation, anything else to `inProcess`.
   */
  answererFor(kb: KnowledgeBase, inProcess: Answerer): Promise<Answerer>;
  /** Terminates the workers (after the service drained); later questions are answered in process. */
  close(): Promise<void>;
  /** Live workers, those holding the newest knowledge, and the threads started so far (restarts included). */
  readonly alive: number;
  readonly ready: number;
  readonly started: number;
}

interface Pending {
  resolve(answer: Answer): void;
  reject(err: Error): void;
  fallback(): void;
}

interface Slot {
  worker: Worker;
  /** Generations this worker has loaded (the newest two; older ones it dropped). */
  has: Set<number>;
  loading: Map<number, (ok: boolean) => void>;
  pending: Map<number, Pending>;
}

const failureOf = (err: unknown): CodedFailure => {
  const coded = asCodedError(err);
  return { code: coded.code, message: coded.message, ...(coded.remedy ? { remedy: coded.remedy } : {}) };
};

export function createAnswerPool(options: AnswerPoolOptions): AnswerPool {
  const { logger, observer = {} } = options;
  const minLevel = LEVELS.indexOf(options.config.logLevel as WorkerLevel);
  const levels =
    options.config.logLevel === 'silent' || options.config.logLevel === 'fatal'
      ? []
      : LEVELS.slice(Math.max(minLevel, 0));
  const workerConfig = { dataDir: options.config.dataDir, embeddings: options.config.embeddings };
  const slots = new Set<Slot>();
  let latest: { gen: number; kb: KnowledgeSnapshot } | undefined;
  let gen = 0;
  let seq = 0;
  let started = 0;
  let closed = false;
  const crashes: number[] = [];

  const loadInto = (slot: Slot, g: number, kb: KnowledgeSnapshot): Promise<boolean> =>
    new Promise((resolve) => {
      slot.loading.set(g, resolve);
      slot.worker.postMessage({ type: 'load', gen: g, kb, config: workerConfig, levels } satisfies ToWorker);
    });

  const spawn = (restart: boolean): Slot => {
    // Type stripping (Node 24) runs the .ts entry as it is; the worker never writes to stdout (logs come here).
    const worker = new Worker(WORKER_URL);
    // Never keeps the process alive on its own: the server (or the caller) decides when to stop.
    worker.unref();
    started++;
    const slot: Slot = { worker, has: new Set(), loading: new Map(), pending: new Map() };
    slots.add(slot);
    worker.on('message', (m: FromWorker) => onMessage(slot, m));
    worker.on('error', (err) => {
      logger.error({ code: ErrorCode.Unknown, err: err.message }, 'answer worker failed');
    });
    worker.on('exit', (exitCode) => onExit(slot, exitCode));
    observer.started?.(restart);
    if (latest) void loadInto(slot, latest.gen, latest.kb);
    return slot;
  };

  const onMessage = (slot: Slot, m: FromWorker) => {
    switch (m.type) {
      case 'log':
        logger[m.level](m.obj, m.msg);
        return;
      case 'loaded':
        slot.has.add(m.gen);
        for (const g of slot.has) if (g < m.gen - 1) slot.has.delete(g);
        slot.loading.get(m.gen)?.(true);
        slot.loading.delete(m.gen);
        return;
      case 'load-failed':
        logger.warn(
          { code: m.error.code, err: m.error.message, gen: m.gen },
          'answer worker could not load the knowledge; its questions are answered on the main thread',
        );
        slot.loading.get(m.gen)?.(false);
        slot.loading.delete(m.gen);
        return;
      default: {
        const p = slot.pending.get(m.id);
        if (!p) return;
        slot.pending.delete(m.id);
        if (m.type === 'answered') p.resolve(m.answer);
        else if (m.type === 'threw') {
          p.reject(
            new MlopsGuideError(
              m.error.code as ErrorCode,
              m.error.message,
              m.error.remedy ? { remedy: m.error.remedy } : {},
            ),
          );
        } else {
          slot.has.delete(m.gen);
          observer.fellBack?.('unavailable');
          p.fallback();
        }
      }
    }
  };

  const onExit = (slot: Slot, exitCode: number) => {
    slots.delete(slot);
    for (const resolve of slot.loading.values()) resolve(false);
    slot.loading.clear();
    const lost = [...slot.pending.values()];
    slot.pending.clear();
    if (closed) {
      for (const p of lost) {
        observer.fellBack?.('closed');
        p.fallback();
      }
      return;
    }
    const now = Date.now();
    crashes.push(now);
    while (crashes.length > 0 && now - (crashes[0] as number) > RESTART_WINDOW_MS) crashes.shift();
    const restart = crashes.length <= MAX_RESTARTS;
    logger.error(
      { code: ErrorCode.Unknown, exitCode, inFlight: lost.length, restart },
      restart
        ? 'answer worker exited; its questions are answered on the main thread and a new worker is started'
        : 'answer worker keeps exiting; not restarting it (questions are answered on the main thread)',
    );
    // The replacement loads the newest knowledge; the questions the dead one held are answered here, by the
    // answerer of their own generation (re-sending them could meet the same crash).
    if (restart) spawn(true);
    for (const p of lost) {
      observer.fellBack?.('worker_failed');
      p.fallback();
    }
  };

  /** The live worker holding `g` with the fewest questions in flight. */
  const pick = (g: number): Slot | undefined => {
    let best: Slot | undefined;
    for (const s of slots) {
      if (!s.has.has(g)) continue;
      if (!best || s.pending.size < best.pending.size) best = s;
    }
    return best;
  };

  for (let i = 0; i < options.workers; i++) spawn(false);

  return {
    async answererFor(kb, inProcess) {
      const g = ++gen;
      const snapshot: KnowledgeSnapshot = {
        dir: kb.dir,
        entries: kb.entries,
        hash: kb.hash,
        vocabulary: kb.vocabulary,
      };
      latest = { gen: g, kb: snapshot };
      const loads = await Promise.all([...slots].map((s) => loadInto(s, g, snapshot)));
      if (!closed && !loads.some(Boolean)) {
        logger.warn(
          { gen: g, workers: slots.size },
          'no answer worker holds the knowledge; answering on the main thread',
        );
      }
      const inMain = (reason: Parameters<NonNullable<AnswerPoolObserver['fellBack']>>[0]) => {
        observer.fellBack?.(reason);
        return reason;
      };
      return {
        entry: (id) => inProcess.entry(id),
        answer(question: string, context?: ConversationContext): Promise<Answer> {
          const slot = closed ? undefined : pick(g);
          if (!slot) {
            inMain(closed ? 'closed' : 'no_worker');
            return inProcess.answer(question, context);
          }
          const id = ++seq;
          return new Promise<Answer>((resolve, reject) => {
            slot.pending.set(id, {
              resolve,
              reject,
              fallback: () => inProcess.answer(question, context).then(resolve, reject),
            });
            observer.dispatched?.(slot.worker);
            try {
              slot.worker.postMessage({
                type: 'answer',
                id,
                gen: g,
                question,
                ...(context ? { context } : {}),
              } satisfies ToWorker);
            } catch (err) {
              // A context that cannot be cloned (never from the stores, which hold JSON): answered here.
              slot.pending.delete(id);
              logger.warn({ err: failureOf(err).message }, 'question not sent to an answer worker');
              inMain('unavailable');
              inProcess.answer(question, context).then(resolve, reject);
            }
          });
        },
      };
    },
    async close() {
      closed = true;
      await Promise.all([...slots].map((s) => s.worker.terminate()));
    },
    get alive() {
      return slots.size;
    },
    get ready() {
      return [...slots].filter((s) => latest !== undefined && s.has.has(latest.gen)).length;
    },
    get started() {
      return started;
    },
  };
}
