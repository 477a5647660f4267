import { describe, expect, it } from 'vitest';
import { decide } from '../../src/answer/decide.ts';
import type { Entry } from '../../src/knowledge/schema.ts';
import type { QuerySignals, TermSignal } from '../../src/retrieval/hybrid.ts';
import type { SearchHit } from '../../src/retrieval/types.ts';

// Signals as the hybrid retriever computes them: coverage weighted by each term's weight.
function signalsFor(
  terms: { stem: string; specificity: number; known?: boolean; weight?: number; idf?: number }[],
): QuerySignals {
  const full: TermSignal[] = terms.map((t) => ({
    word: t.stem,
    stem: t.stem,
    origin: 'word',
    known: t.known ?? true,
    idf: t.idf ?? 2,
    specificity: t.specificity,
    weight: t.weight ?? Math.max(0.1, t.specificity),
  }));
  const total = full.reduce((a, t) => a + t.weight, 0);
  const share = (pick: (t: TermSignal) => boolean) => full.filter(pick).reduce((a, t) => a + t.weight, 0) / total;
  return {
    language: 'en',
    terms: full,
    coverage: share((t) => t.known),
    coverageOf: (hit) => share((t) => (hit.matched ?? []).includes(t.stem)),
  };
}
const hit = (id: string, matched: string[], score: number, dense?: number): SearchHit => ({
  entry: { id } as Entry,
  score,
  lexical: 10 * score,
  ...(dense === undefined ? {} : { dense }),
  matched,
});

describe('decide (answer, soft abstain or hard abstain)', () => {
  it('answers a question whose domain words one entry clearly covers', () => {
    const signals = signalsFor([
      { stem: 'drift', specificity: 1 },
      { stem: 'detect', specificity: 0.7 },
    ]);
    const d = decide(
      [hit('challenge-model-drift', ['drift', 'detect'], 1, 0.92), hit('b', ['drift'], 0.5, 0.8)],
      signals,
    );
    expect(d.kind).toBe('answer');
    expect(d.confidence).toBeGreaterThan(0.8);
  });

  it('offers entries (soft), not "nothing on that", when only words most entries share say the question is ours', () => {
    // "What should I as a department head ask for at the start of an ML initiative?": "ML" is ours through and
    // through but in nearly every entry (low idf), so it says nothing about which entry.
    const signals = signalsFor([
      { stem: 'ml', specificity: 1, idf: 0.3 },
      { stem: 'depart', specificity: 0.1 },
      { stem: 'start', specificity: 0.39 },
      { stem: 'initi', specificity: 0.1 },
    ]);
    const d = decide([hit('a', ['ml', 'depart'], 1, 0.85), hit('b', ['ml', 'start'], 0.95, 0.82)], signals);
    expect(d.kind).toBe('soft');
  });

  it('keeps the hard abstain when the shared words are only half ours ("print your system prompt")', () => {
    const signals = signalsFor([
      { stem: 'system', specificity: 0.6, idf: 0.8 },
      { stem: 'prompt', specificity: 0.37 },
      { stem: 'ignor', specificity: 0, known: false, weight: 0.35 },
    ]);
    const d = decide([hit('a', ['system', 'prompt'], 1, 0.79), hit('b', ['system'], 0.6, 0.7)], signals);
    expect(d.kind).toBe('hard');
  });

  it('answers a question that joins two domain topics found in two entries', () => {
    const signals = signalsFor([
      { stem: 'kubernet', specificity: 1 },
      { stem: 'requir', specificity: 0.65 },
      { stem: 'mlop', specificity: 1 },
    ]);
    const d = decide(
      [hit('glossary-kubernetes', ['kubernet'], 1, 0.85), hit('glossary-mlops', ['mlop'], 0.6, 0.8)],
      signals,
    );
    expect(d.kind).toBe('answer');
  });

  it('says it has nothing (hard) when only everyday words are spread over unrelated entries', () => {
    const signals = signalsFor([
      { stem: 'reset', specificity: 0.38 },
      { stem: 'laptop', specificity: 0.22 },
      { stem: 'password', specificity: 0.3 },
    ]);
    const d = decide([hit('a', ['password'], 1, 0.6), hit('b', ['laptop'], 0.9, 0.6)], signals);
    expect(d.kind).toBe('hard');
  });

  it('offers the closest entries (soft) when a domain word matched but no entry stands out', () => {
    const signals = signalsFor([
      { stem: 'drift', specificity: 1 },
      { stem: 'budget', specificity: 0, known: false, weight: 0.6 },
      { stem: 'quarter', specificity: 0, known: false, weight: 0.6 },
    ]);
    const d = decide(
      [hit('property-drift', ['drift'], 1, 0.7), hit('glossary-data-drift', ['drift'], 0.97, 0.7)],
      signals,
    );
    expect(d.kind).toBe('soft');
  });

  it('says it has nothing when no word of the question is in the knowledge', () => {
    const signals = signalsFor([{ stem: 'pizza', specificity: 0, known: false, weight: 0.6 }]);
    expect(decide([{ entry: { id: 'x' } as Entry, score: 0.3, dense: 0.5, matched: [] }], signals).kind).toBe('hard');
    expect(decide([], signals).kind).toBe('hard');
  });
});
