// Lexical search at scale: MiniSearch (the lexical index before issue 12), the compact index the retriever uses now
// (compact-lexical.ts: MiniSearch's scores in typed arrays; its top 10 should be MiniSearch's) and SQLite FTS5 with
// bm25() (inside better-sqlite3: on disk, incremental, small memory), on the same documents, the same analysed terms and the same questions, before choosing.
// Both get exactly the terms the retriever searches for (stems, synonym expansions, word pairs), the field weights of
// FIELD_BOOSTS. Prints, per size: build time, memory (MiniSearch's heap growth vs FTS5's file), query p50/p95, and how
// much of MiniSearch's top 10 FTS5 finds in its top 10 (FTS5 has no per-term boost: expansions count fully there).
//   node bench/fts5.ts [--sizes 150,1500,15000]
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { silentLogger } from '../src/base/index.ts';
import { loadKnowledge } from '../src/knowledge/load.ts';
import { FIELD_BOOSTS, LEXICAL_FIELDS, toLexicalDoc } from '../src/retrieval/documents.ts';
import { analyzerFor, buildLexical, buildMiniSearch, indexTerms } from '../src/retrieval/hybrid.ts';
import { ROOT, readCases, TEST_FILES, TUNING_FILES } from './lib.ts';
import { syntheticKnowledge } from './reload.ts';

const { values } = parseArgs({ options: { sizes: { type: 'string', default: '150,1500,15000' } } });
const sizes = String(values.sizes)
  .split(',')
  .map(Number)
  .filter((n) => n > 0);
const questions = readCases([...TEST_FILES, ...TUNING_FILES].map((f) => join(ROOT, f)))
  .map((c) => c.question)
  .slice(0, 300);
const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))] ?? Number.NaN;
};
const gc = () => (globalThis as { gc?: () => void }).gc?.();
const mb = (n: number) => `${(n / 1048576).toFixed(0)} MB`;

console.log(`| entries | engine | build | memory | query p50 | query p95 | top-10 overlap with MiniSearch |`);
console.log('|---|---|---|---|---|---|---|');
for (const size of sizes) {
  const dir = mkdtempSync(join(tmpdir(), 'mlops-guide-fts5-'));
  try {
    const knowledgeDir = join(dir, 'knowledge');
    if (size <= 150) syntheticKnowledge(0, knowledgeDir);
    else syntheticKnowledge(size, knowledgeDir);
    const kb = await loadKnowledge(knowledgeDir, { logger: silentLogger });
    const analyzer = analyzerFor(kb, {});
    const docs = kb.entries.map(toLexicalDoc);

    // MiniSearch, as the retriever builds it.
    gc();
    const heap0 = process.memoryUsage().heapUsed;
    let t = performance.now();
    const lexical = buildMiniSearch(kb, {}, analyzer);
    const msBuild = performance.now() - t;
    gc();
    const msHeap = process.memoryUsage().heapUsed - heap0;

    // The compact index (compact-lexical.ts) the retriever uses since issue 12: the same scores in typed arrays.
    const heap1 = process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers;
    t = performance.now();
    const { lexical: compact, stats } = buildLexical(kb, {}, analyzer);
    const cBuild = performance.now() - t;
    gc();
    const cHeap = process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers - heap1;

    // FTS5: one column per field, pre-analysed tokens (the same stems and word pairs), bm25 with the field weights.
    const path = join(dir, 'fts.db');
    const db = new Database(path);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.exec(
      `CREATE VIRTUAL TABLE fts USING fts5(id UNINDEXED, ${LEXICAL_FIELDS.join(', ')}, tokenize = "unicode61 tokenchars '_'")`,
    );
    t = performance.now();
    const insert = db.prepare(
      `INSERT INTO fts (id, ${LEXICAL_FIELDS.join(', ')}) VALUES (?, ${LEXICAL_FIELDS.map(() => '?').join(', ')})`,
    );
    db.transaction(() => {
      for (const d of docs) insert.run(d.id, ...LEXICAL_FIELDS.map((f) => indexTerms(analyzer, d[f], {}).join(' ')));
    })();
    db.exec("INSERT INTO fts(fts) VALUES('optimize')");
    const ftsBuild = performance.now() - t;
    const weights = LEXICAL_FIELDS.map((f) => FIELD_BOOSTS[f]).join(', ');
    const search = db.prepare(`SELECT id FROM fts WHERE fts MATCH ? ORDER BY bm25(fts, 0, ${weights}) LIMIT 10`);
    const known = (s: string) => (stats.df[s] ?? 0) > 0;

    const msTimes: number[] = [];
    const cTimes: number[] = [];
    const ftsTimes: number[] = [];
    let cOverlap = 0;
    let overlap = 0;
    let compared = 0;
    for (const q of questions) {
      const analysis = analyzer.query(q, { known });
      const terms = new Map<string, number>();
      const own = analysis.terms.map((x) => x.stem);
      for (const x of analysis.terms) {
        terms.set(x.stem, Math.max(terms.get(x.stem) ?? 0, 1));
        for (const [e, w] of x.expansions) terms.set(e, Math.max(terms.get(e) ?? 0, w));
      }
      for (let i = 1; i < own.length; i++) terms.set(`${own[i - 1]}_${own[i]}`, 1);
      const list = [...terms.keys()].filter((x) => /^[\p{L}\p{N}_]+$/u.test(x));
      if (list.length === 0) continue;
      t = performance.now();
      const a = lexical
        .search(list.join(' '), {
          tokenize: (s) => s.split(' ').filter(Boolean),
          processTerm: (x) => x,
          boostTerm: (x) => terms.get(x) ?? 1,
        })
        .slice(0, 10)
        .map((r) => String(r.id));
      msTimes.push(performance.now() - t);
      t = performance.now();
      const m = compact.search(list, (x) => terms.get(x) ?? 1, new Set());
      const order = [...m.docs.keys()].sort((x, y) => (m.scores[y] as number) - (m.scores[x] as number));
      const c = order.slice(0, 10).map((i) => compact.ids[m.docs[i] as number] as string);
      cTimes.push(performance.now() - t);
      t = performance.now();
      const b = (search.all(list.map((x) => `"${x}"`).join(' OR ')) as { id: string }[]).map((r) => r.id);
      ftsTimes.push(performance.now() - t);
      if (a.length > 0) {
        compared++;
        overlap += a.filter((id) => b.includes(id)).length / a.length;
        cOverlap += a.filter((id) => c.includes(id)).length / a.length;
      }
    }
    db.close();
    const file = statSync(path).size + (statSync(`${path}-wal`, { throwIfNoEntry: false })?.size ?? 0);
    const n = kb.entries.length;
    console.log(
      `| ${n} | MiniSearch | ${msBuild.toFixed(0)} ms | heap +${mb(msHeap)} | ${pct(msTimes, 0.5).toFixed(2)} ms | ${pct(msTimes, 0.95).toFixed(2)} ms | — |`,
    );
    console.log(
      `| ${n} | compact | ${cBuild.toFixed(0)} ms | heap+buffers +${mb(cHeap)} | ${pct(cTimes, 0.5).toFixed(2)} ms | ${pct(cTimes, 0.95).toFixed(2)} ms | ${((cOverlap / Math.max(1, compared)) * 100).toFixed(0)} % |`,
    );
    console.log(
      `| ${n} | FTS5 bm25 | ${ftsBuild.toFixed(0)} ms | file ${mb(file)} | ${pct(ftsTimes, 0.5).toFixed(2)} ms | ${pct(ftsTimes, 0.95).toFixed(2)} ms | ${((overlap / Math.max(1, compared)) * 100).toFixed(0)} % |`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
