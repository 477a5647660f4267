// Worker-thread entry for worker-pool.ts: holds the knowledge runtime the main thread serves (the same entries, the
// same index read from DATA_DIR/index/, the same word vectors) and answers questions with the same answerer code, so
// an answer from here is the answer the main thread would give. The offline word vectors are read once per thread
// and serve both the embeddings and the word-frequency ranks; each knowledge generation only loads its index.
import { parentPort } from 'node:worker_threads';
import type { Logger } from '../base/index.ts';
import { asCodedError, ErrorCode, MlopsGuideError } from '../errors.ts';
import { createKnowledgeBase } from '../knowledge/load.ts';
import { createEmbeddings, type NamedEmbeddings } from '../retrieval/embeddings.ts';
import { INDEX_FORMAT_VERSION, indexDir, loadOrBuildIndex, readManifest } from '../retrieval/index-store.ts';
import { LocalEmbeddings } from '../retrieval/local-embeddings.ts';
import { loadWordVectors, vectorsDir, type WordVectors } from '../retrieval/word-vectors.ts';
import { createAnswerer } from './answerer.ts';
import type { Answerer } from './types.ts';
import type { CodedFailure, FromWorker, ToWorker, WorkerLevel } from './worker-pool.ts';

const port = parentPort;
if (!port) throw new Error('answer-worker.ts runs only as a worker thread (see worker-pool.ts)');
const send = (m: FromWorker) => port.postMessage(m);

let enabled = new Set<WorkerLevel>(['warn', 'error']);
const forward =
  (level: WorkerLevel) =>
  (obj: object, msg?: string): void => {
    if (enabled.has(level)) send({ type: 'log', level, obj, ...(msg !== undefined ? { msg } : {}) });
  };
const logger: Logger = {
  debug: forward('debug'),
  info: forward('info'),
  warn: forward('warn'),
  error: forward('error'),
};

const failureOf = (err: unknown): CodedFailure => {
  const coded = asCodedError(err);
  return { code: coded.code, message: coded.message, ...(coded.remedy ? { remedy: coded.remedy } : {}) };
};

/** Kept while the thread lives: the vectors and embeddings are the same for every generation. */
let shared: { key: string; vectors: WordVectors | null; embeddings: NamedEmbeddings } | undefined;

async function retrievalDeps(config: Extract<ToWorker, { type: 'load' }>['config']) {
  const key = JSON.stringify([config.dataDir, config.embeddings]);
  if (shared?.key === key) return shared;
  // The main thread made sure the vectors exist (and converted them if needed) before any worker loads.
  let vectors: WordVectors | null;
  try {
    vectors = loadWordVectors(vectorsDir(config.dataDir));
  } catch (err) {
    if (config.embeddings.provider === 'local') throw err;
    vectors = null;
  }
  const local = vectors && config.embeddings.provider === 'local' ? new LocalEmbeddings(vectors) : undefined;
  const embeddings = local ? { id: local.id, embeddings: local } : await createEmbeddings(config, logger);
  shared = { key, vectors, embeddings };
  return shared;
}

/** The newest two generations (a question asked just before a swap still finds its own). */
const runtimes = new Map<number, Promise<Answerer | undefined>>();

async function load(m: Extract<ToWorker, { type: 'load' }>): Promise<Answerer> {
  const kb = createKnowledgeBase(m.kb.dir, m.kb.entries, m.kb.hash, m.kb.vocabulary);
  const deps = await retrievalDeps(m.config);
  // The main thread loaded (or built) this index just before: it is on disk. If it is not — another build replaced
  // it meanwhile — this thread must not build and write one beside the main thread: it gives the generation up.
  const manifest = readManifest(indexDir(m.config));
  if (
    manifest?.formatVersion !== INDEX_FORMAT_VERSION ||
    manifest.knowledgeHash !== kb.hash ||
    manifest.embeddingsId !== deps.embeddings.id
  ) {
    throw new MlopsGuideError(ErrorCode.IndexStale, 'the index on disk is not the one for this knowledge');
  }
  const retriever = await loadOrBuildIndex(kb, m.config, logger, {
    embeddings: deps.embeddings,
    vectors: deps.vectors,
  });
  // No LLM here: the opt-in LLM path answers on the main thread (the app does not start a pool with an LLM).
  return createAnswerer({ kb, retriever, logger });
}

port.on('message', (m: ToWorker) => {
  if (m.type === 'load') {
    enabled = new Set(m.levels);
    const loading = load(m).then(
      (answerer) => {
        send({ type: 'loaded', gen: m.gen });
        return answerer;
      },
      (err: unknown) => {
        send({ type: 'load-failed', gen: m.gen, error: failureOf(err) });
        return undefined;
      },
    );
    runtimes.set(m.gen, loading);
    for (const g of runtimes.keys()) if (g < m.gen - 1) runtimes.delete(g);
    return;
  }
  const runtime = runtimes.get(m.gen);
  if (!runtime) {
    send({ type: 'unavailable', id: m.id, gen: m.gen });
    return;
  }
  void runtime.then(async (answerer) => {
    if (!answerer) {
      send({ type: 'unavailable', id: m.id, gen: m.gen });
      return;
    }
    try {
      send({ type: 'answered', id: m.id, answer: await answerer.answer(m.question, m.context) });
    } catch (err) {
      send({ type: 'threw', id: m.id, error: failureOf(err) });
    }
  });
});
