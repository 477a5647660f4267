// Worker-thread entry for build-in-worker.ts: parses and checks the knowledge, builds the lexical index and the
// dense vectors and writes them to DATA_DIR/index/ (atomically, as `kb build` does), then posts the checked entries
// back. Everything CPU-heavy of a reload happens here, so the main thread keeps answering meanwhile.
import { parentPort, workerData } from 'node:worker_threads';
import type { Logger } from '../core/types.ts';
import { asCodedError } from '../errors.ts';
import { checkKnowledge, createKnowledgeBase } from '../knowledge/load.ts';
import type { IndexBuildReply, IndexBuildRequest, WorkerLog } from './build-in-worker.ts';
import { buildIndex } from './index-store.ts';

const port = parentPort;
if (!port) throw new Error('index-worker.ts runs only as a worker thread (see build-in-worker.ts)');
const request = workerData as IndexBuildRequest;

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

async function run(): Promise<IndexBuildReply> {
  try {
    const check = await checkKnowledge(request.knowledgeDir);
    if (check.problems.some((p) => p.severity === 'error')) return { ok: false, problems: check.problems };
    const kb = createKnowledgeBase(request.knowledgeDir, check.entries, check.hash, check.vocabulary);
    const built = await buildIndex(kb, request.config, { logger });
    return {
      ok: true,
      entries: check.entries,
      hash: check.hash,
      vocabulary: check.vocabulary,
      warnings: check.problems,
      manifest: built.index.manifest,
      buildMs: built.index.ms,
    };
  } catch (err) {
    const coded = asCodedError(err);
    return {
      ok: false,
      error: { code: coded.code, message: coded.message, ...(coded.remedy ? { remedy: coded.remedy } : {}) },
    };
  }
}

port.postMessage({ result: await run() });
