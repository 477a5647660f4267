import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { suggestionsFor } from '../../src/answer/answerer.ts';
import { composeExtractive } from '../../src/answer/compose.ts';
import { answerToReply, createAnswerer } from '../../src/answer/index.ts';
import type { Answerer } from '../../src/answer/types.ts';
import { silentLogger } from '../../src/base/index.ts';
import { ErrorCode } from '../../src/errors.ts';
import { createRetriever, type HybridRetriever } from '../../src/retrieval/hybrid.ts';
import { LocalEmbeddings } from '../../src/retrieval/local-embeddings.ts';
import { stem, words } from '../../src/retrieval/text.ts';
import type { Retriever } from '../../src/retrieval/types.ts';
import { loadWordVectors, vectorsDir } from '../../src/retrieval/word-vectors.ts';
import { fixtureKb, writeTinyVectors } from '../fixtures/retrieval/kb.ts';

const kb = fixtureKb();
let data: string;
let answerer: Answerer;
let retriever: HybridRetriever;

beforeAll(async () => {
  data = mkdtempSync(join(tmpdir(), 'mlg-ans-'));
  writeTinyVectors(data);
  const vectors = loadWordVectors(vectorsDir(data));
  retriever = await createRetriever(kb, { embeddings: new LocalEmbeddings(vectors), generalRank: vectors.rank });
  answerer = createAnswerer({ kb, retriever, logger: silentLogger });
});
afterAll(() => rmSync(data, { recursive: true, force: true }));

const ids = (xs: { id: string }[]) => xs.map((x) => x.id);
const analyze = (q: string) => words(q).map(stem);

describe('extractive answers', () => {
  it('answers from the best entry: summary, key points, numbered sources with citations', async () => {
    const a = await answerer.answer('What is model drift?');
    expect(a.abstained).toBe(false);
    expect(a.generated).toBe(false);
    expect(a.sources[0]).toMatchObject({
      id: 'property-drift',
      type: 'property',
      citation: expect.stringContaining('Haug'),
    });
    expect(a.markdown).toContain('A model gets worse as production data changes');
    expect(a.markdown).toContain('Concept drift changes the relation');
    expect(a.markdown).toContain('[1]');
    expect(a.confidence).toBeGreaterThan(0.5);
    expect(a.confidence).toBeLessThanOrEqual(1);
    expect(ids(a.suggestions)).toContain('property drift');
  });

  it('a challenge brings its solutions behind "More", numbered on from the answer\'s sources', async () => {
    const a = await answerer.answer('Why is data discovery hard? I cannot find a suitable data set');
    expect(a.sources[0]?.id).toBe('challenge-data-discovery');
    expect(a.markdown).not.toMatch(/What helps/);
    expect(a.more).toMatch(/What helps[\s\S]*data catalog/i);
    expect(ids(a.moreSources ?? [])).toContain('solution-data-catalog');
    expect(a.moreSources?.slice(0, a.sources.length)).toEqual(a.sources);
  });

  // Composition and suggestions are tested on the retrieved entries directly: whether the bot answers at all is
  // the decision's business (test/answer/decide.test.ts), calibrated on the real knowledge, not on this fixture.
  it('a deployment question offers the infra walkthrough; the options list waits behind "More"', async () => {
    const question = 'Where should I deploy my model to run it on the shop floor?';
    const hits = await retriever.search(question, { k: 6 });
    const composed = composeExtractive(question, hits, kb);
    expect(composed.markdown).not.toMatch(/Infrastructure options/);
    expect(composed.more).toMatch(/Infrastructure options/);
    expect(composed.more).toMatch(/1\. \*\*Cloud ML platform/);
    const suggestions = suggestionsFor(new Set(analyze(question)), hits, kb);
    expect(suggestions.find((s) => s.id === 'infra')?.kind).toBe('walkthrough');
  });

  it('keeps the direct answer short: at most three key points', async () => {
    const a = await answerer.answer('What is model drift?');
    expect(a.markdown.split('\n').filter((l) => l.startsWith('- ')).length).toBeLessThanOrEqual(3);
  });

  it.each(['Who owns the coating logs?', 'How do I get access to a data set?', 'I need to find the data steward'])(
    'suggests the data-owner walkthrough for "%s"',
    async (q) => {
      const hits = await retriever.search(q, { k: 6 });
      expect(ids(suggestionsFor(new Set(analyze(q)), hits, kb))).toContain('data-owner');
    },
  );

  it('a data set answer lists its owners and access procedure', async () => {
    const a = await answerer.answer('Who owns the coating chamber logs?');
    expect(a.markdown).toContain('data steward Clara Lenz (#coating-data)');
    expect(a.markdown).toContain('Request the view coating_runs');
  });

  it('suggests guideline commands', async () => {
    const a = await answerer.answer('How do I monitor a model in production?');
    expect(ids(a.suggestions)).toContain('guidelines monitoring');
  });
});

describe('abstaining', () => {
  it.each([
    'What is the best restaurant in town?',
    'How do I reset my laptop password?',
    'Tell me a joke',
    'Who is the CEO of a football club?',
    'When does the cafeteria close?',
    'What time is it?',
    '???',
  ])('abstains on "%s", says what it can help with, invents nothing', async (q) => {
    const a = await answerer.answer(q);
    expect(a.abstained).toBe(true);
    expect(a.sources).toEqual([]);
    expect(a.confidence).toBeLessThan(0.5);
    expect(a.markdown).toMatch(/don't have anything on that/);
    expect(a.markdown).toMatch(/infra/);
    expect(ids(a.suggestions)).toEqual(expect.arrayContaining(['help', 'infra', 'data-owner']));
  });

  it('abstains when the retriever finds nothing', async () => {
    const empty: Retriever = { search: async () => [] };
    const a = await createAnswerer({ kb, retriever: empty, logger: silentLogger }).answer('What is drift?');
    expect(a.abstained).toBe(true);
  });
});

describe('bad input', () => {
  it.each(['', '   ', '\n\t'])('rejects an empty question %j with InputInvalid', async (q) => {
    await expect(answerer.answer(q)).rejects.toMatchObject({
      code: ErrorCode.InputInvalid,
      message: 'Please type a question.',
    });
  });

  it('rejects a question over 4,000 characters with InputTooLong and a clear message', async () => {
    await expect(answerer.answer('drift '.repeat(700))).rejects.toMatchObject({
      code: ErrorCode.InputTooLong,
      message: expect.stringMatching(/4,200 characters long; I can take at most 4,000/),
    });
  });

  it('accepts exactly 4,000 characters', async () => {
    const a = await answerer.answer(`What is model drift? ${'x'.repeat(3979)}`);
    expect(typeof a.abstained).toBe('boolean');
  });

  it.each([
    ['control characters', 'what is \u0000model\u0007 drift\u001b[0m?'],
    ['emoji', '🤖 what is model drift? 📉'],
    ['Slack markup', '<!channel> <@U0123> what is model drift?'],
    ['German', 'Was ist Model Drift?'],
    ['Chinese', '什么是模型漂移？'],
    ['markup injection', '**bold** `code` [link](http://evil.example) <script>alert(1)</script>'],
  ])('treats %s as plain text without crashing', async (_name, q) => {
    const a = await answerer.answer(q);
    expect(typeof a.markdown).toBe('string');
    expect(a.markdown).not.toContain('<script>');
  });
});

describe('answerToReply', () => {
  it('renders an answer: heading, markdown, sources, command choices (More first), feedback', async () => {
    const a = await answerer.answer('Why is data discovery hard? I cannot find a suitable data set');
    expect(a.abstained).toBe(false);
    const r = answerToReply(a);
    expect(r.kind).toBe('answer');
    expect(r.answerId).toBe(a.answerId);
    expect(r.blocks.map((b) => b.type)).toEqual(
      expect.arrayContaining(['heading', 'markdown', 'sources', 'choices', 'feedback']),
    );
    const choices = r.blocks.find((b) => b.type === 'choices');
    expect(choices?.type === 'choices' && choices.choices).toEqual(
      expect.arrayContaining([{ actionId: 'command', value: 'data-owner', label: 'Find a data owner' }]),
    );
    expect(choices?.type === 'choices' && choices.choices[0]).toEqual({
      actionId: 'command',
      value: `more ${a.answerId}`,
      label: 'More',
    });
    expect(r.blocks.at(-1)).toEqual({ type: 'feedback', answerId: a.answerId });
    expect(r.fallbackText.length).toBeGreaterThan(10);
    expect(r.fallbackText).not.toContain('**');
  });

  it('renders an abstention as kind abstain with help choices and no sources', async () => {
    const a = await answerer.answer('Tell me a joke about penguins');
    expect(a.soft).toBeUndefined();
    const r = answerToReply(a);
    expect(r.kind).toBe('abstain');
    expect(r.blocks.some((b) => b.type === 'sources' || b.type === 'feedback')).toBe(false);
    expect(r.blocks.some((b) => b.type === 'choices')).toBe(true);
  });
});

describe('shortLabel (buttons of a soft abstain)', () => {
  it('keeps labels within 30 characters and skips a type label many titles share', async () => {
    const { shortLabel } = await import('../../src/answer/answerer.ts');
    const shared = new Set(['ML property', 'Key insight']);
    expect(shortLabel('ML property: outcomes are uncertain', shared)).toBe('Outcomes are uncertain');
    expect(shortLabel('Model drift: models degrade as data changes', shared)).toBe('Model drift');
    expect(shortLabel('Kubernetes (K8s)', shared)).toBe('Kubernetes');
    const long = shortLabel('Key insight: the sidecar pattern is the last resort for model deployment', shared);
    expect(long.length).toBeLessThanOrEqual(30);
    expect(long).toMatch(/^The sidecar pattern.*…$/);
  });
});
