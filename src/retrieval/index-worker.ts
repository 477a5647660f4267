// Worker-thread entry for build-in-worker.ts: for each request it parses and checks the knowledge, builds the lexical
// index and the dense vectors and writes them to DATA_DIR/index/ (atomically, as `kb build` does), then posts the
// checked entries back. Everything CPU-heavy of a reload happens here, so the main thread keeps answering meanwhile.
// A thread can serve several requests while it lives (createIndexWorker's idleMs; the app ends it after each build).
import { readlinkSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { setPriority } from 'node:os';
import { parentPort } from 'node:worker_threads';
import type { Logger } from '../base/index.ts';
import { asCodedError } from '../errors.ts';
import { checkKnowledge, createKnowledgeBase } from '../knowledge/load.ts';
import { INDEX_WORKER_NICE, type IndexBuildReply, type IndexBuildRequest, type WorkerLog } from './build-in-worker.ts';
import { createEmbeddings, type NamedEmbeddings } from './embeddings.ts';
import { buildIndex, INDEX_FORMAT_VERSION, indexDir, readManifest } from './index-store.ts';
import { LocalEmbeddings } from './local-embeddings.ts';
import { ensureWordVectors } from './word-vectors.ts';

const port = parentPort;
if (!port) throw new Error('index-worker.ts runs only as a worker thread (see build-in-worker.ts)');

// Log lines go to the parent's logger: a worker has no logger of its own and must not write to stdout.
const forward =
  (level: WorkerLog['level']) =>
  (obj: object, msg?: string): void =>
    port.postMessage({ log: { level, obj, ...(msg !== undefined ? { msg } : {}) } });
const logger: Logger = {
  debug: forward('debug'),
  info: forward('info'),
  warn: forward('warn'),
  error: forward('error'),
};

// Lower this thread's priority so the answering thread wins the CPU during a build (INDEX_WORKER_NICE). On Linux
// /proc/thread-self names this thread's id, and setpriority on a thread id sets that thread only; elsewhere there
// is no such link and the build keeps the normal priority. A thread started by a niced thread inherits its
// niceness, and libuv starts its thread pool (shared by the whole process) on first use: one file-system call first,
// so the pool is never started from here at the lower priority.
const lowered = stat(import.meta.dirname).then(
  () => {
    try {
      const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
      if (Number.isInteger(tid) && tid > 0) setPriority(tid, INDEX_WORKER_NICE);
    } catch {
      // no per-thread priority here: builds at normal priority
    }
  },
  () => undefined,
);

/** The embeddings, kept while the thread lives: the vectors are read once, not for every build. */
let cached: { key: string; embeddings: NamedEmbeddings } | undefined;
async function embeddingsFor(request: IndexBuildRequest): Promise<NamedEmbeddings> {
  const key = JSON.stringify([request.config.dataDir, request.config.embeddings]);
  if (cached?.key !== key) {
    const local = request.config.embeddings.provider === 'local';
    const embeddings = local ? new LocalEmbeddings(ensureWordVectors(request.config.dataDir, logger)) : undefined;
    cached = {
      key,
      embeddings: embeddings ? { id: embeddings.id, embeddings } : await createEmbeddings(request.config, logger),
    };
  }
  return cached.embeddings;
}

async function run(request: IndexBuildRequest): Promise<IndexBuildReply> {
  try {
    const check = await checkKnowledge(request.knowledgeDir);
    if (check.problems.some((p) => p.severity === 'error')) return { ok: false, problems: check.problems };
    const kb = createKnowledgeBase(request.knowledgeDir, check.entries, check.hash, check.vocabulary);
    const embeddings = await embeddingsFor(request);
    // An index on disk that already matches (a reload without changes, an edit undone) is not built again.
    let current: ReturnType<typeof readManifest>;
    try {
      current = readManifest(indexDir(request.config));
    } catch {
      current = undefined; // corrupt: rebuilt below, as at start-up
    }
    const fresh =
      current?.formatVersion === INDEX_FORMAT_VERSION &&
      current.knowledgeHash === kb.hash &&
      current.embeddingsId === embeddings.id;
    const built = fresh
      ? undefined
      : await buildIndex(kb, request.config, {
          logger,
          embeddings,
          // The word-frequency ranks only steer searching; what is written to disk does not depend on them, and the
          // retriever made here is thrown away (the main thread loads its own from disk).
          vectors: null,
        });
    return {
      ok: true,
      entries: check.entries,
      hash: check.hash,
      vocabulary: check.vocabulary,
      warnings: check.problems,
      manifest: built?.index.manifest ?? (current as NonNullable<typeof current>),
      buildMs: built?.index.ms ?? 0,
    };
  } catch (err) {
    const coded = asCodedError(err);
    return {
      ok: false,
      error: { code: coded.code, message: coded.message, ...(coded.remedy ? { remedy: coded.remedy } : {}) },
    };
  }
}

/** Entries per message: the parent deserialises each message in one go, so 15,000 at once froze it for ~1 s. */
export const ENTRY_SLICE = 500;

port.on('message', (m: { id: number; request: IndexBuildRequest }) => {
  void lowered
    .then(() => run(m.request))
    .then((result) => {
      if (!result.ok) return port.postMessage({ id: m.id, result });
      // The entries first, in slices (the parent answers questions between them), then the rest of the reply.
      const slice = Math.max(1, Math.floor(m.request.entrySlice ?? ENTRY_SLICE));
      for (let i = 0; i < result.entries.length; i += slice) {
        port.postMessage({ id: m.id, entries: result.entries.slice(i, i + slice) });
      }
      port.postMessage({ id: m.id, result: { ...result, entries: [] } });
    });
});
