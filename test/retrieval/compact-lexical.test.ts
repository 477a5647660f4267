// The compact lexical index must score exactly as MiniSearch did (answers must not change when it replaced it):
// same documents, same scores to the last bit, same matched terms and head-field matches.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildCompactLexical, compactFromBuffer } from '../../src/retrieval/compact-lexical.ts';
import { toLexicalDoc } from '../../src/retrieval/documents.ts';
import { analyzerFor, buildMiniSearch, indexTerms, type RetrievalOptions } from '../../src/retrieval/hybrid.ts';
import { fixtureKb } from '../fixtures/retrieval/kb.ts';

const kb = fixtureKb();
const HEAD = new Set(['title', 'names', 'questions', 'summary']);
const QUESTIONS = [
  'How do I find a suitable data set?',
  'When should I use the sidecar pattern?',
  'who owns the coating chamber logs',
  'threats to validity of the study',
  'data data catalog owner steward access',
  'nothing here matches xyzzy',
];

/** MiniSearch's results as {id → [score, matched terms, head terms]}. */
function miniSearchResults(options: RetrievalOptions, terms: string[], boost: (t: string) => number) {
  const analyzer = analyzerFor(kb, options);
  const ms = buildMiniSearch(kb, options, analyzer);
  const out = new Map<string, [number, string[], string[]]>();
  for (const r of ms.search(terms.join(' '), {
    tokenize: (s) => s.split(' ').filter(Boolean),
    processTerm: (t) => t,
    boostTerm: boost,
  })) {
    const head = r.terms.filter((t) => (r.match[t] ?? []).some((f) => HEAD.has(f)));
    out.set(String(r.id), [r.score, [...r.terms].sort(), head.sort()]);
  }
  return out;
}

function compactResults(
  lexical: ReturnType<typeof buildCompactLexical>,
  terms: string[],
  boost: (t: string) => number,
) {
  const m = lexical.search(terms, boost, HEAD);
  const bits = (set: Uint32Array, i: number) =>
    m.terms.filter((_, j) => (((set[i * m.words + (j >>> 5)] as number) >>> (j & 31)) & 1) === 1).sort();
  const out = new Map<string, [number, string[], string[]]>();
  m.docs.forEach((doc, i) => {
    out.set(lexical.ids[doc] as string, [m.scores[i] as number, bits(m.found, i), bits(m.head, i)]);
  });
  return out;
}

function queryTerms(options: RetrievalOptions, question: string): string[] {
  const analysis = analyzerFor(kb, options).query(question);
  const terms = new Set<string>();
  for (const t of analysis.terms) {
    terms.add(t.stem);
    for (const e of t.expansions.keys()) terms.add(e);
  }
  const own = analysis.terms.map((t) => t.stem);
  for (let i = 1; i < own.length; i++) terms.add(`${own[i - 1]}_${own[i]}`);
  return [...terms];
}

describe('compact lexical index', () => {
  it.each<[string, RetrievalOptions]>([
    ['default options', {}],
    ['other field boosts and BM25 parameters', { fieldBoosts: { body: 2, title: 0 }, bm25: { k: 2, b: 0.3, d: 1 } }],
    ['no bigrams', { bigrams: false }],
  ])('scores exactly as MiniSearch with %s', (_what, options) => {
    const analyzer = analyzerFor(kb, options);
    const lexical = buildCompactLexical(kb.entries.map(toLexicalDoc), {
      tokenize: (text) => indexTerms(analyzer, text, options),
      ...(options.fieldBoosts ? { fieldBoosts: options.fieldBoosts } : {}),
      ...(options.bm25 ? { bm25: options.bm25 } : {}),
    });
    for (const q of QUESTIONS) {
      const terms = queryTerms(options, q);
      const boost = (t: string) => (t.includes('_') ? 0.5 : 1 + (t.length % 3) / 10);
      expect(compactResults(lexical, terms, boost)).toEqual(miniSearchResults(options, terms, boost));
    }
  });

  it('counts a query term given twice twice, as MiniSearch does', () => {
    const analyzer = analyzerFor(kb, {});
    const lexical = buildCompactLexical(kb.entries.map(toLexicalDoc), {
      tokenize: (text) => indexTerms(analyzer, text, {}),
    });
    const terms = ['data', 'catalog', 'data'];
    expect(compactResults(lexical, terms, () => 1)).toEqual(miniSearchResults({}, terms, () => 1));
  });

  it('reads back from its binary form the same, also from a buffer that does not start 8-byte aligned', () => {
    const analyzer = analyzerFor(kb, {});
    const lexical = buildCompactLexical(kb.entries.map(toLexicalDoc), {
      tokenize: (text) => indexTerms(analyzer, text, {}),
    });
    const bytes = lexical.toBuffer();
    const shifted = Buffer.alloc(bytes.length + 3);
    bytes.copy(shifted, 3);
    for (const input of [bytes, shifted.subarray(3)]) {
      const loaded = compactFromBuffer(input);
      expect(loaded.documentCount).toBe(kb.entries.length);
      expect(loaded.termCount).toBe(lexical.termCount);
      for (const q of QUESTIONS) {
        const terms = queryTerms({}, q);
        expect(compactResults(loaded, terms, () => 1)).toEqual(compactResults(lexical, terms, () => 1));
      }
    }
  });

  it('writes to a file the same bytes as its binary form', () => {
    const analyzer = analyzerFor(kb, {});
    const lexical = buildCompactLexical(kb.entries.map(toLexicalDoc), {
      tokenize: (text) => indexTerms(analyzer, text, {}),
    });
    const dir = mkdtempSync(join(tmpdir(), 'mlg-lex-'));
    try {
      for (const l of [lexical, buildCompactLexical([], { tokenize: (t) => t.split(' ') })]) {
        l.writeTo(join(dir, 'lexical.bin'));
        expect(readFileSync(join(dir, 'lexical.bin')).equals(l.toBuffer())).toBe(true);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a file that is not one, naming why', () => {
    expect(() => compactFromBuffer(Buffer.from('{"index": []}'))).toThrow(/not a lexical index file/);
    const bytes = buildCompactLexical([], { tokenize: (t) => t.split(' ') }).toBuffer();
    expect(() => compactFromBuffer(bytes.subarray(0, 14))).toThrow(/truncated/);
  });
});
