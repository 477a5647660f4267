import { describe, expect, it } from 'vitest';
import { flowStoreKey } from '../../src/flows/service.ts';
import {
  allChoices,
  harness as baseHarness,
  choose,
  click,
  DEFINITION_SETS,
  findChoice,
  headingOf,
  optionChoice,
  stepOf,
  text,
  type,
} from './helpers.ts';

const HOUR = 60 * 60 * 1000;

// Every scenario runs on the shipped definitions and on a copy with every label reworded (see helpers.ts).
describe.each(DEFINITION_SETS)('on the %s', (_name, load) => {
  const harness = async (options: Parameters<typeof baseHarness>[0] = {}) =>
    baseHarness({ definitions: await load(), ...options });

  describe('walkthrough controls', () => {
    it('goes back with a button and keeps the earlier answer', async () => {
      const h = await harness();
      const first = await h.flows.start(h.key, 'infra');
      expect(allChoices(first).map((c) => c.label)).not.toContain('← Back');
      const second = await choose(h, first, 'confidential');
      const back = await click(h, second, '← Back');
      expect(back.replaceOriginal).toBe(true);
      expect(stepOf(back)).toBe('classification');
      expect(text(back)).toContain(`Your earlier answer: ${h.label('classification', 'confidential')}`);
      expect(optionChoice(back, 'confidential').style).toBe('primary');
    });

    it('goes back, restarts and cancels with typed words', async () => {
      const h = await harness();
      await h.flows.start(h.key, 'infra');
      await type(h, 'internal');
      expect(stepOf(await type(h, 'go back'))).toBe('classification');
      await type(h, 'internal');
      const restarted = await type(h, 'start over');
      expect(stepOf(restarted)).toBe('classification');
      expect(text(restarted)).not.toContain('Your earlier answer');
      const cancelled = await type(h, 'cancel');
      expect(text(cancelled)).toContain('Walkthrough cancelled');
      expect(await h.flows.onText(h.key, 'internal')).toEqual({ handled: false });
      expect(h.events.events.map((e) => (e.type === 'walkthrough' ? e.event : e.type))).toEqual([
        'started',
        'cancelled',
      ]);
    });

    it('says so when going back from the first question', async () => {
      const h = await harness();
      await h.flows.start(h.key, 'infra');
      const r = await type(h, 'back');
      expect(stepOf(r)).toBe('classification');
      expect(text(r)).toContain('nothing to go back to');
    });

    it('restarts and cancels with buttons', async () => {
      const h = await harness();
      const first = await h.flows.start(h.key, 'infra');
      const second = await choose(h, first, 'internal');
      const restarted = await click(h, second, 'Start over');
      expect(stepOf(restarted)).toBe('classification');
      expect(restarted.replaceOriginal).toBe(true);
      const cancelled = await click(h, restarted, 'Cancel');
      expect(cancelled.replaceOriginal).toBe(true);
      expect(text(cancelled)).toContain('Walkthrough cancelled');
      const again = await click(h, cancelled, /Start again/);
      expect(stepOf(again)).toBe('classification');
    });

    it('answers a click on an expired walkthrough with "start again?"', async () => {
      const h = await harness();
      const first = await h.flows.start(h.key, 'infra');
      h.clock.now += 25 * HOUR;
      const expired = await choose(h, first, 'public');
      expect(text(expired)).toContain('That walkthrough has expired');
      expect(expired.ephemeral).toBe(true);
      expect(expired.replaceOriginal).toBeFalsy();
      const restart = findChoice(expired, /Start again/);
      expect(h.flows.ownsAction(restart.actionId)).toBe(true);
      expect(stepOf(await h.flows.onAction(h.key, restart.actionId, restart.value))).toBe('classification');
      expect(await h.flows.onText({ ...h.key, userId: 'U2' }, 'public')).toEqual({ handled: false });
    });

    it('keeps a walkthrough alive while the user keeps answering within the TTL', async () => {
      const h = await harness();
      const first = await h.flows.start(h.key, 'infra');
      h.clock.now += 20 * HOUR;
      const second = await choose(h, first, 'internal');
      h.clock.now += 20 * HOUR;
      expect(stepOf(await choose(h, second, 'allowed'))).toBe('runtime');
    });

    it('re-shows the current step on a stale click from an earlier step', async () => {
      const h = await harness();
      const first = await h.flows.start(h.key, 'infra');
      const second = await choose(h, first, 'internal');
      const stale = await choose(h, first, 'confidential');
      expect(stepOf(stale)).toBe('policy');
      expect(text(stale)).toContain('That button belongs to an earlier question');
      // The clicked message may be someone else's (shared channel): not overwritten, shown to the clicker only.
      expect(stale.replaceOriginal).toBeFalsy();
      expect(stale.ephemeral).toBe(true);
      // The stale click changed nothing: going back shows the first answer.
      expect(text(await click(h, second, '← Back'))).toContain(
        `Your earlier answer: ${h.label('classification', 'internal')}`,
      );
    });

    it('lets the core answer a question asked mid-walkthrough and resume afterwards', async () => {
      const h = await harness();
      const first = await h.flows.start(h.key, 'infra');
      await choose(h, first, 'confidential');
      const q = await h.flows.onText(h.key, 'What does strictly confidential mean?');
      expect(q.handled).toBe(false);
      if (q.handled || !q.resume) throw new Error('expected a resume choice');
      expect(q.resume.label).toBe('Continue the walkthrough');
      expect(h.flows.ownsAction(q.resume.actionId)).toBe(true);
      const resumed = await h.flows.onAction(h.key, q.resume.actionId, q.resume.value);
      expect(stepOf(resumed)).toBe('policy');
      expect(resumed.replaceOriginal).toBeFalsy();
      expect(stepOf(await type(h, 'no'))).toBe('overclassified');
    });

    it('does not capture text after the result is shown', async () => {
      const h = await harness();
      await h.flows.start(h.key, 'infra');
      for (const a of ['public', 'anywhere', 'none', 'yes', 'high', 'api']) await type(h, a);
      expect(await h.flows.onText(h.key, 'how do I monitor drift?')).toEqual({ handled: false });
      expect(headingOf(await type(h, 'back'))).toBe('Choose ML infrastructure');
    });

    it('keeps walkthroughs of different users and threads apart', async () => {
      const h = await harness();
      const other = { ...h.key, userId: 'U2' };
      const thread = { ...h.key, threadId: 'T1' };
      await h.flows.start(h.key, 'infra');
      await h.flows.start(other, 'data-owner');
      expect(stepOf(await type(h, 'internal'))).toBe('policy');
      expect(await h.flows.onText(thread, 'internal')).toEqual({ handled: false });
      const search = await type(h, 'coating logs', other);
      expect(stepOf(search)).toBe('dataset');
    });

    it('answers an unknown walkthrough id with the available ones', async () => {
      const h = await harness();
      expect(h.flows.ids()).toEqual(['data-owner', 'infra']);
      const r = await h.flows.start(h.key, 'nope');
      expect(text(r)).toContain('There is no walkthrough called “nope”');
      expect(allChoices(r).map((c) => c.label)).toEqual(['Find a data owner', 'Choose ML infrastructure']);
    });

    it.each(['not json', '{"f":"infra"}', '{"f":"ghost","s":"x","r":1,"a":"answer"}', '[]', ''])(
      'answers a malformed button value %j without crashing',
      async (value) => {
        const h = await harness();
        const r = await h.flows.onAction(h.key, 'walkthrough:answer', value);
        expect(text(r)).toContain('start again?');
      },
    );

    it('owns only walkthrough action ids', async () => {
      const h = await harness();
      expect(h.flows.ownsAction('walkthrough:answer:public')).toBe(true);
      expect(h.flows.ownsAction('command')).toBe(false);
      expect(h.flows.ownsAction('feedback')).toBe(false);
    });

    it('rejects a tampered answer value gracefully', async () => {
      const h = await harness();
      const first = await h.flows.start(h.key, 'infra');
      const c = optionChoice(first, 'public');
      const tampered = JSON.stringify({ ...JSON.parse(c.value), v: 'top-secret' });
      const r = await h.flows.onAction(h.key, c.actionId, tampered);
      expect(stepOf(r)).toBe('classification');
      expect(text(r)).toContain('please pick one of the options');
    });

    it('gives every button in a block a distinct action id and a value under 2,000 characters', async () => {
      const h = await harness();
      const first = await h.flows.start(h.key, 'infra');
      for (const b of first.blocks) {
        if (b.type !== 'choices') continue;
        const ids = b.choices.map((c) => c.actionId);
        expect(new Set(ids).size).toBe(ids.length);
        for (const c of b.choices) expect(c.value.length).toBeLessThan(2000);
      }
    });
  });

  describe('stale and foreign clicks', () => {
    it("answers a click on someone else's walkthrough message privately and leaves both walkthroughs alone", async () => {
      const h = await harness();
      const other = { ...h.key, userId: 'U2' };
      const first = await h.flows.start(h.key, 'infra');
      // U2 has no walkthrough: the click gets "expired", only for U2; U1's message and walkthrough are untouched.
      const foreign = await choose(h, first, 'confidential', other);
      expect(text(foreign)).toContain('That walkthrough has expired');
      expect(foreign.ephemeral).toBe(true);
      expect(foreign.replaceOriginal).toBeFalsy();
      expect(await h.flows.onText(other, 'public')).toEqual({ handled: false });
      expect(stepOf(await choose(h, first, 'internal'))).toBe('policy');
      // U2 has a walkthrough at another step: the click changes nothing and is not written over U1's message.
      await h.flows.start(other, 'infra');
      await type(h, 'internal', other);
      const foreignStale = await choose(h, first, 'public', other);
      expect(foreignStale.ephemeral).toBe(true);
      expect(foreignStale.replaceOriginal).toBeFalsy();
      expect(stepOf(foreignStale)).toBe('policy');
      expect(text(await type(h, 'back', other))).toContain(
        `Your earlier answer: ${h.label('classification', 'internal')}`,
      );
    });

    it('answers a button of an unknown walkthrough privately', async () => {
      const h = await harness();
      const r = await h.flows.onAction(
        h.key,
        'walkthrough:answer',
        JSON.stringify({ f: 'gone', s: 'x', r: 0, a: 'answer' }),
      );
      expect(text(r)).toContain('no longer know');
      expect(r.ephemeral).toBe(true);
    });
  });

  describe('questions asked mid-walkthrough', () => {
    it('treats a question naming an option as a question, not as that answer', async () => {
      const h = await harness();
      await h.flows.start(h.key, 'infra');
      const before = await h.store.get(flowStoreKey(h.key));
      const q = await h.flows.onText(h.key, 'what does strictly confidential mean?');
      expect(q.handled).toBe(false);
      if (q.handled || !q.resume) throw new Error('expected a resume choice');
      expect(q.resume.label).toBe('Continue the walkthrough');
      // Nothing was recorded: the state is unchanged, and the walkthrough goes on from the same step.
      expect(await h.store.get(flowStoreKey(h.key))).toEqual(before);
      const resumed = await h.flows.onAction(h.key, q.resume.actionId, q.resume.value);
      expect(stepOf(resumed)).toBe('classification');
      expect(text(await type(h, 'back'))).toContain('nothing to go back to');
      expect(stepOf(await type(h, 'confidential'))).toBe('policy');
      expect(text(await type(h, 'back'))).toContain(
        `Your earlier answer: ${h.label('classification', 'confidential')}`,
      );
    });

    it('treats short questions that name an option as questions', async () => {
      const h = await harness();
      await h.flows.start(h.key, 'infra');
      for (const q of ['is it confidential?', 'Strictly confidential means what?', 'what about internal data']) {
        expect(await h.flows.onText(h.key, q), q).toMatchObject({ handled: false, resume: {} });
      }
      await type(h, 'internal');
      expect((await h.flows.onText(h.key, 'yes?')).handled).toBe(true);
    });

    it('still takes a plain option, or an option asked back, as the answer', async () => {
      for (const [input, step] of [
        ['confidential', 'policy'],
        ['Confidential?', 'policy'],
        ['Public?', 'runtime'],
        ['1?', 'runtime'],
        ["it's confidential", 'policy'],
        ['strictly conf', 'policy'],
      ] as const) {
        const h = await harness();
        await h.flows.start(h.key, 'infra');
        expect(stepOf(await type(h, input)), input).toBe(step);
      }
    });

    it('takes a question-shaped search on the data-owner walkthrough as the search', async () => {
      const h = await harness();
      await h.flows.start(h.key, 'data-owner');
      const r = await type(h, 'where do I get the coating logs?');
      expect(stepOf(r)).toBe('dataset');
    });
  });
});
