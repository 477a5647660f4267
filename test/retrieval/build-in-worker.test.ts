// Reload off the request path (issue 12): the knowledge is parsed, checked and indexed in a worker thread, and the
// main thread only loads the finished index. These tests check what runs where, never how fast (that is
// bench/reload.ts): a main thread that only loads logs no "building the search index" and gets `source: 'loaded'`.
import { existsSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type App, createApp } from '../../src/app.ts';
import { silentLogger } from '../../src/base/index.ts';
import { ErrorCode, MlopsGuideError } from '../../src/errors.ts';
import { KnowledgeError } from '../../src/knowledge/errors.ts';
import { loadKnowledge } from '../../src/knowledge/load.ts';
import {
  buildInWorker,
  createIndexWorker,
  INDEX_WORKER_NICE,
  runIndexWorker,
} from '../../src/retrieval/build-in-worker.ts';
import { readManifest } from '../../src/retrieval/index-store.ts';
import { LocalEmbeddings } from '../../src/retrieval/local-embeddings.ts';
import { ensureWordVectors } from '../../src/retrieval/word-vectors.ts';
import { until } from '../adapters/slack/harness.ts';
import { captureLogger } from '../adapters/teams/helpers.ts';
import { type TempDirs, tempDirs, testConfig } from '../helpers/app.ts';

const ENTRY = 'glossary/glossary-mlops.md';

let dirs: TempDirs | undefined;
let app: App | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
  dirs?.cleanup();
  dirs = undefined;
});

function retrievalDeps(dataDir: string) {
  const vectors = ensureWordVectors(dataDir, silentLogger);
  const local = new LocalEmbeddings(vectors);
  return { vectors, embeddings: { id: local.id, embeddings: local } };
}

describe('building the index in a worker thread', () => {
  it('checks the knowledge and writes the index in the worker, and this thread only loads it', async () => {
    dirs = tempDirs();
    const config = testConfig(dirs);
    const reply = await runIndexWorker({ knowledgeDir: config.knowledgeDir, config }, silentLogger);
    const kb = await loadKnowledge(config.knowledgeDir);
    expect(reply.ok).toBe(true);
    if (!reply.ok) return;
    expect(reply.entries).toHaveLength(kb.entries.length);
    expect(reply.hash).toBe(kb.hash);
    expect(readManifest(join(config.dataDir, 'index'))?.knowledgeHash).toBe(kb.hash);

    const logger = captureLogger();
    const built = await buildInWorker(config.knowledgeDir, config, { logger, ...retrievalDeps(config.dataDir) });
    expect(built.retriever.index.source).toBe('loaded');
    expect(built.kb.entries.map((e) => e.id)).toEqual(kb.entries.map((e) => e.id));
    expect(built.kb.get('glossary-mlops')?.title).toBe(kb.get('glossary-mlops')?.title);
    const hits = await built.retriever.search('How do we version training data?');
    expect(hits.length).toBeGreaterThan(0);
    expect(logger.lines.filter((l) => l.level === 'warn' || l.level === 'error')).toEqual([]);
  });

  it('sends the checked entries back in slices and the receiver puts them together whole and in order', async () => {
    dirs = tempDirs();
    const config = testConfig(dirs);
    const kb = await loadKnowledge(config.knowledgeDir);
    // 150 entries in slices of 7: 22 messages before the reply, the last one short; compared with one message.
    const whole = await runIndexWorker({ knowledgeDir: config.knowledgeDir, config }, silentLogger);
    const sliced = await runIndexWorker({ knowledgeDir: config.knowledgeDir, config, entrySlice: 7 }, silentLogger);
    expect(whole.ok && sliced.ok).toBe(true);
    if (!whole.ok || !sliced.ok) return;
    expect(kb.entries.length % 7).not.toBe(0);
    expect(sliced.entries).toEqual(whole.entries);
    expect(sliced.entries.map((e) => e.id).sort()).toEqual(kb.entries.map((e) => e.id));
  });

  it('reports every problem of a broken knowledge base as a KnowledgeError, with file and line', async () => {
    dirs = tempDirs({ copyKnowledge: true });
    const config = testConfig(dirs);
    const file = join(dirs.knowledgeDir, ENTRY);
    writeFileSync(file, readFileSync(file, 'utf8').replace('related:', 'related:\n  - no-such-entry'));
    const error = await buildInWorker(config.knowledgeDir, config, {
      logger: silentLogger,
      ...retrievalDeps(config.dataDir),
    }).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(KnowledgeError);
    expect((error as KnowledgeError).problems).toContainEqual(
      expect.objectContaining({ file: ENTRY, severity: 'error', message: expect.stringMatching(/no-such-entry/) }),
    );
  });

  it("carries the worker's error code across the thread", async () => {
    dirs = tempDirs();
    const config = testConfig(dirs);
    const error = await buildInWorker(join(dirs.root, 'no-such-knowledge'), config, {
      logger: silentLogger,
      ...retrievalDeps(config.dataDir),
    }).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(MlopsGuideError);
    expect((error as MlopsGuideError).code).toBe(ErrorCode.KnowledgeNotFound);
    expect((error as MlopsGuideError).remedy).toMatch(/KNOWLEDGE_DIR/);
  });
});

describe('the build worker thread', () => {
  it('serves several builds while warm, exits when idle, and is started again on demand', async () => {
    dirs = tempDirs();
    const config = testConfig(dirs);
    const request = { knowledgeDir: config.knowledgeDir, config };
    const warm = createIndexWorker(silentLogger, { idleMs: 60_000 });
    try {
      expect((await warm.build(request)).ok).toBe(true);
      expect((await warm.build(request)).ok).toBe(true);
      expect(warm.started).toBe(1);
    } finally {
      await warm.close();
    }
    expect(warm.alive).toBe(false);

    const brief = createIndexWorker(silentLogger, { idleMs: 1 });
    try {
      expect((await brief.build(request)).ok).toBe(true);
      await until(() => !brief.alive, 'the idle worker to exit');
      expect((await brief.build(request)).ok).toBe(true);
      expect(brief.started).toBe(2);
    } finally {
      await brief.close();
    }
  });
});

/** Linux: the niceness of each thread of this process (field 19 of /proc/self/task/<tid>/stat). */
function threadNiceness(): Map<number, number> {
  const out = new Map<number, number>();
  for (const tid of readdirSync('/proc/self/task')) {
    try {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      // Fields after the command name (which is in parentheses and may hold spaces): state is field 3, nice 19.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out.set(Number(tid), Number(fields[16]));
    } catch {
      // the thread ended meanwhile
    }
  }
  return out;
}

describe.runIf(existsSync('/proc/thread-self'))('the build thread priority (Linux)', () => {
  it('runs at a lower priority than the thread that answers, which keeps its own', async () => {
    dirs = tempDirs();
    const config = testConfig(dirs);
    const mine = threadNiceness().get(Number(readlinkSync('/proc/thread-self').split('/').pop()));
    const before = new Set(threadNiceness().keys());
    const warm = createIndexWorker(silentLogger, { idleMs: 60_000 });
    try {
      expect((await warm.build({ knowledgeDir: config.knowledgeDir, config })).ok).toBe(true);
      // The build thread is alive (warm): one thread that was not there before runs at the build's niceness.
      const niced = [...threadNiceness()].filter(([tid, nice]) => !before.has(tid) && nice === INDEX_WORKER_NICE);
      expect(niced).toHaveLength(1);
      expect(threadNiceness().get(Number(readlinkSync('/proc/thread-self').split('/').pop()))).toBe(mine);
    } finally {
      await warm.close();
    }
  });
});

describe('app reloads off the main thread', () => {
  const edit = (d: TempDirs, word: string) => {
    const file = join(d.knowledgeDir, ENTRY);
    writeFileSync(
      file,
      readFileSync(file, 'utf8').replace(/summary: >-\n/, `summary: >-\n  MLOps (${word} edition) —\n`),
    );
  };
  const built = (logger: ReturnType<typeof captureLogger>) =>
    logger.lines.filter((l) => l.msg === 'building the search index');

  it('builds a reload in the worker and swaps it in: the main thread logs no index build', async () => {
    dirs = tempDirs({ copyKnowledge: true });
    const logger = captureLogger();
    app = await createApp(testConfig(dirs), { storage: 'memory', logger });
    expect(built(logger)).toHaveLength(1); // start-up: on this thread, before serving
    logger.lines.length = 0;
    edit(dirs, 'quokka');
    const result = await app.runtime.reload();
    expect(result.ok).toBe(true);
    expect(built(logger)).toEqual([]);
    expect(logger.lines.map((l) => l.msg)).toContain('knowledge reloaded');
    expect((await app.runtime.current().answerer.answer('What is MLOps?')).markdown).toContain('quokka');
  });

  it('still builds on the main thread when told to (the comparison bench/reload.ts measures)', async () => {
    dirs = tempDirs({ copyKnowledge: true });
    const logger = captureLogger();
    app = await createApp(testConfig(dirs), { storage: 'memory', logger, reloadOffThread: false });
    logger.lines.length = 0;
    edit(dirs, 'wombat');
    expect((await app.runtime.reload()).ok).toBe(true);
    expect(built(logger)).toHaveLength(1);
    expect((await app.runtime.current().answerer.answer('What is MLOps?')).markdown).toContain('wombat');
  });
});
