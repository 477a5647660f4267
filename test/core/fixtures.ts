// Small fakes for driving the core: a fixed knowledge base, a scripted answerer and walkthrough service.
import type { Answer, Answerer, ConversationContext } from '../../src/answer/types.ts';
import type { BotDeps, KnowledgeRuntime } from '../../src/core/bot.ts';
import type { ExpertSettings } from '../../src/core/expert.ts';
import { block, type Reply } from '../../src/core/reply.ts';
import type { FlowKey, FlowTextResult, Walkthroughs } from '../../src/flows/types.ts';
import type { Entry } from '../../src/knowledge/schema.ts';
import type { KnowledgeBase } from '../../src/knowledge/types.ts';
import { EMPTY_VOCABULARY } from '../../src/knowledge/vocabulary.ts';
import { createMemoryEventStore } from '../../src/store/events-memory.ts';
import { createMemoryKeyValueStore } from '../../src/store/kv-memory.ts';

const src = [{ citation: 'Haug et al. (2025). MLOps Adoption in the Manufacturing Industry (slides)' }];
const q = (t: string) => [`what is ${t}`, `explain ${t}`, `tell me about ${t}`];

export const ENTRIES: Entry[] = [
  {
    id: 'property-drift',
    type: 'property',
    title: 'Models drift',
    summary: 'A model gets worse over time as the data it sees changes.',
    tags: [],
    related: ['property-uncertainty'],
    questions: q('drift'),
    sources: src,
    name: 'drift',
    aliases: ['model decay', 'data drift'],
    explanation: 'The world changes; the model learned the past.',
    implications: 'Budget for monitoring and retraining.',
    body: 'Drift.\n\n## Key points\n- Monitor inputs.\n',
    file: 'properties/property-drift.md',
  },
  {
    id: 'property-uncertainty',
    type: 'property',
    title: 'Outcomes are uncertain',
    summary: 'Whether a model will be good enough is only known after experiments.',
    tags: [],
    related: [],
    questions: q('uncertainty'),
    sources: src,
    name: 'uncertainty',
    aliases: [],
    explanation: 'Nobody knows up front how accurate it will be.',
    implications: 'Plan in stages with go/no-go points.',
    body: 'Uncertain.\n\n## Key points\n- Plan stages.\n',
    file: 'properties/property-uncertainty.md',
  },
  {
    id: 'challenge-tools',
    type: 'challenge',
    title: 'Too many tools',
    summary: 'Projects use many different tools.',
    tags: [],
    related: [],
    questions: q('tool sprawl'),
    sources: src,
    solutions: ['solution-standard-toolchain'],
    fromStudy: true,
    body: 'Tools.\n\n## Key points\n- Many tools.\n',
    file: 'challenges/challenge-tools.md',
  },
  {
    id: 'solution-standard-toolchain',
    type: 'solution',
    title: 'A standard toolchain',
    summary: 'Agree on a curated set of tools.',
    tags: [],
    related: [],
    questions: q('standard tools'),
    sources: src,
    addresses: ['challenge-tools'],
    origin: 'literature',
    body: 'Standardise.\n\n## Key points\n- Curate.\n',
    file: 'solutions/solution-standard-toolchain.md',
  },
  {
    id: 'guideline-monitoring',
    type: 'guideline',
    title: 'Monitor models in production',
    summary: 'Watch inputs, outputs and latency; alert on drift.',
    tags: ['drift'],
    related: [],
    questions: q('monitoring'),
    sources: src,
    topic: 'monitoring',
    body: 'Monitor.\n\n## Key points\n- Track input drift.\n- Alert on quality drops.\n',
    file: 'guidelines/guideline-monitoring.md',
  },
  {
    id: 'study-overview',
    type: 'study',
    title: 'MLOps adoption at Zeiss SMT',
    summary: 'An interview study of MLOps adoption.',
    tags: [],
    related: [],
    questions: q('the study'),
    sources: src,
    section: 'overview',
    body: 'Ten interviews with practitioners at a semiconductor-optics maker.\n\n## Key points\n- Interviews.\n',
    file: 'study/study-overview.md',
  },
];

export function fixtureKb(entries: Entry[] = ENTRIES): KnowledgeBase {
  const byId = new Map(entries.map((e) => [e.id, e]));
  return {
    dir: '/fixture',
    entries,
    hash: `hash-${entries.length}`,
    vocabulary: EMPTY_VOCABULARY,
    get: (id) => byId.get(id),
    ofType: (type) => entries.filter((e) => e.type === type) as never,
  };
}

let counter = 0;
/** Answers every question with the first entry whose title shares a word; abstains otherwise. */
export function fakeAnswerer(
  kb: KnowledgeBase,
): Answerer & { asked: string[]; contexts: (ConversationContext | undefined)[] } {
  const asked: string[] = [];
  const contexts: (ConversationContext | undefined)[] = [];
  return {
    asked,
    contexts,
    entry(id) {
      const e = kb.get(id);
      if (!e) return undefined;
      counter++;
      return {
        answerId: `ans-${counter}`,
        question: e.title,
        abstained: false,
        confidence: 1,
        markdown: e.summary,
        sources: [{ id: e.id, title: e.title, type: e.type }],
        suggestions: [],
        generated: false,
        language: 'en',
        entryIds: [e.id],
      };
    },
    async answer(question: string, context?: ConversationContext): Promise<Answer> {
      asked.push(question);
      contexts.push(context);
      const words = question
        .toLowerCase()
        .split(/\W+/)
        .filter((w) => w.length > 3);
      const hit = kb.entries.find((e) => words.some((w) => e.title.toLowerCase().includes(w)));
      counter++;
      return {
        answerId: `ans-${counter}`,
        question,
        abstained: !hit,
        confidence: hit ? 0.8 : 0,
        markdown: hit ? hit.summary : 'I don\u2019t know.',
        sources: hit ? [{ id: hit.id, title: hit.title, type: hit.type }] : [],
        suggestions: [],
        generated: false,
        language: 'en',
        entryIds: hit ? [hit.id] : [],
      };
    },
  };
}

export const fakeAnswerToReply = (a: Answer): Reply => ({
  kind: a.abstained ? 'abstain' : 'answer',
  blocks: [block.markdown(a.markdown), block.sources(a.sources), block.feedback(a.answerId)],
  fallbackText: a.markdown,
  answerId: a.answerId,
});

/** A walkthrough double: `start` records, text "yes" answers the step, anything else is a question. */
export function fakeWalkthroughs(): Walkthroughs & { started: string[]; active: Set<string> } {
  const started: string[] = [];
  const active = new Set<string>();
  const keyOf = (k: FlowKey) => `${k.platform}:${k.conversationId}:${k.userId}`;
  const step = (text: string): Reply => ({
    kind: 'walkthrough',
    blocks: [block.markdown(text), block.choices([{ actionId: 'flow:infra', value: 'yes', label: 'Yes' }])],
    fallbackText: text,
  });
  return {
    started,
    active,
    ids: () => ['infra', 'data-owner'],
    async start(key, flowId, text) {
      started.push(`${flowId}${text ? `:${text}` : ''}`);
      active.add(keyOf(key));
      return step(`Started ${flowId}`);
    },
    ownsAction: (id) => id.startsWith('flow:'),
    async onAction(_key, _actionId, value) {
      return { ...step(`Clicked ${value}`), replaceOriginal: true };
    },
    async onText(key, text): Promise<FlowTextResult> {
      if (!active.has(keyOf(key))) return { handled: false };
      if (text === 'yes') return { handled: true, reply: step('Next step') };
      return { handled: false, resume: { actionId: 'flow:infra', value: 'resume', label: 'Continue the walkthrough' } };
    },
  };
}

export function fixtureRuntime(kb = fixtureKb()): KnowledgeRuntime & { answerer: ReturnType<typeof fakeAnswerer> } {
  return { kb, answerer: fakeAnswerer(kb) };
}

/**
 * The real core (createBot) over the fixture knowledge, fake answers and walkthroughs and memory stores, with
 * "Ask an expert" posting to `channels`: what the core, Slack and Teams expert tests drive.
 */
export function expertBotDeps(
  channels: ExpertSettings['channels'],
  options: { storeQuestionText?: boolean; runtime?: KnowledgeRuntime; walkthroughs?: Walkthroughs } = {},
): BotDeps {
  return {
    knowledge: () => options.runtime ?? fixtureRuntime(),
    answerToReply: fakeAnswerToReply,
    walkthroughs: options.walkthroughs ?? fakeWalkthroughs(),
    events: createMemoryEventStore(),
    kv: createMemoryKeyValueStore(),
    settings: {
      maintainers: [],
      storeQuestionText: options.storeQuestionText ?? true,
      rateLimitPerMinute: 0,
      userHashSalt: 'salt',
      experts: { channels, name: '#mlops-experts' },
    },
  };
}
