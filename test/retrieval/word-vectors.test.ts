import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/base/index.ts';
import { ErrorCode } from '../../src/errors.ts';
import { LocalEmbeddings } from '../../src/retrieval/local-embeddings.ts';
import { ensureWordVectors, loadWordVectors, vectorsDir, writeWordVectors } from '../../src/retrieval/word-vectors.ts';
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
