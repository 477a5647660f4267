// Builds the offline word vectors once per test run (4 s, from the installed package) into .cache/test-data,
// so tests that run the whole app on the real knowledge don't each convert the 294 MB JSON.
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { silentLogger } from '../src/base/index.ts';
import { ensureWordVectors } from '../src/retrieval/word-vectors.ts';

export const TEST_DATA_DIR = resolve(import.meta.dirname, '../.cache/test-data');

export default function setup() {
  mkdirSync(TEST_DATA_DIR, { recursive: true });
  ensureWordVectors(TEST_DATA_DIR, silentLogger);
}
