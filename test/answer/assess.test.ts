import { describe, expect, it } from 'vitest';
import { assess } from '../../src/answer/answerer.ts';
import type { Entry } from '../../src/knowledge/schema.ts';
import type { QuerySignals } from '../../src/retrieval/hybrid.ts';
import type { SearchHit } from '../../src/retrieval/types.ts';

// Signals as the hybrid retriever computes them: coverage weighted by each word's specificity.
function signalsFor(terms: { stem: string; specificity: number }[]): QuerySignals {
  const full = terms.map((t) => ({ word: t.stem, stem: t.stem, known: true, idf: 1, specificity: t.specificity }));
  const total = full.reduce((a, t) => a + t.specificity, 0);
  const share = (pick: (stem: string) => boolean) =>
    full.filter((t) => pick(t.stem)).reduce((a, t) => a + t.specificity, 0) / total;
  return {
    terms: full,
    coverage: 1,
    coverageOf: (hit) => share((s) => (hit.matched ?? []).includes(s)),
  } as QuerySignals;
}
const hit = (id: string, matched: string[]): SearchHit => ({
  entry: { id } as Entry,
  score: 0.7,
  lexical: 1,
  dense: 0.8,
  matched,
});

describe('assess (when to abstain)', () => {
  it('answers a question that joins two domain topics found in two entries', () => {
    const signals = signalsFor([
      { stem: 'kubernet', specificity: 1 },
      { stem: 'requir', specificity: 0.65 },
      { stem: 'mlop', specificity: 1 },
    ]);
    const verdict = assess([hit('glossary-kubernetes', ['kubernet']), hit('glossary-mlops', ['mlop'])], signals);
    expect(verdict.abstain).toBe(false);
  });

  it('abstains when only everyday words are spread over unrelated entries', () => {
    const signals = signalsFor([
      { stem: 'reset', specificity: 0.38 },
      { stem: 'laptop', specificity: 0.22 },
      { stem: 'password', specificity: 0.51 },
    ]);
    const verdict = assess([hit('a', ['password']), hit('b', ['laptop'])], signals);
    expect(verdict.abstain).toBe(true);
  });
});
