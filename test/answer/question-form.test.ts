import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withIntentPrior } from '../../src/answer/answerer.ts';
import { questionForm } from '../../src/answer/question-form.ts';
import { type App, createApp } from '../../src/app.ts';
import type { Entry } from '../../src/knowledge/schema.ts';
import type { SearchHit } from '../../src/retrieval/types.ts';
import { type TempDirs, tempDirs, testConfig } from '../helpers/app.ts';

describe('questionForm: what kind of answer a question asks for', () => {
  it.each([
    ['what is a data steward?', 'define'],
    ["what's a golden path", 'define'],
    ['Explain shadow deployment', 'define'],
    ['Was versteht man unter Konzeptdrift?', 'define'],
    ['Was bedeutet Lineage?', 'define'],
    ['data mesh vs data lake?', 'define'],
    ['Was ist der Unterschied zwischen Data Owner und Data Steward?', 'define'],
    ['how do we catch drift automatically?', 'howto'],
    ['What should we do when the model gets worse?', 'howto'],
    ['Wie kriegen wir die Tools vereinheitlicht?', 'howto'],
    ["why won't the team commit to a go-live date?", 'why'],
    ['Wieso ist die interne Umgebung so umständlich?', 'why'],
    ['ok but why is the sidecar ranked last?', 'why'],
  ] as const)('"%s" → %s', (question, form) => {
    expect(questionForm(question)).toBe(form);
  });

  it.each([
    'What is the chance this AI quality check actually works?',
    'who owns the coating chamber logs?',
    'gpu quota',
    'where do I find SEM images?',
    // A long "what is" question says much more than a name: not a request for a definition.
    'what is the usual path from my notebook to something that runs in production for other people to use?',
  ])('"%s" has none of these forms', (question) => {
    expect(questionForm(question)).toBeUndefined();
  });
});

describe('withIntentPrior: the form of the question picks the kind of entry among close ones', () => {
  const entry = (id: string, type: string) => ({ id, type, title: id }) as unknown as Entry;
  const hits: SearchHit[] = [
    { entry: entry('challenge-model-drift', 'challenge'), score: 1.0 },
    { entry: entry('glossary-concept-drift', 'glossary'), score: 0.9 },
    { entry: entry('guideline-model-monitoring', 'guideline'), score: 0.88 },
  ];
  const order = (question?: string) => withIntentPrior(hits, new Set(), undefined, question).map((h) => h.entry.id);

  it('a definition question gets the glossary entry when the scores are close', () => {
    expect(order('what does concept drift mean?')[0]).toBe('glossary-concept-drift');
  });

  it('a how-to question gets the guideline', () => {
    expect(order('how do we notice drift in production?')[0]).toBe('guideline-model-monitoring');
  });

  it('a question of no form, or no question text, keeps the retrieval order', () => {
    expect(order('drift')).toEqual(hits.map((h) => h.entry.id));
    expect(order()).toEqual(hits.map((h) => h.entry.id));
  });

  it('does not overturn a clear lead', () => {
    const clear = [hits[0], { ...hits[1], score: 0.5 }] as SearchHit[];
    expect(withIntentPrior(clear, new Set(), undefined, 'what is model drift?')[0]?.entry.id).toBe(
      'challenge-model-drift',
    );
  });
});

describe('on the shipped knowledge', () => {
  let dirs: TempDirs;
  let app: App;
  beforeAll(async () => {
    dirs = tempDirs();
    app = await createApp(testConfig(dirs), { storage: 'memory' });
  });
  afterAll(async () => {
    await app.close();
    dirs.cleanup();
  });

  it('answers "what does concept drift mean?" from the glossary entry, not the broader drift property', async () => {
    const answer = await app.runtime.current().answerer.answer('what does concept drift mean?');
    expect(answer.abstained).toBe(false);
    expect(answer.entryIds[0]).toBe('glossary-concept-drift');
  });
});
