import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeEmbeddings } from '@langchain/core/utils/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { buildDenseIndex, createDenseIndex, loadDenseIndex } from '../../src/retrieval/dense.ts';

const unit = (v: number[]) => {
  const n = Math.hypot(...v);
  return v.map((x) => x / n);
};
const dir = mkdtempSync(join(tmpdir(), 'mlg-dense-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('dense index', () => {
  // Entry "a" has two vectors, "b" one; the cosine of [1,0,0] to a's closest vector [1,1,0] is 1/√2.
  const vectors = [
    [1, 1, 0],
    [0, 0, 1],
    [0, 1, 0],
  ];
  const texts = [
    { text: 'a1', id: 'a' },
    { text: 'a2', id: 'a' },
    { text: 'b1', id: 'b' },
  ];

  it('gives the exact similarity to an entry’s closest vector, also for one the top-k search did not return', async () => {
    const index = await createDenseIndex(new FakeEmbeddings(), vectors, texts);
    if (!index) throw new Error('no index');
    const q = unit([1, 0, 0]);
    expect(index.search(q, 1).map((h) => h.id)).toEqual(['a']);
    expect(index.similarity(q, 'a')).toBeCloseTo(Math.SQRT1_2, 5);
    expect(index.similarity(q, 'b')).toBeCloseTo(0, 5);
    expect(index.similarity(unit([0, 1, 1]), 'a')).toBeCloseTo(Math.SQRT1_2, 5);
    expect(index.similarity(q, 'nope')).toBeUndefined();
    expect(index.similarity([1, 0], 'a')).toBeUndefined();
  });

  it('answers the same after a save and load', async () => {
    const index = await createDenseIndex(new FakeEmbeddings(), vectors, texts);
    await index?.save(dir);
    const loaded = await loadDenseIndex(dir, new FakeEmbeddings());
    expect(loaded.similarity(unit([1, 0, 0]), 'a')).toBeCloseTo(Math.SQRT1_2, 5);
  });

  it('built batch by batch, is the same index as built from all vectors at once (same file, same answers)', async () => {
    const many = Array.from({ length: 40 }, (_, i) => unit([Math.sin(i) + 1.5, Math.cos(i * 0.7), (i % 5) / 5 + 0.1]));
    const labels = many.map((_, i) => ({ text: `t${i}`, id: `e${Math.floor(i / 3)}` }));
    const whole = await createDenseIndex(new FakeEmbeddings(), many, labels);
    const batches = [labels.slice(0, 7), labels.slice(7, 8), labels.slice(8, 31), labels.slice(31)];
    const vectorOf = new Map(labels.map((l, i) => [l.text, many[i] as number[]]));
    const embed = async (texts: string[]) => texts.map((t) => vectorOf.get(t) as number[]);
    const batched = await buildDenseIndex(new FakeEmbeddings(), many.length, batches, embed);
    if (!whole || !batched) throw new Error('no index');
    await whole.save(join(dir, 'whole'));
    await batched.save(join(dir, 'batched'));
    for (const f of ['hnswlib.index', 'labels.json', 'docstore.json']) {
      expect(readFileSync(join(dir, 'batched', f)).equals(readFileSync(join(dir, 'whole', f)))).toBe(true);
    }
    const q = unit([1, 0.2, 0.3]);
    expect(batched.search(q, 5)).toEqual(whole.search(q, 5));
    await expect(buildDenseIndex(new FakeEmbeddings(), many.length + 1, batches, embed)).rejects.toThrow(/announced/);
    expect(await buildDenseIndex(new FakeEmbeddings(), 0, [], embed)).toBeUndefined();
  });
});
