// Answers off the event loop (issue 12): questions answered by worker threads (src/answer/worker-pool.ts) must be
// the answers the main thread gives, follow every reload, survive a worker that dies with the question, and the
// threads must end with the app. Everything here waits for events (answers, the pool's own counters), never for time.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Worker } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import type { Answer, ConversationContext } from '../../src/answer/types.ts';
import type { AnswerPoolObserver } from '../../src/answer/worker-pool.ts';
import { type App, createApp } from '../../src/app.ts';
import { silentLogger } from '../../src/base/index.ts';
import { startService } from '../../src/cli/serve.ts';
import { ErrorCode, MlopsGuideError } from '../../src/errors.ts';
import { type TempDirs, tempDirs, testConfig } from '../helpers/app.ts';
import { until } from '../helpers/until.ts';

/** A hang safety net only: these start worker threads and build indexes, slow on a busy machine, never timed. */
const SLOW = { timeout: 120_000 };

let dirs: TempDirs | undefined;
const apps: App[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((a) => a.close()));
  dirs?.cleanup();
  dirs = undefined;
});

async function open(d: TempDirs, answerWorkers: number, observer?: AnswerPoolObserver): Promise<App> {
  const app = await createApp(testConfig(d), {
    storage: 'memory',
    answerWorkers,
    ...(observer ? { answerPoolObserver: observer } : {}),
  });
  apps.push(app);
  return app;
}

/** Counts what the pool did, so a test can tell a worker's answer from the main thread's. */
function counting() {
  const seen = { dispatched: 0, fellBack: [] as string[], started: 0, restarts: 0 };
  const observer: AnswerPoolObserver = {
    dispatched: () => {
      seen.dispatched++;
    },
    fellBack: (reason) => {
      seen.fellBack.push(reason);
    },
    started: (restart) => {
      seen.started++;
      if (restart) seen.restarts++;
    },
  };
  return { seen, observer };
}

/** The answer without its random id: what must be byte-identical. */
const same = (a: Answer) => {
  const { answerId: _id, ...rest } = a;
  return JSON.stringify(rest);
};

const jsonl = (path: string) =>
  readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as { question: string; history?: string[] });

describe('answering in worker threads', () => {
  it('gives byte-identical answers to the main thread, follow-ups and German included', SLOW, async () => {
    dirs = tempDirs();
    const inProcess = await open(dirs, 0);
    const { seen, observer } = counting();
    const pooled = await open(dirs, 2, observer);
    expect(pooled.answerPool?.ready).toBe(2);

    const cases = [
      ...jsonl(join(import.meta.dirname, '../../bench/devset/test.jsonl')).slice(0, 40),
      ...jsonl(join(import.meta.dirname, '../../bench/devset/german-test.jsonl')).slice(0, 10),
      { question: 'What is the sidecar pattern?' },
      { question: 'When should I avoid it?', history: ['What is the sidecar pattern?'] },
      { question: 'Can you recommend a good pizza place?' },
    ];
    const a = inProcess.runtime.current().answerer;
    const b = pooled.runtime.current().answerer;
    for (const c of cases) {
      const context: ConversationContext = { turns: [] };
      for (const h of c.history ?? []) context.turns.push({ question: h, entryIds: (await a.answer(h)).entryIds });
      const ctx = context.turns.length > 0 ? context : undefined;
      const [mine, theirs] = await Promise.all([a.answer(c.question, ctx), b.answer(c.question, ctx)]);
      expect(same(theirs), c.question).toBe(same(mine));
    }
    expect(seen.dispatched).toBe(cases.length);
    expect(seen.fellBack).toEqual([]);
    // The entry buttons of a soft abstain are answered on this thread (no retrieval): the same too.
    expect(same(b.entry('glossary-mlops') as Answer)).toBe(same(a.entry('glossary-mlops') as Answer));
  });

  it("throws the answerer's coded errors as the main thread does", SLOW, async () => {
    dirs = tempDirs();
    const pooled = await open(dirs, 1);
    const error = await pooled.runtime
      .current()
      .answerer.answer('x'.repeat(5000))
      .catch((err: unknown) => err);
    expect(error).toBeInstanceOf(MlopsGuideError);
    expect((error as MlopsGuideError).code).toBe(ErrorCode.InputTooLong);
    expect((error as MlopsGuideError).remedy).toMatch(/Shorten/);
  });

  it('a reload reaches the workers, and a question taken before the swap keeps its own knowledge', SLOW, async () => {
    dirs = tempDirs({ copyKnowledge: true });
    const { seen, observer } = counting();
    const pooled = await open(dirs, 2, observer);
    const question = 'What is MLOps?';
    const before = pooled.runtime.current().answerer;
    const old = await before.answer(question);
    const entry = old.sources[0];
    expect(entry).toBeDefined();
    const file = join(dirs.knowledgeDir, 'glossary/glossary-mlops.md');
    expect(old.sources.map((s) => s.id)).toContain('glossary-mlops');
    writeFileSync(file, readFileSync(file, 'utf8').replace(/^title: .*$/m, 'title: "MLOps, renamed by the pool test"'));

    const result = await pooled.runtime.reload();
    expect(result.ok).toBe(true);
    expect(pooled.answerPool?.ready).toBe(2);
    const after = await pooled.runtime.current().answerer.answer(question);
    expect(after.sources.map((s) => s.title)).toContain('MLOps, renamed by the pool test');
    // The main thread on the edited knowledge answers the same.
    const fresh = await open(dirs, 0);
    expect(same(after)).toBe(same(await fresh.runtime.current().answerer.answer(question)));
    // The runtime that was in service before the swap still answers from the old knowledge, in a worker.
    expect(same(await before.answer(question))).toBe(same(old));
    expect(seen.fellBack).toEqual([]);
  });

  it('questions asked while a reload runs are each answered from one knowledge, the old or the new', SLOW, async () => {
    dirs = tempDirs({ copyKnowledge: true });
    const pooled = await open(dirs, 2);
    const question = 'What is MLOps?';
    const titleOf = (a: Answer) => a.sources.find((s) => s.id === 'glossary-mlops')?.title;
    const oldTitle = titleOf(await pooled.runtime.current().answerer.answer(question));
    expect(oldTitle).toBeDefined();
    const file = join(dirs.knowledgeDir, 'glossary/glossary-mlops.md');
    writeFileSync(file, readFileSync(file, 'utf8').replace(/^title: .*$/m, 'title: "MLOps, renamed mid-flight"'));

    let done = false;
    const reload = pooled.runtime.reload().finally(() => {
      done = true;
    });
    const titles: (string | undefined)[] = [];
    // Asked one after another until the swap, then once more: each from the runtime in service at that moment.
    while (!done) titles.push(titleOf(await pooled.runtime.current().answerer.answer(question)));
    expect((await reload).ok).toBe(true);
    titles.push(titleOf(await pooled.runtime.current().answerer.answer(question)));
    expect(titles.length).toBeGreaterThan(1);
    for (const t of titles) expect([oldTitle, 'MLOps, renamed mid-flight']).toContain(t);
    expect(titles.at(-1)).toBe('MLOps, renamed mid-flight');
  });

  it(
    'a worker killed with a question in flight loses nothing: it is answered here and the worker restarts',
    SLOW,
    async () => {
      dirs = tempDirs();
      const inProcess = await open(dirs, 0);
      const { seen, observer } = counting();
      let victim: Worker | undefined;
      const pooled = await open(dirs, 1, {
        ...observer,
        dispatched: (worker) => {
          observer.dispatched?.(worker);
          // The first question: its worker ends before it can read it.
          if (!victim) {
            victim = worker;
            void worker.terminate();
          }
        },
      });
      const question = 'How do we version training data?';
      const answer = await pooled.runtime.current().answerer.answer(question);
      expect(same(answer)).toBe(same(await inProcess.runtime.current().answerer.answer(question)));
      expect(seen.fellBack).toEqual(['worker_failed']);

      const pool = pooled.answerPool;
      await until(() => pool?.ready === 1, 'the restarted worker to load the knowledge', { timeoutMs: 30_000 });
      expect(seen.restarts).toBe(1);
      expect(pool?.started).toBe(2);
      // The new worker answers again (dispatched, no fallback).
      const again = await pooled.runtime.current().answerer.answer(question);
      expect(same(again)).toBe(same(answer));
      expect(seen.dispatched).toBe(2);
      expect(seen.fellBack).toEqual(['worker_failed']);
    },
  );

  it('close() terminates the workers; a question after it is still answered, on the main thread', SLOW, async () => {
    dirs = tempDirs();
    const { seen, observer } = counting();
    const pooled = await open(dirs, 2, observer);
    const answerer = pooled.runtime.current().answerer;
    const pool = pooled.answerPool;
    expect(pool?.alive).toBe(2);
    await pooled.close();
    await until(() => pool?.alive === 0, 'the workers to exit');
    const answer = await answerer.answer('What is model drift?');
    expect(answer.abstained).toBe(false);
    expect(seen.fellBack).toEqual(['closed']);
    expect(seen.restarts).toBe(0);
  });

  it('serve starts ANSWER_WORKERS threads (default 0) and its stop ends them after the drain', SLOW, async () => {
    dirs = tempDirs();
    const service = await startService(testConfig(dirs, { ANSWER_WORKERS: '2' }), { logger: silentLogger });
    const pool = service.app.answerPool;
    expect(pool?.ready).toBe(2);
    const reply = await service.app.bot.handle({
      kind: 'message',
      user: { platform: 'cli', id: 'pool-test' },
      conversation: { platform: 'cli', id: 'pool-test' },
      text: 'What is model drift?',
    });
    expect(reply.kind).toBe('answer');
    await service.stop();
    await until(() => pool?.alive === 0, 'the answer threads to exit');
    expect(testConfig(dirs).answerWorkers).toBe(0);
  });

  it('keeps answering on the main thread when an LLM is configured (no pool)', SLOW, async () => {
    dirs = tempDirs();
    const app = await createApp(
      testConfig(dirs, { LLM_PROVIDER: 'openai', LLM_BASE_URL: 'http://127.0.0.1:9/v1', LLM_MODEL: 'test' }),
      { storage: 'memory', answerWorkers: 2 },
    );
    apps.push(app);
    expect(app.answerPool).toBeUndefined();
  });
});
