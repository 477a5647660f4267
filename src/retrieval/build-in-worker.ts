// Builds a knowledge base's search index in a worker thread (index-worker.ts) and loads the result here. Parsing,
// checking, tokenising and embedding 150 entries take 1–3 s of CPU, growing with the knowledge; done on the main
// thread they froze every request for that long (issue 12). The worker writes DATA_DIR/index/ exactly as `kb build`
// does, and this side only reads it back (MiniSearch.loadJSON, HNSWLib.load): the same code path as a restart.
import { Worker } from 'node:worker_threads';
import type { Config } from '../config.ts';
import type { Logger } from '../core/types.ts';
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

/** Runs index-worker.ts once and resolves with its reply; a worker that dies without one rejects. */
export function runIndexWorker(request: IndexBuildRequest, logger: Logger): Promise<IndexBuildReply> {
  return new Promise((resolve, reject) => {
    // Type stripping (Node 24) runs the .ts entry as it is; the worker gets no stdin and shares stdout/stderr.
    const worker = new Worker(WORKER_URL, { workerData: request });
    let reply: IndexBuildReply | undefined;
    worker.on('message', (m: { log?: WorkerLog; result?: IndexBuildReply }) => {
      if (m.log) logger[m.log.level](m.log.obj, m.log.msg);
      if (m.result) reply = m.result;
    });
    worker.once('error', (err) => {
      reject(new MlopsGuideError(ErrorCode.Unknown, `the index build worker failed: ${err.message}`, { cause: err }));
    });
    worker.once('exit', (code) => {
      if (reply) resolve(reply);
      // After 'error' this rejection is ignored (a promise settles once).
      else reject(new MlopsGuideError(ErrorCode.Unknown, `the index build worker exited with code ${code}`));
    });
  });
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
  deps: { logger: Logger; embeddings: NamedEmbeddings; vectors: WordVectors | null },
): Promise<BuiltInWorker> {
  const reply = await runIndexWorker(
    { knowledgeDir, config: { dataDir: config.dataDir, embeddings: config.embeddings } },
    deps.logger,
  );
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
