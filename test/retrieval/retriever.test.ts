import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeEmbeddings } from '@langchain/core/utils/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Entry, entryFrontMatterSchema } from '../../src/knowledge/schema.ts';
import { createRetriever, distinctlyCovered, type HybridRetriever } from '../../src/retrieval/hybrid.ts';
import { LocalEmbeddings } from '../../src/retrieval/local-embeddings.ts';
import { loadWordVectors, vectorsDir } from '../../src/retrieval/word-vectors.ts';
import { fixtureEntries, fixtureKb, writeTinyVectors } from '../fixtures/retrieval/kb.ts';

const kb = fixtureKb();
let data: string;
let hybrid: HybridRetriever;

beforeAll(async () => {
  data = mkdtempSync(join(tmpdir(), 'mlg-ret-'));
  writeTinyVectors(data);
  const vectors = loadWordVectors(vectorsDir(data));
  hybrid = await createRetriever(kb, { embeddings: new LocalEmbeddings(vectors), generalRank: vectors.rank });
});
afterAll(() => rmSync(data, { recursive: true, force: true }));

const top = async (r: HybridRetriever, q: string) => (await r.search(q, { k: 3 }))[0]?.entry.id;

describe('hybrid retriever', () => {
  it('finds an entry by its title', async () => {
    expect(await top(hybrid, 'threats to validity')).toBe('study-threats-to-validity');
  });

  it('finds an entry by one of its questions, worded differently', async () => {
    expect(await top(hybrid, 'Who owns the coating logs and how do I get access?')).toBe('dataset-coating-logs');
    expect(await top(hybrid, 'why do models get worse over time')).toBe('property-drift');
  });

  it('finds an entry through a domain synonym the entry does not use', async () => {
    // "decay"/"degradation" → drift; "graphics card" → gpu; "on site" → on-prem.
    expect(await top(hybrid, 'what is model degradation')).toBe('property-drift');
    expect(await top(hybrid, 'which accelerator do I need')).toBe('glossary-gpu');
    expect(await top(hybrid, 'ML platform on site for confidential data')).toBe('infra-central-on-prem');
  });

  it('without synonyms the synonym-only question misses', async () => {
    const plain = await createRetriever(kb, { synonyms: false });
    expect(await top(plain, 'which accelerator do I need')).not.toBe('glossary-gpu');
  });

  it('filters by entry type and honours k', async () => {
    const hits = await hybrid.search('platform for ML models', { k: 2, types: ['infrastructure'] });
    expect(hits).toHaveLength(2);
    expect(hits.every((h) => h.entry.type === 'infrastructure')).toBe(true);
  });

  it('returns scores in descending order with lexical and dense signals', async () => {
    const hits = await hybrid.search('sidecar deployment next to the system');
    expect(hits[0]?.entry.id).toBe('infra-sidecar');
    expect(hits[0]?.lexical).toBeGreaterThan(0);
    expect(hits[0]?.dense).toBeGreaterThan(0);
    const scores = hits.map((h) => h.score);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
  });

  it('the longest name wins: "data drift" names the data-drift entry, not also the drift property inside it', async () => {
    const dataDrift = {
      ...entryFrontMatterSchema.parse({
        id: 'glossary-data-drift',
        type: 'glossary',
        term: 'data drift',
        title: 'Data drift',
        summary: 'The inputs a model sees in production change away from those it was trained on.',
        questions: ['What is data drift?', 'Why do inputs change?', 'What is covariate shift?'],
        sources: [{ citation: 'Haug et al. 2025' }],
      }),
      body: '## Key points\n- Inputs change.',
      file: 'glossary/glossary-data-drift.md',
    } as Entry;
    const r = await createRetriever(fixtureKb([...fixtureEntries, dataDrift]), { generalRank: () => undefined });
    const named = async (q: string) =>
      (await r.retrieve(q, { k: 5 })).hits.filter((h) => h.named).map((h) => h.entry.id);
    expect(await named('what is data drift')).toEqual(['glossary-data-drift']);
    // The shorter name still names its entry when the longer one is not in the question.
    expect(await named('what is drift')).toEqual(['property-drift']);
  });

  it('a name is named only when each of its words has a question word of its own (synonyms do not stand in twice)', () => {
    // "coating" expands to deposition and multilayer: alone it does not name "coating / multilayer deposition".
    const coating = new Set(['coat', 'deposit', 'multilay']);
    expect(distinctlyCovered(['coat', 'multilay', 'deposit'], [coating])).toBe(false);
    expect(
      distinctlyCovered(['coat', 'multilay', 'deposit'], [coating, new Set(['multilay']), new Set(['deposit'])]),
    ).toBe(true);
    // The assignment is searched, not greedy: the first term may have to give up a stem to the second.
    expect(distinctlyCovered(['a', 'b'], [new Set(['a', 'b']), new Set(['a'])])).toBe(true);
    expect(distinctlyCovered(['a'], [])).toBe(false);
  });

  it('reciprocal-rank fusion ranks the same obvious entry first', async () => {
    const rrf = await createRetriever(kb, { embeddings: new FakeEmbeddings(), fusion: 'rrf' });
    expect(await top(rrf, 'When should I use the sidecar pattern?')).toBe('infra-sidecar');
  });

  it('signals tell everyday words from domain words, and unknown words from known ones', () => {
    const s = hybrid.signals('What time does the cafeteria close?');
    const byWord = Object.fromEntries(s.terms.map((t) => [t.word, t]));
    expect(byWord.cafeteria?.known).toBe(false);
    expect(byWord.time?.specificity).toBeLessThan(0.3);
    expect(hybrid.signals('model drift monitoring').terms.every((t) => t.known && t.specificity > 0.4)).toBe(true);
    expect(s.coverage).toBeLessThan(0.5);
  });

  it.each([
    ['empty', ''],
    ['only stop words', 'what is the'],
    ['emoji', '🚀🔥 drift? 🤖'],
    ['control characters', 'drift\u0000\u0007\u001b[31m model'],
    ['Slack markup', '<!channel> <@U123ABC> what is <https://x.example|drift>?'],
    ['another language', 'Wo finde ich die Daten für mein Projekt? 数据在哪里'],
    ['very long', 'model '.repeat(2000)],
    ['regex characters', '(.*+?[drift]{2}\\'],
  ])('handles %s input without crashing', async (_name, q) => {
    const hits = await hybrid.search(q);
    expect(Array.isArray(hits)).toBe(true);
  });

  it('treats Slack markup as text, not as a mention', async () => {
    expect(await top(hybrid, '<!channel> what is model drift?')).toBe('property-drift');
  });
});
