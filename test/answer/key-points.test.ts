import { describe, expect, it } from 'vitest';
import { firstSentence } from '../../src/answer/key-points.ts';
import { withoutForeignLinks } from '../../src/answer/llm.ts';

describe('firstSentence', () => {
  it('does not stop at abbreviations', () => {
    expect(firstSentence('Managed cloud ML platforms (e.g. Azure ML) are preferred. They automate a lot.')).toBe(
      'Managed cloud ML platforms (e.g. Azure ML) are preferred.',
    );
    expect(firstSentence('Ask Dr. Vollmer first. Then the steward.')).toBe('Ask Dr. Vollmer first.');
    expect(firstSentence('No period at the end')).toBe('No period at the end');
  });
});

describe('withoutForeignLinks (generated answers)', () => {
  it('keeps links to retrieved sources and removes every other link', () => {
    const allowed = ['https://doi.org/10.1/abc'];
    expect(
      withoutForeignLinks(
        'See [the paper](https://doi.org/10.1/abc) and [reset your SSO](https://evil.example/login) or https://evil.example/x [1].',
        allowed,
      ),
    ).toBe('See [the paper](https://doi.org/10.1/abc) and reset your SSO or (link removed) [1].');
  });
});
