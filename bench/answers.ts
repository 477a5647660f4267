// Answer benchmark: per category, on the development set's test half (and tuning half), and on the public check
// sets in ../shared/eval/, this bot beside a plain MiniSearch BM25 baseline on the same knowledge; in-process
// latency, answer length, index build and cold start of `ask`. Figures are printed, never asserted.
//   node bench/answers.ts [--quick] [--verbose] [--no-cold-start] [--knowledge DIR]
//   --quick: only this bot on the dev set halves (the tuning loop); --tune-only: the tuning half alone; --set FILE (repeatable): only these
//   question files (e.g. a generated variant of the tuning half); --verbose: list every failed case.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import MiniSearch from 'minisearch';
import { createAnswerer } from '../src/answer/answerer.ts';
import type { Answer } from '../src/answer/types.ts';
import { silentLogger } from '../src/base/index.ts';
import { loadConfig } from '../src/config.ts';
import { loadKnowledge } from '../src/knowledge/load.ts';
import { createRetriever, type RetrievalOptions } from '../src/retrieval/hybrid.ts';
import { buildIndex } from '../src/retrieval/index-store.ts';
import { LocalEmbeddings } from '../src/retrieval/local-embeddings.ts';
import { ensureWordVectors } from '../src/retrieval/word-vectors.ts';
import {
  type Answered,
  answerInConversation,
  type Case,
  passes,
  pct,
  ROOT,
  readCases,
  TEST_FILES,
  TUNING_FILES,
  wordCount,
} from './lib.ts';

const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(name);
  return i > 0 && process.argv[i + 1] ? (process.argv[i + 1] as string) : fallback;
};
const flag = (name: string) => process.argv.includes(name);
const knowledgeDir = resolve(arg('--knowledge', join(ROOT, 'knowledge')));
const out = (s = '') => process.stdout.write(`${s}\n`);
const EVAL = resolve(ROOT, '..', 'shared', 'eval');

const extra = process.argv.flatMap((a, i) =>
  a === '--set' && process.argv[i + 1] ? [process.argv[i + 1] as string] : [],
);
const sets: { name: string; path: string | string[] }[] =
  extra.length > 0
    ? extra.map((p) => ({ name: p, path: resolve(p) }))
    : [
        ...(flag('--tune-only') ? [] : [{ name: 'dev test half', path: TEST_FILES.map((f) => join(ROOT, f)) }]),
        { name: 'dev tuning half', path: TUNING_FILES.map((f) => join(ROOT, f)) },
        ...(flag('--quick')
          ? []
          : [
              { name: 'shared/eval questions', path: join(EVAL, 'questions.jsonl') },
              { name: 'shared/eval german', path: join(EVAL, 'german.jsonl') },
              { name: 'shared/eval followups', path: join(EVAL, 'followups.jsonl') },
            ]),
      ].filter((s) => (Array.isArray(s.path) ? s.path.some((p) => existsSync(p)) : existsSync(s.path)));

const kb = await loadKnowledge(knowledgeDir);
const config = loadConfig({ ...process.env, KNOWLEDGE_DIR: knowledgeDir }, ROOT);
const t0 = performance.now();
const vectors = ensureWordVectors(config.dataDir, silentLogger);
const vectorsMs = performance.now() - t0;
const embeddings = new LocalEmbeddings(vectors);

async function botFor(options: RetrievalOptions & { dense?: boolean } = {}) {
  const retriever = await createRetriever(kb, {
    ...(flag('--dense-weight') ? { denseWeight: Number(arg('--dense-weight', '0.3')) } : {}),
    ...(flag('--rrf') ? { fusion: 'rrf' as const } : {}),
    ...(process.env.TERM_WEIGHTS ? { termWeights: JSON.parse(process.env.TERM_WEIGHTS) } : {}),
    // Any other retrieval option, as JSON, for measuring a variant: RETRIEVAL_OPTIONS='{"bm25":{"k":1.2,"b":0.9,"d":0.5}}'
    ...(process.env.RETRIEVAL_OPTIONS ? JSON.parse(process.env.RETRIEVAL_OPTIONS) : {}),
    ...options,
    generalRank: vectors.rank,
    ...(options.dense === false ? {} : { embeddings }),
  });
  return createAnswerer({ kb, retriever, logger: silentLogger });
}

// Baseline: MiniSearch with default settings (plain BM25 over the text fields), no abstention, no context.
const plain = new MiniSearch<{ id: string; text: string }>({ fields: ['text'] });
plain.addAll(kb.entries.map((e) => ({ id: e.id, text: [e.title, e.summary, ...e.questions, e.body].join('\n') })));
const bm25 = (question: string): Answered => {
  const top = plain.search(question)[0];
  const entry = top ? kb.get(String(top.id)) : undefined;
  if (!entry) return { markdown: '', abstained: true, sources: [], entryIds: [] };
  return {
    markdown: `${entry.title}: ${entry.summary}\n${entry.body}`,
    abstained: false,
    sources: [{ id: entry.id, title: entry.title, type: entry.type }],
    entryIds: [entry.id],
  };
};

interface Result {
  c: Case;
  ok: boolean;
  base: boolean;
  ms: number;
  a: Answer;
}

async function runSet(cases: Case[], answer: (c: Case) => Promise<Answer>): Promise<Result[]> {
  for (const c of cases.slice(0, 5)) await answer(c); // warm-up (JIT)
  const results: Result[] = [];
  for (const c of cases) {
    const t = performance.now();
    const a = await answer(c);
    const ms = performance.now() - t;
    results.push({ c, ok: passes(c, a), base: passes(c, bm25(c.question)), ms, a });
  }
  return results;
}

const pctOf = (n: number, d: number) => (d ? `${((100 * n) / d).toFixed(1)} %` : '–');
function table(name: string, results: Result[]) {
  const cats = [...new Set(results.map((r) => r.c.cat ?? (r.c.abstain ? 'out-of-scope' : 'answerable')))];
  out(`### ${name} (${results.length} questions)`);
  out();
  out('| Category | n | MLOps Guide | BM25 baseline |');
  out('|---|---|---|---|');
  for (const cat of cats) {
    const rs = results.filter((r) => (r.c.cat ?? (r.c.abstain ? 'out-of-scope' : 'answerable')) === cat);
    out(
      `| ${cat} | ${rs.length} | ${pctOf(rs.filter((r) => r.ok).length, rs.length)} | ${pctOf(rs.filter((r) => r.base).length, rs.length)} |`,
    );
  }
  const ok = results.filter((r) => r.ok).length;
  const base = results.filter((r) => r.base).length;
  out(`| **all** | ${results.length} | **${pctOf(ok, results.length)}** | ${pctOf(base, results.length)} |`);
  const answerable = results.filter((r) => !r.c.abstain);
  const refused = answerable.filter((r) => r.a.abstained);
  const soft = refused.filter((r) => r.a.soft);
  const wrong = answerable.filter((r) => !r.a.abstained && !r.ok);
  const oos = results.filter((r) => r.c.abstain);
  const lengths = results.filter((r) => !r.a.abstained).map((r) => wordCount(r.a.markdown));
  out();
  out(
    `Answerable refused: ${refused.length}/${answerable.length} (${soft.length} soft, offered entries right: ${soft.filter((r) => r.c.target?.some((t) => r.a.offered?.some((o) => o.id === t))).length}); answered wrong: ${wrong.length}; out of scope abstained: ${oos.filter((r) => r.ok).length}/${oos.length}; answer words median ${pct(lengths, 0.5)}, p90 ${pct(lengths, 0.9)}; latency p50 ${pct(
      results.map((r) => r.ms),
      0.5,
    ).toFixed(2)} ms, p95 ${pct(
      results.map((r) => r.ms),
      0.95,
    ).toFixed(2)} ms.`,
  );
  if (flag('--verbose')) {
    for (const r of results.filter((x) => !x.ok)) {
      const got = r.a.abstained
        ? r.a.soft
          ? `soft [${r.a.offered?.map((o) => o.id).join(', ')}]`
          : 'hard'
        : r.a.entryIds[0];
      out(
        `- FAIL ${r.c.id} (${r.a.confidence}) ${r.c.history ? `[${r.c.history.join(' | ')}] ` : ''}${r.c.question} → ${got}; want ${r.c.abstain ? 'abstain' : (r.c.target ?? r.c.expect?.map((g) => g.join('|')).join(' & '))}`,
      );
    }
  }
  out();
}

out('# Answer benchmark');
out();
out(
  `${kb.entries.length} entries, vocabulary: ${kb.vocabulary.concepts.length} concepts, ${kb.vocabulary.aliases.length} aliases; Node ${process.version}`,
);
out();
const answerer = await botFor();
const all: Result[] = [];
for (const s of sets) {
  const results = await runSet(readCases(s.path), (c) => answerInConversation(answerer, c));
  all.push(...results);
  table(s.name, results);
}
out(
  `Latency over all ${all.length} questions (in process, one answer; follow-ups: the last message): p50 ${pct(
    all.map((r) => r.ms),
    0.5,
  ).toFixed(2)} ms, p95 ${pct(
    all.map((r) => r.ms),
    0.95,
  ).toFixed(2)} ms, max ${Math.max(...all.map((r) => r.ms)).toFixed(2)} ms`,
);
out();

if (!flag('--quick')) {
  const test = sets.find((s) => s.name === 'dev test half');
  if (test) {
    out('### Ablations on the dev test half');
    out();
    out('| Variant | Score |');
    out('|---|---|');
    const cases = readCases(test.path);
    for (const [name, options] of [
      ['this bot', {}],
      ['no vocabulary (synonyms, aliases, German off)', { synonyms: false }],
      ['lexical only (no dense vectors)', { dense: false }],
    ] as const) {
      const bot = await botFor(options);
      const rs = await runSet(cases, (c) => answerInConversation(bot, c));
      out(`| ${name} | ${pctOf(rs.filter((r) => r.ok).length, rs.length)} |`);
    }
    out();
  }

  const tmpData = mkdtempSync(join(tmpdir(), 'mlg-bench-'));
  const b0 = performance.now();
  await buildIndex(kb, { ...config, dataDir: tmpData }, { embeddings: { id: embeddings.id, embeddings }, vectors });
  const buildMs = performance.now() - b0;
  rmSync(tmpData, { recursive: true, force: true });
  out('| Measure | Value |');
  out('|---|---|');
  out(`| Index build (lexical + dense, ${kb.entries.length} entries) | ${buildMs.toFixed(0)} ms |`);
  out(`| Word vectors load (${vectors.meta.words} words) | ${vectorsMs.toFixed(0)} ms |`);
  out(`| Cold start \`ask\` (process start → first answer) | ${await coldStart()} |`);
}

// Cold start of `ask`: process start → first answer on stdout, with a built index.
async function coldStart(): Promise<string> {
  if (flag('--no-cold-start')) return 'skipped (--no-cold-start)';
  const cli = join(ROOT, 'bin', 'mlops-guide.js');
  const once = () =>
    new Promise<number | string>((done) => {
      const t = performance.now();
      const child = spawn(process.execPath, [cli, 'ask', 'What is model drift?'], {
        cwd: ROOT,
        env: { ...process.env, LOG_LEVEL: 'silent' },
      });
      let first = 0;
      let err = '';
      child.stdout.on('data', () => {
        if (!first) first = performance.now() - t;
      });
      child.stderr.on('data', (d) => {
        err += String(d);
      });
      child.on('error', (e) => done(`skipped (${e.message})`));
      child.on('close', (code) =>
        done(code === 0 && first ? first : `skipped (exit ${code}: ${err.split('\n')[0]?.slice(0, 120)})`),
      );
    });
  const first = await once(); // also builds the index if it is missing or stale
  if (typeof first === 'string') return first;
  const times: number[] = [];
  for (let i = 0; i < 3; i++) {
    const t = await once();
    if (typeof t === 'string') return t;
    times.push(t);
  }
  return `${pct(times, 0.5).toFixed(0)} ms median of 3 (max ${Math.max(...times).toFixed(0)} ms)`;
}
