// Dumps every answer and every retrieval hit (full-precision scores) for the dev set and ../shared/eval, so a
// speed-only change to src/retrieval or src/answer can be checked to give byte-identical results:
//   node bench/same-answers.ts > /tmp/before.jsonl   (before the change)
//   node bench/same-answers.ts > /tmp/after.jsonl && cmp /tmp/before.jsonl /tmp/after.jsonl
//   --knowledge DIR: another knowledge folder (e.g. synthetic knowledge from bench/scale.ts --keep).
// Random or timing fields (answerId, latency) are left out.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createAnswerer } from '../src/answer/answerer.ts';
import type { ConversationContext } from '../src/answer/types.ts';
import { silentLogger } from '../src/base/index.ts';
import { loadConfig } from '../src/config.ts';
import { loadKnowledge } from '../src/knowledge/load.ts';
import { createRetriever } from '../src/retrieval/hybrid.ts';
import { LocalEmbeddings } from '../src/retrieval/local-embeddings.ts';
import { ensureWordVectors } from '../src/retrieval/word-vectors.ts';
import { ROOT, readCases } from './lib.ts';

const i = process.argv.indexOf('--knowledge');
const knowledgeDir = resolve(i > 0 ? (process.argv[i + 1] ?? '') : join(ROOT, 'knowledge'));
const EVAL = resolve(ROOT, '..', 'shared', 'eval');
const files = [
  'bench/devset/test.jsonl',
  'bench/devset/tune.jsonl',
  'bench/devset/tune-extra.jsonl',
  join(EVAL, 'questions.jsonl'),
  join(EVAL, 'german.jsonl'),
  join(EVAL, 'followups.jsonl'),
]
  .map((f) => resolve(ROOT, f))
  .filter((f) => existsSync(f));

const kb = await loadKnowledge(knowledgeDir);
const config = loadConfig({ ...process.env, KNOWLEDGE_DIR: knowledgeDir }, ROOT);
const vectors = ensureWordVectors(config.dataDir, silentLogger);
const retriever = await createRetriever(kb, { generalRank: vectors.rank, embeddings: new LocalEmbeddings(vectors) });
const answerer = createAnswerer({ kb, retriever, logger: silentLogger });
const out: string[] = [];
for (const file of files) {
  for (const c of readCases(file)) {
    const context: ConversationContext = { turns: [] };
    for (const h of c.history ?? []) {
      const a = await answerer.answer(h, context);
      context.turns.push({ question: h, entryIds: a.entryIds });
    }
    const { answerId: _id, ...answer } = await answerer.answer(
      c.question,
      context.turns.length > 0 ? context : undefined,
    );
    const r = await retriever.retrieve(c.question, { k: 10 });
    const hits = r.hits.map((h) => [h.entry.id, h.score, h.lexical, h.dense, h.matched, h.named ?? false]);
    out.push(
      JSON.stringify({ file: file.slice(file.lastIndexOf('/') + 1), id: c.id, answer, hits, signals: r.signals }),
    );
  }
}
process.stdout.write(`${out.join('\n')}\n`);
