// Walkthrough free text in German: the shipped definitions carry German synonyms for their options.
import { describe, expect, it } from 'vitest';
import { answerByClicks, copyable, harness, headingOf, stepOf, type } from './helpers.ts';

describe('walkthroughs accept German free-text answers', () => {
  it('infra: "vertraulich" picks Confidential, "weiß nicht" picks I don\u2019t know', async () => {
    const h = await harness();
    const first = await h.flows.start(h.key, 'infra');
    expect(stepOf(first)).toBe('classification');
    const policy = await type(h, 'vertraulich');
    expect(stepOf(policy)).toBe('policy');
    const next = await type(h, 'weiß nicht');
    expect(stepOf(next)).toBe('overclassified');
  });

  it('infra: a walkthrough answered in German ends in the same recommendation, with the German answers understood', async () => {
    const h = await harness();
    await h.flows.start(h.key, 'infra');
    await type(h, 'streng vertraulich');
    const overclassified = await type(h, 'nein, muss im Haus bleiben');
    expect(stepOf(overclassified)).toBe('overclassified');
    const result = await answerByClicks(h, overclassified, {
      overclassified: /No, it's appropriate/,
      runtime: 'Anywhere reachable over the network',
      gpu: 'No GPU needed',
      platform: 'Yes, we can use it',
      operations: 'High (we run services ourselves)',
      integration: 'It can call an API (REST, gRPC)',
    });
    expect(headingOf(result)).toBe('Recommendation: Centralized on-prem ML platform');
    expect(copyable(result, 'Decision record')).toMatch(/Strictly confidential/);
  });
});
