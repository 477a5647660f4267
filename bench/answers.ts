// Answer benchmark: eval score and in-process latency for this bot and two baselines on the same knowledge,
// plus ablations (synonyms, fusion, bigrams, dense), cold start of `ask` and index build time.
//   node bench/answers.ts [--questions FILE] [--knowledge DIR] [--out ANSWERS.jsonl] [--no-cold-start]
// Prints a Markdown table. Figures are printed, never asserted.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import MiniSearch from 'minisearch';
import { composeExtractive, createAnswerer } from '../src/answer/answerer.ts';
import type { Answer } from '../src/answer/types.ts';
import { loadConfig } from '../src/config.ts';
import { silentLogger } from '../src/core/types.ts';
import { checkKnowledge, createKnowledgeBase, loadKnowledge } from '../src/knowledge/load.ts';
import type { KnowledgeBase } from '../src/knowledge/types.ts';
import { denseTexts } from '../src/retrieval/documents.ts';
import { createRetriever, type RetrievalOptions } from '../src/retrieval/hybrid.ts';
import { buildIndex } from '../src/retrieval/index-store.ts';
import { LocalEmbeddings } from '../src/retrieval/local-embeddings.ts';
import type { SearchHit } from '../src/retrieval/types.ts';
import { ensureWordVectors } from '../src/retrieval/word-vectors.ts';

const ROOT = resolve(import.meta.dirname, '..');
const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(name);
  return i > 0 && process.argv[i + 1] ? (process.argv[i + 1] as string) : fallback;
};
const questionsPath = arg('--questions', '/work/shared/eval/questions.jsonl');
const knowledgeDir = resolve(arg('--knowledge', join(ROOT, 'knowledge')));
const outPath = arg('--out', '');
const out = (s = '') => process.stdout.write(`${s}\n`);

interface Case {
  id: string;
  question: string;
  expect?: string[][];
  abstain?: boolean;
}
const cases: Case[] = readFileSync(questionsPath, 'utf8')
  .split('\n')
  .filter((l) => l.trim())
  .map((l) => JSON.parse(l) as Case);

// The same rule as shared/eval/score.mjs: every group needs one alternative in the answer or a source title.
function passes(c: Case, a: Pick<Answer, 'markdown' | 'abstained' | 'sources'>): boolean {
  if (c.abstain) return a.abstained;
  if (a.abstained) return false;
  const text = [a.markdown, ...a.sources.map((s) => s.title)].join(' ').toLowerCase();
  return (c.expect ?? []).every((g) => g.some((alt) => new RegExp(alt, 'i').test(text)));
}

async function loadKb(): Promise<KnowledgeBase> {
  try {
    return await loadKnowledge(knowledgeDir);
  } catch (err) {
    // Knowledge is edited in parallel: benchmark what parses, and say so.
    const check = await checkKnowledge(knowledgeDir);
    out(
      `> note: knowledge has ${check.problems.filter((p) => p.severity === 'error').length} errors (${String(err).split('\n')[0]}); benchmarking the ${check.entries.length} valid entries`,
    );
    return createKnowledgeBase(knowledgeDir, check.entries, check.hash);
  }
}

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? (s[Math.min(s.length - 1, Math.floor(p * s.length))] as number) : Number.NaN;
};

interface Row {
  name: string;
  passed: number;
  abstainOk: number;
  p50: number;
  p95: number;
}

async function run(name: string, answer: (q: string) => Promise<Answer>, collect?: string[]): Promise<Row> {
  for (const c of cases.slice(0, 5)) await answer(c.question); // warm-up (JIT)
  const lat: number[] = [];
  let passed = 0;
  let abstainOk = 0;
  for (const c of cases) {
    const t = performance.now();
    const a = await answer(c.question);
    const ms = performance.now() - t;
    lat.push(ms);
    if (passes(c, a)) {
      passed++;
      if (c.abstain) abstainOk++;
    } else if (process.argv.includes('--verbose')) out(`  ${name} FAIL ${c.id} ${c.question}`);
    collect?.push(
      JSON.stringify({
        id: c.id,
        question: c.question,
        answer: a.markdown,
        abstained: a.abstained,
        confidence: a.confidence,
        sources: a.sources.map((s) => ({ id: s.id, title: s.title, type: s.type, score: s.score })),
        suggestions: a.suggestions,
        latencyMs: Math.round(ms * 100) / 100,
      }),
    );
  }
  return { name, passed, abstainOk, p50: pct(lat, 0.5), p95: pct(lat, 0.95) };
}

/** A baseline answers from its top hit like the bot does, and abstains only when it finds nothing. */
function baselineAnswerer(kb: KnowledgeBase, search: (q: string) => SearchHit[]) {
  return async (question: string): Promise<Answer> => {
    const hits = search(question);
    if (hits.length === 0) {
      return {
        answerId: '',
        question,
        abstained: true,
        confidence: 0,
        markdown: '',
        sources: [],
        suggestions: [],
        generated: false,
      };
    }
    const c = composeExtractive(question, hits, kb);
    return {
      answerId: '',
      question,
      abstained: false,
      confidence: 0.5,
      markdown: c.markdown,
      sources: c.entries.map((e) => ({ id: e.id, title: e.title, type: e.type })),
      suggestions: [],
      generated: false,
    };
  };
}

const kb = await loadKb();
const abstainCases = cases.filter((c) => c.abstain).length;
out(`# Answer benchmark`);
out();
out(
  `${kb.entries.length} entries, ${cases.length} questions (${abstainCases} out of scope) from ${questionsPath}, Node ${process.version}`,
);
out();

const config = loadConfig({ ...process.env, KNOWLEDGE_DIR: knowledgeDir }, ROOT);
const t0 = performance.now();
const vectors = ensureWordVectors(config.dataDir, silentLogger);
const vectorsMs = performance.now() - t0;
const embeddings = new LocalEmbeddings(vectors);

// Index build (in a temp DATA_DIR so the real index is untouched).
const tmpData = mkdtempSync(join(tmpdir(), 'mlg-bench-'));
const b0 = performance.now();
await buildIndex(kb, { ...config, dataDir: tmpData }, { embeddings: { id: embeddings.id, embeddings }, vectors });
const buildMs = performance.now() - b0;
rmSync(tmpData, { recursive: true, force: true });

const rows: Row[] = [];
const botAnswers: string[] = [];
async function bot(name: string, options: RetrievalOptions & { dense?: boolean }, collect?: string[]) {
  const retriever = await createRetriever(kb, {
    ...options,
    generalRank: vectors.rank,
    ...(options.dense === false ? {} : { embeddings }),
  });
  const answerer = createAnswerer({ kb, retriever, logger: silentLogger });
  rows.push(await run(name, (q) => answerer.answer(q), collect));
}
await bot('**MLOps Guide** (hybrid: BM25F + vectors, blend, synonyms, bigrams)', {}, botAnswers);

// Baseline 1: MiniSearch with default settings (plain BM25 over the text fields).
const plain = new MiniSearch<{ id: string; text: string }>({ fields: ['text'] });
plain.addAll(kb.entries.map((e) => ({ id: e.id, text: [e.title, e.summary, ...e.questions, e.body].join('\n') })));
const plainSearch = (q: string): SearchHit[] =>
  plain
    .search(q)
    .slice(0, 6)
    .flatMap((r) => {
      const entry = kb.get(String(r.id));
      return entry ? [{ entry, score: r.score }] : [];
    });
rows.push(await run('Baseline: MiniSearch BM25, defaults', baselineAnswerer(kb, plainSearch)));

// Baseline 2: brute-force cosine over the same averaged word vectors (max over an entry's texts).
const docVecs = kb.entries.map((e) => ({ entry: e, vecs: denseTexts(e).map((t) => embeddings.embed(t)) }));
const cosineSearch = (q: string): SearchHit[] => {
  const v = embeddings.embed(q);
  if (!v.some((x) => x !== 0)) return [];
  return docVecs
    .map(({ entry, vecs }) => ({
      entry,
      score: Math.max(...vecs.map((d) => d.reduce((a, x, i) => a + x * (v[i] as number), 0))),
    }))
    .sort((a, b) => b.score - a.score)
    .slice(0, 6);
};
rows.push(await run('Baseline: cosine over averaged word vectors', baselineAnswerer(kb, cosineSearch)));

// Ablations of this bot.
await bot('ablation: no synonyms', { synonyms: false });
await bot('ablation: no bigrams', { bigrams: false });
await bot('ablation: no dense (lexical only)', { dense: false });
await bot('ablation: reciprocal-rank fusion', { fusion: 'rrf' });
await bot('ablation: blend, dense weight 0.5', { denseWeight: 0.5 });

out('| System | Eval score | Out-of-scope abstained | p50 ms | p95 ms |');
out('|---|---|---|---|---|');
for (const r of rows) {
  out(
    `| ${r.name} | ${((100 * r.passed) / cases.length).toFixed(1)} % (${r.passed}/${cases.length}) | ${r.abstainOk}/${abstainCases} | ${r.p50.toFixed(2)} | ${r.p95.toFixed(2)} |`,
  );
}
out();

// Cold start of `ask`: process start → first answer on stdout, with a built index.
async function coldStart(): Promise<string> {
  if (process.argv.includes('--no-cold-start')) return 'skipped (--no-cold-start)';
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

out('| Measure | Value |');
out('|---|---|');
out(`| Index build (lexical + dense, ${kb.entries.length} entries) | ${buildMs.toFixed(0)} ms |`);
out(`| Word vectors load (${vectors.meta.words} words) | ${vectorsMs.toFixed(0)} ms |`);
out(`| Cold start \`ask\` (process start → first answer) | ${await coldStart()} |`);

if (outPath) {
  writeFileSync(outPath, `${botAnswers.join('\n')}\n`);
  out();
  out(
    `Wrote ${botAnswers.length} answers to ${outPath} (score with: node /work/shared/eval/score.mjs ${questionsPath} ${outPath})`,
  );
}
