import { describe, expect, it } from 'vitest';
import { firstSentence } from '../../src/answer/key-points.ts';

describe('firstSentence', () => {
  it('does not stop at abbreviations', () => {
    expect(firstSentence('Managed cloud ML platforms (e.g. Azure ML) are preferred. They automate a lot.')).toBe(
      'Managed cloud ML platforms (e.g. Azure ML) are preferred.',
    );
    expect(firstSentence('Ask Dr. Vollmer first. Then the steward.')).toBe('Ask Dr. Vollmer first.');
    expect(firstSentence('No period at the end')).toBe('No period at the end');
  });
});
