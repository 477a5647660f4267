import { describe, expect, it } from 'vitest';
import { allChoices, answerByClicks, copyable, findChoice, harness, headingOf, stepOf, text, type } from './helpers.ts';

const base = {
  runtime: 'Anywhere reachable over the network',
  gpu: 'No GPU needed',
  platform: 'Yes, we can use it',
  operations: 'High (we run services ourselves)',
  integration: 'It can call an API (REST, gRPC)',
};

async function runInfra(answers: Record<string, string | RegExp>) {
  const h = await harness();
  const first = await h.flows.start(h.key, 'infra');
  const result = await answerByClicks(h, first, answers);
  return { h, result };
}

describe('infrastructure walkthrough: recommendations', () => {
  it('recommends the cloud ML platform when the data and policy allow it, with GPU notes and a decision record', async () => {
    const { h, result } = await runInfra({
      ...base,
      classification: 'Internal',
      policy: /Yes, it may go/,
      gpu: 'For training',
    });
    expect(headingOf(result)).toBe('Recommendation: Cloud ML platform');
    const t = text(result);
    expect(t).toContain('usability and automation');
    expect(t).toContain('Cloud ML platform: summary from the knowledge base.');
    expect(t).toContain('Security: Cloud ML platform security notes');
    expect(t).toContain('GPUs on demand for training');
    expect(t).toContain('Security vs. usability');
    const record = copyable(result, 'Decision record');
    for (const section of [
      '## Context',
      '## Decision',
      '## Alternatives considered',
      '## Consequences',
      '## Sources',
    ]) {
      expect(record).toContain(section);
    }
    expect(record).toContain('- Data classification: Internal');
    expect(record).toContain('Central on-prem platform: possible, but ranked second');
    expect(findChoice(result, 'Guidelines: security')).toMatchObject({
      actionId: 'command',
      value: 'guidelines security',
    });
    const sources = result.blocks.find((b) => b.type === 'sources');
    expect(sources?.type === 'sources' && sources.sources.map((s) => s.id)).toEqual(
      expect.arrayContaining(['infra-cloud-ml-platform', 'study-insight-cloud-preference', 'guideline-gpu-capacity']),
    );
    expect(result.replaceOriginal).toBe(true);
    expect(h.events.events.map((e) => (e.type === 'walkthrough' ? `${e.event}:${e.outcome ?? ''}` : e.type))).toEqual([
      'started:',
      'finished:cloud',
    ]);
  });

  it('skips the policy question for public data and recommends the cloud', async () => {
    const h = await harness();
    const first = await h.flows.start(h.key, 'infra');
    const second = await type(h, 'public');
    expect(stepOf(second)).toBe('runtime');
    const result = await answerByClicks(h, second, base);
    expect(headingOf(result)).toBe('Recommendation: Cloud ML platform');
    expect(text(result)).toContain('No GPU needed');
    expect(stepOf(first)).toBe('classification');
  });

  it('recommends the central on-prem platform when the data must stay on the premises', async () => {
    const { result } = await runInfra({
      ...base,
      classification: 'Confidential',
      policy: /No, it must stay/,
      overclassified: /No, it's appropriate/,
      gpu: 'For training and inference',
    });
    expect(headingOf(result)).toBe('Recommendation: Centralized on-prem ML platform');
    expect(text(result)).toContain('second choice');
    expect(text(result)).toContain('Request GPU capacity early (For training and inference)');
    expect(text(result)).not.toContain('classification review');
    expect(copyable(result, 'Decision record')).toContain('Cloud ML platform: preferred in the study, but');
  });

  it('recommends a sidecar when the model must run at the machine, even if the cloud is allowed', async () => {
    const { h, result } = await runInfra({
      ...base,
      classification: 'Public',
      runtime: /At the machine/,
      gpu: 'For inference',
    });
    expect(headingOf(result)).toBe('Recommendation: Sidecar deployment (next to the consuming system)');
    const t = text(result);
    expect(t).toContain('The model must run **At the machine / on the shop floor**');
    expect(t).toContain('GPUs at the consuming system');
    expect(findChoice(result, 'Guidelines: architecture').value).toBe('guidelines architecture');
    expect(h.events.events.at(-1)).toMatchObject({
      type: 'walkthrough',
      event: 'finished',
      outcome: 'sidecar-by-constraint',
    });
  });

  it.each([
    ['offline', /Offline/],
    ['tight latency', /Tight latency/],
  ])('treats %s as a hard constraint for a sidecar', async (_name, runtime) => {
    const { result } = await runInfra({ ...base, classification: 'Public', runtime });
    expect(headingOf(result)).toMatch(/^Recommendation: Sidecar/);
  });

  it('falls back to a sidecar as the last resort when neither cloud nor a central platform is possible', async () => {
    const { h, result } = await runInfra({
      ...base,
      classification: 'Strictly confidential',
      policy: /No, it must stay/,
      overclassified: /No, it's appropriate/,
      gpu: 'For training',
      platform: 'No',
      operations: 'None',
      integration: /Monolith/,
    });
    expect(headingOf(result)).toMatch(/^Recommendation: Sidecar/);
    const t = text(result);
    expect(t).toContain('as a last resort');
    expect(t).toContain("don't train beside the machine");
    expect(t).toContain('Operations capacity:');
    expect(t).toContain('Wrap it behind a small');
    expect(copyable(result, 'Decision record')).toContain('The model gets its own interface');
    expect(h.events.events.at(-1)).toMatchObject({ outcome: 'sidecar-last-resort' });
  });

  it('explains a classification review and offers the data-owner walkthrough when data may be over-classified', async () => {
    const { h, result } = await runInfra({
      ...base,
      classification: 'Strictly confidential',
      policy: /No, it must stay/,
      overclassified: /Yes, probably/,
    });
    expect(headingOf(result)).toBe('Recommendation: Centralized on-prem ML platform');
    expect(text(result)).toContain('classification review');
    expect(copyable(result, 'Decision record')).toContain('A classification review was requested');
    const offer = findChoice(result, 'Find the data owner');
    expect(h.flows.ownsAction(offer.actionId)).toBe(true);
    const started = await h.flows.onAction(h.key, offer.actionId, offer.value);
    expect(headingOf(started)).toBe('Find a data owner');
    expect(started.replaceOriginal).toBeFalsy();
  });

  it('asks to check the classification first when the user does not know it', async () => {
    const { result } = await runInfra({
      ...base,
      classification: "I don't know",
      policy: "I don't know",
      overclassified: 'Not sure',
    });
    expect(headingOf(result)).toBe('Recommendation: Centralized on-prem ML platform');
    expect(text(result)).toContain('Check the classification first');
    expect(allChoices(result).filter((c) => c.label === 'Find the data owner')).toHaveLength(1);
  });
});

describe('infrastructure walkthrough: typed answers', () => {
  it.each([
    ["it's confidential", 'policy'],
    ['strictly conf', 'policy'],
    ['Confidentail', 'policy'],
    ['3', 'policy'],
    ['public', 'runtime'],
  ])('matches "%s" to an option', async (typed, nextStep) => {
    const h = await harness();
    await h.flows.start(h.key, 'infra');
    expect(stepOf(await type(h, typed))).toBe(nextStep);
  });

  it('keeps "strictly conf" apart from "confidential" and "not confidential" from "confidential"', async () => {
    const h = await harness();
    await h.flows.start(h.key, 'infra');
    await type(h, 'strictly conf');
    const back = await type(h, 'back');
    expect(text(back)).toContain('Your earlier answer: Strictly confidential');
    const reasked = await type(h, 'not confidential');
    expect(stepOf(reasked)).toBe('classification');
    expect(text(reasked)).toContain('could not match');
  });

  it('understands "no gpu needed" and re-asks on input that matches nothing', async () => {
    const h = await harness();
    await h.flows.start(h.key, 'infra');
    await type(h, 'public');
    await type(h, 'anywhere');
    const reasked = await type(h, 'banana');
    expect(stepOf(reasked)).toBe('gpu');
    expect(text(reasked)).toContain('[warning] I could not match that to one of the options');
    expect(allChoices(reasked).map((c) => c.label)).toContain('No GPU needed');
    const next = await type(h, 'no gpu needed');
    expect(stepOf(next)).toBe('platform');
    const result = await answerByClicks(h, next, base);
    expect(copyable(result, 'Decision record')).toContain('- GPU needs: No GPU needed');
  });

  it('accepts an empty or whitespace answer without crashing', async () => {
    const h = await harness();
    await h.flows.start(h.key, 'infra');
    const r = await type(h, '   ');
    expect(stepOf(r)).toBe('classification');
  });
});
