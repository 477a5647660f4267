import { describe, expect, it } from 'vitest';
import { splitBackground } from '../../src/retrieval/focus.ts';

describe('background before the question', () => {
  it('splits the sentences before the first question from the question', () => {
    expect(
      splitBackground(
        "I'm a process engineer in coating. We log everything in the historian. Who owns the chamber data?",
      ),
    ).toEqual({
      background: "I'm a process engineer in coating. We log everything in the historian.",
      question: 'Who owns the chamber data?',
    });
  });

  it('keeps what follows the question with it (it says more about the question)', () => {
    expect(splitBackground('New here! Is there a checklist before go-live? Zero tests so far.')).toEqual({
      background: 'New here!',
      question: 'Is there a checklist before go-live? Zero tests so far.',
    });
  });

  it('knows a question by its first word without a question mark, in English and German', () => {
    expect(splitBackground('We have a yield model in production. how do we monitor it')?.question).toBe(
      'how do we monitor it',
    );
    expect(splitBackground('Ich bin neu in der Metrologie. Wer gibt die Interferometerdaten frei')?.background).toBe(
      'Ich bin neu in der Metrologie.',
    );
    expect(splitBackground('Line one of the context\nwhat is drift?')?.question).toBe('what is drift?');
  });

  it('leaves a message alone that starts with its question, has no question, or is one sentence', () => {
    expect(splitBackground('What is drift? We saw it last week.')).toBeUndefined();
    expect(splitBackground('Our model got worse. The data changed.')).toBeUndefined();
    expect(splitBackground('tell me about drift')).toBeUndefined();
    expect(splitBackground('')).toBeUndefined();
  });
});
