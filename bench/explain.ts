// Shows how the bot reads one question: its terms (origin, weight, specificity), the ranked entries, the
// decision's features. For maintainers and tuning:  node bench/explain.ts "question" ["earlier message" …]
import { join } from 'node:path';
import { createAnswerer } from '../src/answer/answerer.ts';
import { featuresOf } from '../src/answer/decide.ts';
import { silentLogger } from '../src/base/index.ts';
import { loadConfig } from '../src/config.ts';
import { loadKnowledge } from '../src/knowledge/load.ts';
import { createRetriever } from '../src/retrieval/hybrid.ts';
import { LocalEmbeddings } from '../src/retrieval/local-embeddings.ts';
import { ensureWordVectors } from '../src/retrieval/word-vectors.ts';
import { answerInConversation, ROOT } from './lib.ts';

const [question, ...history] = process.argv.slice(2);
if (!question) {
  process.stderr.write('usage: node bench/explain.ts "question" ["earlier message" …]\n');
  process.exit(2);
}
const kb = await loadKnowledge(join(ROOT, 'knowledge'));
const vectors = ensureWordVectors(loadConfig(process.env, ROOT).dataDir, silentLogger);
const retriever = await createRetriever(kb, { generalRank: vectors.rank, embeddings: new LocalEmbeddings(vectors) });
const r = await retriever.retrieve(question, { k: 6 });
console.log(`language ${r.signals.language}`);
for (const t of r.signals.terms) {
  const a = r.analysis.terms.find((x) => x.stem === t.stem);
  console.log(
    `  ${t.word.padEnd(16)} ${t.stem.padEnd(14)} ${t.origin.padEnd(8)} known=${t.known ? 1 : 0} w=${t.weight.toFixed(2)} spec=${t.specificity.toFixed(2)} rank=${vectors.rank(t.word) ?? '-'} exp=[${[...(a?.expansions.keys() ?? [])].slice(0, 5).join(',')}]`,
  );
}
for (const h of r.hits) {
  console.log(
    `  ${h.score.toFixed(3)} lex=${h.lexical?.toFixed(1) ?? '-'} dense=${h.dense?.toFixed(3) ?? '-'} cov=${r.signals.coverageOf(h).toFixed(2)} ${h.entry.id} [${h.matched?.join(',')}]`,
  );
}
console.log('features', featuresOf(r.hits, r.signals));
const a = await answerInConversation(createAnswerer({ kb, retriever, logger: silentLogger }), {
  id: 'x',
  question,
  history,
});
console.log(
  `→ ${a.abstained ? (a.soft ? 'SOFT' : 'HARD') : 'ANSWER'} ${a.confidence} ${a.entryIds.join(', ')}${a.followUp ? ' (follow-up)' : ''}`,
);
console.log(a.markdown);
