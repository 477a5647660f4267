// Answer behaviour on the shipped knowledge base, with wordings that are neither in the knowledge's `questions`
// nor in the eval set: regressions in retrieval or in the abstain decision show up here.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type App, createApp } from '../../src/app.ts';
import { type TempDirs, tempDirs, testConfig } from '../helpers/app.ts';

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

const ask = (q: string) => app.runtime.current().answerer.answer(q);

describe('answers on the shipped knowledge', () => {
  it.each([
    ['Can a model explain why it predicted a defect?', 'property-explainability'],
    ['Is Kubernetes required for MLOps?', 'glossary-kubernetes'],
    ['Which team do I contact to get read access to MES lot data?', 'dataset-mes-lot-genealogy'],
    ['We want to run inference on the lithography machine itself. Options?', 'infra-edge-at-the-machine'],
  ])('%s → %s', async (question, id) => {
    const answer = await ask(question);
    expect(answer.abstained).toBe(false);
    expect(answer.sources[0]?.id).toBe(id);
  });

  it('explains to a manager why results cannot be guaranteed', async () => {
    const answer = await ask('My manager wants a guarantee the model will work. How do I explain?');
    expect(answer.abstained).toBe(false);
    expect(answer.markdown).toMatch(/uncertain/i);
  });

  it('understands graphics cards as GPUs', async () => {
    const answer = await ask('We need graphics cards to train a neural network, how do we get them?');
    expect(answer.abstained).toBe(false);
    expect(answer.markdown).toMatch(/GPU/);
  });

  it('answers a cloud-upload question about customer data with its handling rules', async () => {
    const answer = await ask('Is it ok to upload customer telemetry to a cloud bucket?');
    expect(answer.abstained).toBe(false);
    expect(answer.markdown).toMatch(/strictly confidential/i);
  });

  it.each([
    'How do I reset my laptop password?',
    'Can you book a meeting room for me?',
    "What's the weather tomorrow in Oberkochen?",
    'When is the next company holiday?',
    'how do I install python on windows',
    'how do I book a vacation day in SAP?',
    'can you write me a poem about data',
    'Which printer on floor 2 works?',
    'How do I fix a Python ImportError?',
  ])('abstains on "%s" and says what it can help with', async (question) => {
    const answer = await ask(question);
    expect(answer.abstained).toBe(true);
    expect(answer.sources).toEqual([]);
    expect(answer.markdown).toMatch(/data owner|infrastructure|help/i);
  });
});
