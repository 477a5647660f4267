// Answer behaviour on the shipped knowledge base, with wordings that are neither in the knowledge's `questions`
// nor in the eval set: regressions in retrieval or in the abstain decision show up here.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answerToReply } from '../../src/answer/index.ts';
import type { ConversationContext } from '../../src/answer/types.ts';
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

const ask = (q: string, context?: ConversationContext) => app.runtime.current().answerer.answer(q, context);

describe('answers on the shipped knowledge', () => {
  it.each([
    ['Can a model explain why it predicted a defect?', 'property-explainability'],
    ['Which team do I contact to get read access to MES lot data?', 'dataset-mes-lot-genealogy'],
    ['We want to run inference on the lithography machine itself. Options?', 'infra-edge-at-the-machine'],
    // Vocabulary phrases: "always right" asks for a guarantee; predictions come with error rates.
    ['Will the inspection model always be right?', 'property-probabilistic-output'],
    // A short German question whose only stop word ("was") is also English.
    ['Was bedeutet Konzeptdrift?', 'glossary-concept-drift'],
    // Product names of the aliases.
    ['should we use the MLflow model registry?', 'guideline-model-versioning-registry'],
    ['can we take a network from a model hub?', 'guideline-model-supply-chain-security'],
    // Both words of a vocabulary phrase mistyped.
    ['what does covarite shfit mean', 'glossary-data-drift'],
    // Background before the question: its words (defect classifier, polishing line) count less than the question's.
    [
      "We're three people building a defect classifier at the polishing line. How do we version our training data?",
      'guideline-data-versioning',
    ],
    [
      'Our team at the polishing line has a yield model. Who owns the shift logs and how do I get access?',
      'dataset-shift-logs',
    ],
    // A question that says little on its own keeps its background at full weight.
    ['Since maintenance swapped a sensor, the model quietly got worse. How do we stop that?', 'property-drift'],
  ])('%s → %s', async (question, id) => {
    const answer = await ask(question);
    expect(answer.abstained).toBe(false);
    expect(answer.sources[0]?.id).toBe(id);
  });

  it('counts a mistyped everyday word as that word: a typo does not make the bot less sure', async () => {
    // "officailly" is in neither the knowledge nor the word vectors' vocabulary; one swap from "officially".
    const right = await ask(
      'Finance wonders why the model still costs money though the project officially ended in March.',
    );
    const typo = await ask(
      'Finance wonders why the model still costs money though the project officailly ended in March.',
    );
    expect(typo.confidence).toBe(right.confidence);
    expect(typo.abstained).toBe(right.abstained);
    expect((typo.sources[0] ?? typo.offered?.[0])?.id).toBe('property-continuous-maintenance');
  });

  it('reads "locked down too much" as over-classification (vocabulary phrase)', async () => {
    const answer = await ask('Our process data is locked down too much, what can we do?');
    expect(answer.abstained).toBe(false);
    expect(answer.entryIds.slice(0, 3)).toContain('challenge-over-conservative-classification');
  });

  it('reads "tool proliferation" as too many tools (vocabulary: sprawl, proliferation)', async () => {
    const answer = await ask('we suffer from tool proliferation across teams');
    expect(answer.abstained).toBe(false);
    expect([
      'study-insight-tool-multiplicity',
      'challenge-tool-multiplicity',
      'solution-tool-standardization',
    ]).toContain(answer.sources[0]?.id);
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
    'Which printer on floor 2 works?',
    'How do I fix a Python ImportError?',
  ])('abstains on "%s" and says what it can help with', async (question) => {
    const answer = await ask(question);
    expect(answer.abstained).toBe(true);
    expect(answer.sources).toEqual([]);
    expect(answer.markdown).toMatch(/data owner|infrastructure|help/i);
  });

  // SAP is a system the knowledge documents (several data sets live in it) and "write … data" matches entries about
  // documentation: these may offer entries (soft abstain), but must never be answered as if they were ours.
  it.each(['how do I book a vacation day in SAP?', 'can you write me a poem about data'])(
    'does not answer "%s", which only shares a word or a system name with the knowledge',
    async (question) => {
      const answer = await ask(question);
      expect(answer.abstained).toBe(true);
      expect(answer.sources).toEqual([]);
    },
  );
});

describe("understanding questions in the users' own words", () => {
  const first = async (q: string, context?: Parameters<typeof ask>[1]) => {
    const a = await ask(q, context);
    return { a, id: a.abstained ? undefined : a.entryIds[0] };
  };

  it('corrects typos against the knowledge vocabulary ("detcet model drfit in producton")', async () => {
    const { id } = await first('how do I detcet model drfit in producton?');
    expect(['property-drift', 'challenge-model-drift', 'guideline-model-monitoring']).toContain(id);
  });

  it.each([
    ['what is the side car pattern', 'glossary-sidecar-pattern'],
    ['Whats a system of recrod', 'glossary-system-of-record'],
    ['Definiton of ground truht?', 'glossary-ground-truth'],
  ])('mends a typo or a split word inside a name ("%s")', async (question, entry) => {
    const { a, id } = await first(question);
    expect(a.abstained).toBe(false);
    expect(id).toBe(entry);
  });

  it('takes a vocabulary phrase written in several words as a term of ours, however common its words are', async () => {
    // "energy" alone is an everyday word; "energy consumption" names the plant's energy data set.
    const { a, id } = await first('where do I get the energy consumption numbers?');
    expect(a.abstained).toBe(false);
    expect(id).toBe('dataset-energy-consumption');
  });

  it('reads chat style: filler ("yo folks", "lol") and a typo ("teh") do not count against the question', async () => {
    expect((await first('yo folks, quick q: who owns teh coating chamber logs lol')).id).toBe(
      'dataset-coating-chamber-logs',
    );
  });

  it('answers a German question from the same entry as its English twin, in English with one German line', async () => {
    const de = await first('Wer ist der Dateneigentümer der Beschichtungsanlagen-Logs?');
    const en = await first('Who is the data owner of the coating chamber logs?');
    expect(de.id).toBe('dataset-coating-chamber-logs');
    expect(de.id).toBe(en.id);
    expect(de.a.language).toBe('de');
    expect(de.a.markdown.split('\n')[0]).toMatch(/Ich antworte auf Englisch/);
    expect(en.a.markdown).not.toMatch(/Ich antworte/);
  });

  it('splits German compounds against the vocabulary (Modelldrift → Modell + Drift, Grafikkarten → GPU)', async () => {
    expect(['property-drift', 'challenge-model-drift', 'glossary-data-drift', 'glossary-concept-drift']).toContain(
      (await first('Was ist Modelldrift?')).id,
    );
    expect(['guideline-gpu-capacity', 'property-hardware', 'glossary-gpu', 'solution-gpu-capacity-planning']).toContain(
      (await first('Brauchen wir Grafikkarten für das Training?')).id,
    );
  });

  it('answers a follow-up from the conversation: "when should I avoid it?" after the sidecar pattern', async () => {
    const earlier = await ask('What is the sidecar pattern?');
    const { a, id } = await first('When should I avoid it?', {
      turns: [{ question: 'What is the sidecar pattern?', entryIds: earlier.entryIds }],
    });
    expect(a.followUp).toBe(true);
    expect(['glossary-sidecar-pattern', 'infra-sidecar-deployment', 'solution-sidecar-deployment-pattern']).toContain(
      id,
    );
  });

  it('answers "how do I get access to it?" with that data set\'s own access procedure', async () => {
    const earlier = await ask('who owns the coating chamber logs?');
    const { a, id } = await first('how do I get access to it?', {
      turns: [{ question: 'who owns the coating chamber logs?', entryIds: earlier.entryIds }],
    });
    expect(id).toBe('dataset-coating-chamber-logs');
    expect(a.markdown).toMatch(/\*\*Access:\*\*/);
  });

  it.each([
    ['different question: what does it take to run kubernetes for that?', 'who owns the MES data?'],
    ['Andere Frage: was ist eigentlich Kubernetes?', 'Wer ist Owner der MES-Daten?'],
    ['switching gears: what does it take to run kubernetes for that?', 'who owns the MES data?'],
  ])('a message that says the topic changes ("%s") is not read with the previous one', async (question, before) => {
    const earlier = await ask(before);
    expect(earlier.entryIds[0]).toBe('dataset-mes-lot-genealogy');
    const a = await ask(question, { turns: [{ question: before, entryIds: earlier.entryIds }] });
    expect(a.followUp).toBeUndefined();
    const shown = a.abstained ? (a.offered ?? []).map((o) => o.id) : a.entryIds;
    expect(shown[0]).toBe('glossary-kubernetes');
    expect(shown).not.toContain('dataset-mes-lot-genealogy');
  });

  it.each([
    ['Andere Frage: was ist eigentlich Kubernetes?', 'was ist eigentlich Kubernetes?'],
    ['ok thanks. separate thing, quick question: what is kubernetes?', 'what is kubernetes?'],
  ])('words about the message itself ("%s") are not read as its topic', async (question, plain) => {
    // "Frage"/"question" would match the study's research questions and make the reading unsure.
    const a = await ask(question, { turns: [{ question: 'Wer ist Owner der MES-Daten?', entryIds: [] }] });
    const b = await ask(plain);
    expect(a.abstained).toBe(false);
    expect(a.entryIds).toEqual(b.entryIds);
    expect(a.entryIds[0]).toBe('glossary-kubernetes');
  });

  it('does not drag a self-contained new question back to the previous topic', async () => {
    const earlier = await ask('What is the sidecar pattern?');
    const { a, id } = await first('What is a feature store?', {
      turns: [{ question: 'What is the sidecar pattern?', entryIds: earlier.entryIds }],
    });
    expect(id).toBe('glossary-feature-store');
    expect(a.followUp).toBeUndefined();
  });

  it('offers the closest entries as buttons when it is in the domain but not sure (soft abstain)', async () => {
    // Two words, both ours, and three GPU entries that each cover them: which one is meant is a guess.
    const a = await ask('gpu quota');
    expect(a).toMatchObject({ abstained: true, soft: true });
    expect(a.offered?.map((o) => o.id)).toEqual(
      expect.arrayContaining(['solution-gpu-capacity-planning', 'guideline-gpu-capacity']),
    );
    const reply = answerToReply(a);
    const choices = reply.blocks.find((b) => b.type === 'choices');
    expect(choices?.type === 'choices' && choices.choices.map((c) => c.value)).toEqual(
      expect.arrayContaining(a.offered?.map((o) => `show ${o.id}`) ?? ['missing']),
    );
    expect(choices?.type === 'choices' && choices.choices.every((c) => c.label.length <= 30)).toBe(true);
    expect(reply.blocks).toContainEqual({ type: 'feedback', answerId: a.answerId });
  });
});
