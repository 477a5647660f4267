// Walkthrough free text in German: the shipped definitions carry German synonyms for their options.
import { describe, expect, it } from 'vitest';
import {
  answerByClicks,
  harness as baseHarness,
  copyable,
  DEFINITION_SETS,
  headingOf,
  stepOf,
  type,
} from './helpers.ts';

// Synonyms carry the German, so this holds with every label reworded too.
describe.each(DEFINITION_SETS)('walkthroughs accept German free-text answers (%s)', (_name, load) => {
  const harness = async () => baseHarness({ definitions: await load() });

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
      overclassified: 'appropriate',
      runtime: 'flexible',
      gpu: 'none',
      platform: 'available',
      operations: 'high',
      integration: 'api',
    });
    expect(headingOf(result)).toBe('Recommendation: Centralized on-prem ML platform');
    expect(copyable(result, 'Decision record')).toContain(h.label('classification', 'strictly-confidential'));
  });
});
