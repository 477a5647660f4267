// Builds a knowledge base's search index in a worker thread (index-worker.ts) and loads the result here. Parsing,
// checking, tokenising and embedding 150 entries take 1–3 s of CPU, growing with the knowledge; done on the main
// thread they froze every request for that long (issue 12). The worker writes DATA_DIR/index/ exactly as `kb build`
// does, and this side only reads it back (MiniSearch.loadJSON, loadDenseIndex): the same code path as a restart.
import { Worker } from 'node:worker_threads';
import type { Logger } from '../base/index.ts';
import type { Config } from '../config.ts';
import { ErrorCode, MlopsGuideError } from '../errors.ts';
import { KnowledgeError } from '../knowledge/errors.ts';
import { createKnowledgeBase } from '../knowledge/load.ts';
import type { Entry } from '../knowledge/schema.ts';
import type { KnowledgeBase, KnowledgeProblem } from '../knowledge/types.ts';
import type { VocabularyData } from '../knowledge/vocabulary.ts';
import type { NamedEmbeddings } from './embeddings.ts';
import { type IndexManifest, type LoadedIndex, loadOrBuildIndex } from './index-store.ts';
import type { WordVectors } from './word-vectors.ts';

export interface IndexBuildRequest {
  knowledgeDir: string;
  config: Pick<Config, 'dataDir' | 'embeddings'>;
  /** Entries per message back (default index-worker.ts ENTRY_SLICE); small in tests so that slicing is exercised. */
  entrySlice?: number;
}

export type IndexBuildReply =
  | {
      ok: true;
      entries: Entry[];
      hash: string;
      vocabulary: VocabularyData;
      /** Warnings only (errors fail the build). */
      warnings: KnowledgeProblem[];
      manifest: IndexManifest;
      buildMs: number;
    }
  | { ok: false; problems: KnowledgeProblem[] }
  | { ok: false; error: { code: string; message: string; remedy?: string } };

export interface WorkerLog {
  level: 'debug' | 'info' | 'warn' | 'error';
  obj: object;
  msg?: string;
}

const WORKER_URL = new URL('./index-worker.ts', import.meta.url);

/**
 * How long an idle build thread is kept. 0: it ends after each build. A warm thread builds ~20 % faster, but at
 * 1,500 entries it held ~400 MB more RSS after two reloads (its heap grows between builds, and memory a thread freed
 * is not given back to the OS), so the app ends it at once; tests and callers may keep one longer.
 */
export const INDEX_WORKER_IDLE_MS = 0;

/**
 * The build thread's niceness (Linux: a thread has its own; 0 is normal, 19 the lowest). A build at 15,000 entries
 * keeps a core busy for 40-70 s; on two cores shared with the answering thread, its GC helpers and whatever else
 * runs there, the answering thread must win the CPU, or acks wait behind the build. Lowered by the thread itself
 * (index-worker.ts); where the platform has no per-thread priority it is left alone.
 */
export const INDEX_WORKER_NICE = 10;

/** A build thread (index-worker.ts), started on demand and ended after `idleMs` without work. */
export interface IndexWorker {
  /** One build at a time (the runtime holder serialises reloads); a worker that dies rejects and is replaced. */
  build(request: IndexBuildRequest): Promise<IndexBuildReply>;
  close(): Promise<void>;
  /** Threads started so far, and whether one is alive now (for tests and diagnostics). */
  readonly started: number;
  readonly alive: boolean;
}

export function createIndexWorker(logger: Logger, options: { idleMs?: number } = {}): IndexWorker {
  const idleMs = options.idleMs ?? INDEX_WORKER_IDLE_MS;
  let worker: Worker | undefined;
  let idleTimer: NodeJS.Timeout | undefined;
  let seq = 0;
  let started = 0;
  const pending = new Map<
    number,
    { w: Worker; entries: Entry[]; resolve(r: IndexBuildReply): void; reject(e: Error): void }
  >();

  /** Rejects the builds sent to `w` only: a worker ended when idle may exit after its successor got work. */
  const failAll = (w: Worker, err: Error) => {
    for (const [id, p] of pending) {
      if (p.w !== w) continue;
      p.reject(err);
      pending.delete(id);
    }
  };
  const spawn = (): Worker => {
    // Type stripping (Node 24) runs the .ts entry as it is; the worker shares stdout/stderr but never writes there.
    const w = new Worker(WORKER_URL);
    started++;
    w.on('message', (m: { log?: WorkerLog; id?: number; entries?: Entry[]; result?: IndexBuildReply }) => {
      if (m.log) logger[m.log.level](m.log.obj, m.log.msg);
      if (m.id === undefined) return;
      const p = pending.get(m.id);
      // The checked entries arrive in slices before the reply (index-worker.ts ENTRY_SLICE).
      if (m.entries) p?.entries.push(...m.entries);
      if (!m.result) return;
      const result = m.result.ok ? { ...m.result, entries: [...(p?.entries ?? []), ...m.result.entries] } : m.result;
      p?.resolve(result);
      pending.delete(m.id);
      if (pending.size === 0) idle();
    });
    w.on('error', (err) => {
      failAll(
        w,
        new MlopsGuideError(ErrorCode.Unknown, `the index build worker failed: ${err.message}`, { cause: err }),
      );
    });
    w.on('exit', (code) => {
      if (worker === w) worker = undefined;
      failAll(w, new MlopsGuideError(ErrorCode.Unknown, `the index build worker exited with code ${code}`));
    });
    return w;
  };
  const idle = () => {
    // An idle worker must not keep the process alive, and frees its memory after a while.
    worker?.unref();
    clearTimeout(idleTimer);
    idleTimer = setTimeout(() => void close(), idleMs);
    idleTimer.unref();
  };
  async function close(): Promise<void> {
    clearTimeout(idleTimer);
    const w = worker;
    worker = undefined;
    await w?.terminate();
  }
  return {
    build(request) {
      clearTimeout(idleTimer);
      worker ??= spawn();
      worker.ref();
      const id = ++seq;
      const w = worker;
      return new Promise((resolve, reject) => {
        pending.set(id, { w, entries: [], resolve, reject });
        w.postMessage({ id, request });
      });
    },
    close,
    get started() {
      return started;
    },
    get alive() {
      return worker !== undefined;
    },
  };
}

/** One build in a thread of its own, ended afterwards (tests, one-off builds). */
export async function runIndexWorker(request: IndexBuildRequest, logger: Logger): Promise<IndexBuildReply> {
  const worker = createIndexWorker(logger);
  try {
    return await worker.build(request);
  } finally {
    await worker.close();
  }
}

export interface BuiltInWorker {
  kb: KnowledgeBase;
  retriever: LoadedIndex;
}

/**
 * Loads the knowledge and its index off the main thread. Throws KnowledgeError (with every problem) for a broken
 * knowledge base, and the worker's coded error otherwise, so a reload can keep the last good knowledge and say why.
 * `embeddings` and `vectors` are the ones in service: reused, not loaded again for every reload.
 */
export async function buildInWorker(
  knowledgeDir: string,
  config: Pick<Config, 'dataDir' | 'embeddings'>,
  deps: { logger: Logger; embeddings: NamedEmbeddings; vectors: WordVectors | null; worker?: IndexWorker },
): Promise<BuiltInWorker> {
  const request = { knowledgeDir, config: { dataDir: config.dataDir, embeddings: config.embeddings } };
  const reply = await (deps.worker ? deps.worker.build(request) : runIndexWorker(request, deps.logger));
  if (!reply.ok) {
    if ('problems' in reply) throw new KnowledgeError(knowledgeDir, reply.problems);
    const { code, message, remedy } = reply.error;
    throw new MlopsGuideError(code as ErrorCode, message, remedy ? { remedy } : {});
  }
  for (const p of reply.warnings) deps.logger.warn({ file: p.file, line: p.line }, p.message);
  const kb = createKnowledgeBase(knowledgeDir, reply.entries, reply.hash, reply.vocabulary);
  // The manifest the worker wrote matches this knowledge and these embeddings, so this loads and never rebuilds
  // (if the folder was changed meanwhile it rebuilds here, correct but on the main thread, and says so in the log).
  const retriever = await loadOrBuildIndex(kb, config, deps.logger, {
    embeddings: deps.embeddings,
    vectors: deps.vectors,
    yielding: true,
  });
  if (retriever.index.source === 'built') {
    deps.logger.warn({ reason: retriever.index.reason }, 'the index built in the worker was not usable; rebuilt here');
  }
  return { kb, retriever };
}
