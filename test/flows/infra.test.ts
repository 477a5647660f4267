// The infrastructure walkthrough end to end. Answers are given by option value and expected labels read from the
// loaded definition, and every scenario runs twice: on the shipped definitions and on a copy with every label
// reworded, so rewording a button in knowledge/walkthroughs/infra.yaml breaks no test here.
import { describe, expect, it } from 'vitest';
import {
  allChoices,
  answerByClicks,
  copyable,
  DEFINITION_SETS,
  findChoice,
  harness,
  headingOf,
  stepOf,
  text,
  type,
} from './helpers.ts';

const base = {
  runtime: 'flexible',
  gpu: 'none',
  platform: 'available',
  operations: 'high',
  integration: 'api',
};

describe.each(DEFINITION_SETS)('infrastructure walkthrough on the %s', (_name, load) => {
  const setup = async () => harness({ definitions: await load() });

  async function runInfra(answers: Record<string, string>) {
    const h = await setup();
    const first = await h.flows.start(h.key, 'infra');
    const result = await answerByClicks(h, first, answers);
    return { h, result };
  }

  describe('recommendations', () => {
    it('recommends the cloud ML platform when the data and policy allow it, with GPU notes and a decision record', async () => {
      const { h, result } = await runInfra({
        ...base,
        classification: 'internal',
        policy: 'allowed',
        gpu: 'training',
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
      expect(record).toContain(`- Data classification: ${h.label('classification', 'internal')}`);
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
      expect(h.events.events.map((e) => (e.type === 'walkthrough' ? `${e.event}:${e.outcome ?? ''}` : e.type))).toEqual(
        ['started:', 'finished:cloud'],
      );
    });

    it('skips the policy question for public data and recommends the cloud', async () => {
      const h = await setup();
      const first = await h.flows.start(h.key, 'infra');
      const second = await type(h, 'public');
      expect(stepOf(second)).toBe('runtime');
      const result = await answerByClicks(h, second, base);
      expect(headingOf(result)).toBe('Recommendation: Cloud ML platform');
      expect(text(result)).toContain(h.label('gpu', 'none'));
      expect(stepOf(first)).toBe('classification');
    });

    it('recommends the central on-prem platform when the data must stay on the premises', async () => {
      const { h, result } = await runInfra({
        ...base,
        classification: 'confidential',
        policy: 'not-allowed',
        overclassified: 'appropriate',
        gpu: 'both',
      });
      expect(headingOf(result)).toBe('Recommendation: Centralized on-prem ML platform');
      expect(text(result)).toContain('second choice');
      expect(text(result)).toContain(`Request GPU capacity early (${h.label('gpu', 'both')})`);
      expect(text(result)).not.toContain('classification review');
      expect(copyable(result, 'Decision record')).toContain('Cloud ML platform: preferred in the study, but');
    });

    it('recommends a sidecar when the model must run at the machine, even if the cloud is allowed', async () => {
      const { h, result } = await runInfra({
        ...base,
        classification: 'public',
        runtime: 'at-machine',
        gpu: 'inference',
      });
      expect(headingOf(result)).toBe('Recommendation: Sidecar deployment (next to the consuming system)');
      const t = text(result);
      expect(t).toContain(`The model must run **${h.label('runtime', 'at-machine')}**`);
      expect(t).toContain('GPUs at the consuming system');
      expect(findChoice(result, 'Guidelines: architecture').value).toBe('guidelines architecture');
      expect(h.events.events.at(-1)).toMatchObject({
        type: 'walkthrough',
        event: 'finished',
        outcome: 'sidecar-by-constraint',
      });
    });

    it.each([
      ['offline', 'offline'],
      ['tight latency', 'tight-latency'],
    ])('treats %s as a hard constraint for a sidecar', async (_name, runtime) => {
      const { result } = await runInfra({ ...base, classification: 'public', runtime });
      expect(headingOf(result)).toMatch(/^Recommendation: Sidecar/);
    });

    it('falls back to a sidecar as the last resort when neither cloud nor a central platform is possible', async () => {
      const { h, result } = await runInfra({
        ...base,
        classification: 'strictly-confidential',
        policy: 'not-allowed',
        overclassified: 'appropriate',
        gpu: 'training',
        platform: 'not-available',
        operations: 'none',
        integration: 'embedded',
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
        classification: 'strictly-confidential',
        policy: 'not-allowed',
        overclassified: 'likely',
      });
      expect(headingOf(result)).toBe('Recommendation: Centralized on-prem ML platform');
      expect(text(result)).toContain('classification review');
      expect(copyable(result, 'Decision record')).toContain('A classification review was requested');
      const offer = findChoice(result, h.offerLabel('classification-review'));
      expect(h.flows.ownsAction(offer.actionId)).toBe(true);
      const started = await h.flows.onAction(h.key, offer.actionId, offer.value);
      expect(headingOf(started)).toBe('Find a data owner');
      expect(started.replaceOriginal).toBeFalsy();
    });

    it('asks to check the classification first when the user does not know it', async () => {
      const { result } = await runInfra({
        ...base,
        classification: 'unknown',
        policy: 'unknown',
        overclassified: 'unsure',
      });
      expect(headingOf(result)).toBe('Recommendation: Centralized on-prem ML platform');
      expect(text(result)).toContain('Check the classification first');
      // Both notes offer the data-owner walkthrough; it is offered once.
      expect(allChoices(result).filter((c) => c.actionId === 'walkthrough:start:data-owner')).toHaveLength(1);
    });
  });

  describe('typed answers', () => {
    it.each([
      ["it's confidential", 'policy'],
      ['strictly conf', 'policy'],
      ['Confidentail', 'policy'],
      ['3', 'policy'],
      ['public', 'runtime'],
    ])('matches "%s" to an option', async (typed, nextStep) => {
      const h = await setup();
      await h.flows.start(h.key, 'infra');
      expect(stepOf(await type(h, typed))).toBe(nextStep);
    });

    it('keeps "strictly conf" apart from "confidential" and "not confidential" from "confidential"', async () => {
      const h = await setup();
      await h.flows.start(h.key, 'infra');
      await type(h, 'strictly conf');
      const back = await type(h, 'back');
      expect(text(back)).toContain(`Your earlier answer: ${h.label('classification', 'strictly-confidential')}`);
      const reasked = await type(h, 'not confidential');
      expect(stepOf(reasked)).toBe('classification');
      expect(text(reasked)).toContain('could not match');
    });

    it('understands "no gpu needed" and re-asks on input that matches nothing', async () => {
      const h = await setup();
      await h.flows.start(h.key, 'infra');
      await type(h, 'public');
      await type(h, 'anywhere');
      const reasked = await type(h, 'banana');
      expect(stepOf(reasked)).toBe('gpu');
      expect(text(reasked)).toContain('[warning] I could not match that to one of the options');
      expect(allChoices(reasked).map((c) => c.label)).toContain(h.label('gpu', 'none'));
      const next = await type(h, 'no gpu needed');
      expect(stepOf(next)).toBe('platform');
      const result = await answerByClicks(h, next, base);
      expect(copyable(result, 'Decision record')).toContain(`- GPU needs: ${h.label('gpu', 'none')}`);
    });

    it('accepts an empty or whitespace answer without crashing', async () => {
      const h = await setup();
      await h.flows.start(h.key, 'infra');
      const r = await type(h, '   ');
      expect(stepOf(r)).toBe('classification');
    });
  });
});
