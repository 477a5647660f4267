import { describe, expect, it } from 'vitest';
import { advance, exactOption, looksLikeQuestion, matchOption } from '../../src/flows/index.ts';
import { fixtureKnowledge } from '../fixtures/flows/kb.ts';
import { definitions } from './helpers.ts';

const options = [
  { value: 'confidential', label: 'Confidential', synonyms: ['conf'] },
  { value: 'strictly-confidential', label: 'Strictly confidential', synonyms: ['highly confidential'] },
  { value: 'no-gpu', label: 'No GPU needed', synonyms: ['no gpu', 'cpu only'] },
  { value: 'unknown', label: "I don't know", synonyms: ['not sure'] },
];
const picked = (input: string) => {
  const m = matchOption(input, options);
  return m.kind === 'match' ? m.option.value : m.kind;
};

describe('matching typed answers to options', () => {
  it.each([
    ["it's confidential", 'confidential'],
    ['CONFIDENTIAL.', 'confidential'],
    ['strictly conf', 'strictly-confidential'],
    ['it is strictly confidential', 'strictly-confidential'],
    ['confidentail', 'confidential'],
    ['no gpu needed', 'no-gpu'],
    ['cpu only please', 'no-gpu'],
    ['not sure', 'unknown'],
    ['i dont know', 'unknown'],
    ['2', 'strictly-confidential'],
  ])('%j → %s', (input, expected) => {
    expect(picked(input)).toBe(expected);
  });

  it.each(['not confidential', '9', '0', '', '   ', '🙂', 'banana', 'x'.repeat(5000)])(
    'finds no option for %j',
    (input) => {
      expect(picked(input)).toBe('none');
    },
  );

  it('keeps "ß" and other non-ASCII letters (the shared normaliser), so they match only what they spell', () => {
    const german = [
      { value: 'unknown', label: "I don't know", synonyms: ['weiß nicht'] },
      { value: 'white', label: 'White', synonyms: ['weiß'] },
      { value: 'blue', label: 'Blue', synonyms: ['синий'] },
    ];
    const pick = (input: string) => {
      const m = matchOption(input, german);
      return m.kind === 'match' ? m.option.value : m.kind;
    };
    expect(pick('weiß nicht')).toBe('unknown');
    expect(pick('Weiß')).toBe('white');
    expect(pick('СИНИЙ')).toBe('blue');
    // The old ASCII-only copy read "weiß" as "wei" and "синий" as nothing at all.
    expect(exactOption('wei', german)).toBeUndefined();
    expect(exactOption('синий?', german)?.value).toBe('blue');
  });

  it('reports ambiguity instead of guessing', () => {
    const m = matchOption('yes', [
      { value: 'a', label: 'Yes, cloud', synonyms: [] },
      { value: 'b', label: 'Yes, on-prem', synonyms: [] },
    ]);
    expect(m.kind).toBe('ambiguous');
  });

  it('finds an option only when the whole input names it exactly (for question-shaped input)', () => {
    expect(exactOption('Strictly confidential?', options)?.value).toBe('strictly-confidential');
    expect(exactOption('confidential?', options)?.value).toBe('confidential');
    expect(exactOption('not sure?', options)?.value).toBe('unknown');
    expect(exactOption('2?', options)?.value).toBe('strictly-confidential');
    expect(exactOption('9', options)).toBeUndefined();
    expect(exactOption('what does strictly confidential mean?', options)).toBeUndefined();
    expect(exactOption('is it confidential?', options)).toBeUndefined();
    expect(exactOption('', options)).toBeUndefined();
  });

  it('recognises questions', () => {
    expect(looksLikeQuestion('What is drift?')).toBe(true);
    expect(looksLikeQuestion('how do I request GPUs')).toBe(true);
    expect(looksLikeQuestion('confidential')).toBe(false);
    expect(looksLikeQuestion('train a model for drift detection')).toBe(false);
  });
});

describe('advance (the pure step function)', () => {
  it('returns the same result for the same inputs and never mutates the given state', async () => {
    const infra = (await definitions()).find((d) => d.id === 'infra');
    if (!infra) throw new Error('no infra definition');
    const ctx = { knowledge: fixtureKnowledge(), now: 0 };
    const started = advance(infra, undefined, { kind: 'start' }, ctx);
    const state = started.state;
    if (!state) throw new Error('no state');
    const frozen = structuredClone(state);
    const a = advance(infra, state, { kind: 'text', text: 'internal' }, ctx);
    const b = advance(infra, state, { kind: 'text', text: 'internal' }, ctx);
    expect(a).toEqual(b);
    expect(state).toEqual(frozen);
    expect(a.state?.step).toBe('policy');
    expect(a.state?.rev).toBe(state.rev + 1);
  });
});
