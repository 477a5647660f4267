// Answers a question from the knowledge base. Default: extractive (the best entry's summary and key points,
// related entries, numbered sources, suggestions). With an LLM configured, the model rewrites the answer from
// the same entries; any failure falls back to the extractive answer with the reason recorded.
import { randomUUID } from 'node:crypto';
import type { SourceRef } from '../core/reply.ts';
import type { Clock, Logger } from '../core/types.ts';
import { asCodedError, ErrorCode, MlopsGuideError } from '../errors.ts';
import type { Entry, InfrastructureEntry } from '../knowledge/schema.ts';
import type { KnowledgeBase } from '../knowledge/types.ts';
import type { HybridRetriever, QuerySignals } from '../retrieval/hybrid.ts';
import { analyze } from '../retrieval/text.ts';
import type { Retriever, SearchHit } from '../retrieval/types.ts';
import { DATA_STEMS, DATA_WITH_DATA_STEMS, INFRA_STEMS } from './intents.ts';
import { firstSentence, keyPoints } from './key-points.ts';
import { type ChatModel, generateAnswer, type LlmSettings } from './llm.ts';
import { loadPrompts } from './prompts.ts';
import type { Answer, Answerer, Suggestion } from './types.ts';

export const MAX_QUESTION_CHARS = 4_000;

/** Abstain thresholds (see README "How the bot decides not to answer"); measured on the eval set. */
export const ABSTAIN = {
  /** Weighted share of the question's words the best entry must match. */
  minCoverage: 0.6,
  /** The best entry must match at least one word that is specific to the knowledge (not everyday English). */
  minSpecificity: 0.3,
  /**
   * When the dense index did not find the best lexical entry at all, its matched words must be clearly
   * domain words: lexical and semantic evidence disagree, so ask for more.
   */
  minSpecificityWithoutDense: 0.7,
} as const;

export interface AnswererDeps {
  kb: KnowledgeBase;
  retriever: Retriever;
  /**
   * Opt-in LLM; undefined = extractive only. Either what createChatModel returns, or a bare chat model (then the
   * prompts come from prompts/ and the timeout is `llmTimeoutMs`, default 15 s).
   */
  llm?: LlmSettings | ChatModel | undefined;
  llmTimeoutMs?: number;
  logger: Logger;
  clock?: Clock;
  /** Entries looked at per question (default 6). */
  k?: number;
}

interface Assessment {
  abstain: boolean;
  confidence: number;
  reason: string;
}

const clamp01 = (x: number) => Math.min(1, Math.max(0, x));
/** Weight of the coverage that the best two entries reach together, relative to one entry's own coverage. */
const UNION_DISCOUNT = 0.85;

function isHybrid(r: Retriever): r is HybridRetriever {
  return typeof (r as Partial<HybridRetriever>).signals === 'function';
}

/** Decides from signals, never from wordings: coverage of the question by the best entry, specificity, similarity. */
export function assess(hits: readonly SearchHit[], signals: QuerySignals | undefined): Assessment {
  const top = hits[0];
  if (!top) return { abstain: true, confidence: 0, reason: 'no entry matched' };
  if (!signals) return { abstain: false, confidence: clamp01(top.score), reason: 'retriever gives no signals' };
  if (signals.terms.length === 0) return { abstain: true, confidence: 0, reason: 'no content words' };
  if (!top.lexical) return { abstain: true, confidence: 0.05, reason: 'no word of the question is in the knowledge' };
  // A question may join two topics that live in two entries ("Is Kubernetes required for MLOps?"): the answer
  // shows the best entry and related ones, so the top two together may cover it, at a small discount.
  // Only when each of the two brings a clearly domain-specific word: everyday words spread over two unrelated
  // entries ("reset my laptop password") are not a topic the knowledge covers.
  const second = hits[1];
  const specific = (hit: SearchHit) => {
    const words = new Set(hit.matched ?? []);
    return signals.terms.some((t) => words.has(t.stem) && t.specificity >= ABSTAIN.minSpecificityWithoutDense);
  };
  const together =
    second?.lexical && specific(top) && specific(second)
      ? UNION_DISCOUNT * signals.coverageOf({ ...top, matched: [...(top.matched ?? []), ...(second.matched ?? [])] })
      : 0;
  const coverage = Math.max(signals.coverageOf(top), together);
  const matched = new Set(top.matched ?? []);
  const specificity = Math.max(0, ...signals.terms.filter((t) => matched.has(t.stem)).map((t) => t.specificity));
  const dense = top.dense === undefined ? 0.5 : clamp01((top.dense - 0.6) / 0.35);
  const confidence = clamp01(0.1 + 0.55 * coverage + 0.2 * specificity + 0.15 * dense);
  if (coverage < ABSTAIN.minCoverage)
    return { abstain: true, confidence: Math.min(confidence, 0.3), reason: `coverage ${coverage.toFixed(2)}` };
  if (specificity < ABSTAIN.minSpecificity) {
    return {
      abstain: true,
      confidence: Math.min(confidence, 0.3),
      reason: `only everyday words matched (${specificity.toFixed(2)})`,
    };
  }
  const denseAvailable = hits.some((h) => h.dense !== undefined);
  if (denseAvailable && top.dense === undefined && specificity < ABSTAIN.minSpecificityWithoutDense) {
    return { abstain: true, confidence: Math.min(confidence, 0.3), reason: 'lexical match without semantic support' };
  }
  return { abstain: false, confidence, reason: 'ok' };
}

function sourceRef(e: Entry, score?: number): SourceRef {
  const first = e.sources[0];
  const ref: SourceRef = { id: e.id, title: e.title, type: e.type };
  if (first) ref.citation = first.citation;
  if (first?.url) ref.url = first.url;
  if (score !== undefined) ref.score = Math.round(score * 1000) / 1000;
  return ref;
}

const dash = (s: string) => s.replace(/-/g, ' ');

export function suggestionsFor(question: string, hits: readonly SearchHit[], kb: KnowledgeBase): Suggestion[] {
  const stems = new Set(analyze(question));
  const top = hits.slice(0, 3).map((h) => h.entry);
  const out: Suggestion[] = [];
  const infra = [...stems].some((s) => INFRA_STEMS.has(s)) || top[0]?.type === 'infrastructure';
  const data =
    [...stems].some((s) => DATA_STEMS.has(s)) ||
    (stems.has('data') && [...stems].some((s) => DATA_WITH_DATA_STEMS.has(s))) ||
    top[0]?.type === 'dataset';
  if (infra) out.push({ kind: 'walkthrough', id: 'infra', label: 'Choose ML infrastructure' });
  if (data) out.push({ kind: 'walkthrough', id: 'data-owner', label: 'Find a data owner' });
  const property = top.find((e) => e.type === 'property');
  if (property?.type === 'property')
    out.push({ kind: 'command', id: `property ${property.name}`, label: `Property: ${dash(property.name)}` });
  const guideline = top.find((e) => e.type === 'guideline');
  if (guideline?.type === 'guideline')
    out.push({ kind: 'command', id: `guidelines ${guideline.topic}`, label: `Guidelines: ${dash(guideline.topic)}` });
  if (top.some((e) => e.type === 'challenge' || e.type === 'solution'))
    out.push({ kind: 'command', id: 'challenges', label: 'All challenges' });
  if (top.some((e) => e.type === 'study')) out.push({ kind: 'command', id: 'about', label: 'About the study' });
  if (out.length === 0 && kb.ofType('property').length > 0)
    out.push({ kind: 'command', id: 'properties', label: 'ML project properties' });
  return out.slice(0, 4);
}

interface Composition {
  markdown: string;
  entries: Entry[];
  scores: Map<string, number>;
}

/** The extractive answer: direct answer, key points, related entries, with [n] citations. */
export function composeExtractive(question: string, hits: readonly SearchHit[], kb: KnowledgeBase): Composition {
  const top = hits[0] as SearchHit;
  const best = top.entry;
  const entries: Entry[] = [best];
  const scores = new Map(hits.map((h) => [h.entry.id, h.score]));
  const cite = (e: Entry) => {
    let i = entries.findIndex((x) => x.id === e.id);
    if (i < 0) i = entries.push(e) - 1;
    return `[${i + 1}]`;
  };
  const parts: string[] = [`**${best.title}**: ${best.summary} ${cite(best)}`];

  const points = keyPoints(best.body).slice(0, 4);
  if (points.length > 0) parts.push(['**Key points**', ...points.map((p) => `- ${p}`)].join('\n'));

  if (best.type === 'dataset') {
    parts.push(
      [
        `**Owners** (${best.classification}):`,
        ...best.owners.map((o) => `- ${dash(o.role)}: ${o.name} (${o.contact})`),
        `**Access:** ${best.accessProcedure}`,
      ].join('\n'),
    );
  }
  if (best.type === 'property') parts.push(`**What it means for your plans:** ${best.implications}`);

  const stems = new Set(analyze(question));
  const infraQuestion = best.type === 'infrastructure' || [...stems].some((s) => INFRA_STEMS.has(s) && s !== 'product');
  const related: string[] = [];
  if (best.type === 'challenge') {
    const solutions = best.solutions
      .map((id) => kb.get(id))
      .filter((e): e is Entry => e !== undefined)
      .slice(0, 2);
    if (solutions.length > 0) {
      parts.push(
        ['**What helps**', ...solutions.map((s) => `- **${s.title}**: ${firstSentence(s.summary)} ${cite(s)}`)].join(
          '\n',
        ),
      );
    }
  } else if (best.type === 'solution') {
    for (const c of best.addresses
      .slice(0, 1)
      .map((id) => kb.get(id))
      .filter((e): e is Entry => e !== undefined)) {
      related.push(`- Addresses **${c.title}** ${cite(c)}`);
    }
  }
  if (infraQuestion) {
    const options = [...kb.ofType('infrastructure')].sort((a, b) => a.preferenceRank - b.preferenceRank);
    const shown = options.filter((o: InfrastructureEntry) => o.id !== best.id).slice(0, 3);
    if (
      shown.length > 0 &&
      hits.slice(0, 4).some((h) => h.entry.type === 'infrastructure' || h.entry.type === 'study')
    ) {
      parts.push(
        [
          "**Infrastructure options** (the study's order of preference):",
          ...options
            .filter((o) => o.id === best.id || shown.includes(o))
            .map((o) => `${o.preferenceRank}. **${o.title}**: ${firstSentence(o.summary)} ${cite(o)}`),
        ].join('\n'),
      );
    }
  }
  // Other entries that match the question about as well as the best one.
  for (const h of hits.slice(1)) {
    if (related.length >= 2) break;
    if (entries.some((e) => e.id === h.entry.id) || h.score < 0.55 * top.score) continue;
    related.push(`- **${h.entry.title}**: ${firstSentence(h.entry.summary)} ${cite(h.entry)}`);
  }
  if (related.length > 0) parts.push(['**Also relevant**', ...related].join('\n'));
  return { markdown: parts.join('\n\n'), entries, scores };
}

const ABSTAIN_TEXT =
  "I don't have anything on that in my knowledge base, so I won't guess. I can help with MLOps in our company: " +
  'choosing ML infrastructure (cloud, central on-premise, sidecar), finding data sets, their owners and access, ' +
  'data security and classification, model drift and monitoring, GPUs, tools and guidelines, and what stakeholders ' +
  'should know about ML projects. Try `help`, `infra`, `data-owner`, `properties`, `challenges` or `about`.';

const ABSTAIN_SUGGESTIONS: Suggestion[] = [
  { kind: 'command', id: 'help', label: 'What can I ask?' },
  { kind: 'walkthrough', id: 'infra', label: 'Choose ML infrastructure' },
  { kind: 'walkthrough', id: 'data-owner', label: 'Find a data owner' },
];

/** Rejects input the bot cannot take; returns the question as plain text. */
export function checkQuestion(question: unknown): string {
  if (typeof question !== 'string' || question.trim() === '') {
    throw new MlopsGuideError(ErrorCode.InputInvalid, 'Please type a question.', {
      remedy: 'Ask in your own words, e.g. "How do I find the owner of a data set?", or type `help`.',
    });
  }
  if (question.length > MAX_QUESTION_CHARS) {
    throw new MlopsGuideError(
      ErrorCode.InputTooLong,
      `Your question is ${question.length.toLocaleString('en-US')} characters long; I can take at most ${MAX_QUESTION_CHARS.toLocaleString('en-US')}.`,
      { remedy: 'Shorten it to the question itself (leave out logs or documents).' },
    );
  }
  return question.trim();
}

export function createAnswerer(deps: AnswererDeps): Answerer {
  const { kb, retriever, logger } = deps;
  const llm: LlmSettings | undefined =
    deps.llm === undefined
      ? undefined
      : 'model' in deps.llm
        ? deps.llm
        : { model: deps.llm, prompts: loadPrompts(), timeoutMs: deps.llmTimeoutMs ?? 15_000 };
  const clock = deps.clock ?? Date.now;
  const k = deps.k ?? 6;

  return {
    async answer(input: string): Promise<Answer> {
      const question = checkQuestion(input);
      const started = clock();
      const hits = await retriever.search(question, { k });
      const signals = isHybrid(retriever) ? retriever.signals(question) : undefined;
      const verdict = assess(hits, signals);
      const answerId = randomUUID();
      if (verdict.abstain) {
        logger.debug({ answerId, reason: verdict.reason, ms: clock() - started }, 'abstained');
        return {
          answerId,
          question,
          abstained: true,
          confidence: Math.round(verdict.confidence * 100) / 100,
          markdown: ABSTAIN_TEXT,
          sources: [],
          suggestions: ABSTAIN_SUGGESTIONS,
          generated: false,
        };
      }
      const composed = composeExtractive(question, hits, kb);
      const base: Answer = {
        answerId,
        question,
        abstained: false,
        confidence: Math.round(verdict.confidence * 100) / 100,
        markdown: composed.markdown,
        sources: composed.entries.map((e) => sourceRef(e, composed.scores.get(e.id))),
        suggestions: suggestionsFor(question, hits, kb),
        generated: false,
      };
      if (!llm) return base;

      // The LLM sees the retrieved entries in rank order, numbered as its sources.
      const entries = hits.slice(0, 5).map((h) => h.entry);
      try {
        const markdown = await generateAnswer(llm, question, entries);
        return {
          ...base,
          markdown,
          sources: hits.slice(0, 5).map((h) => sourceRef(h.entry, h.score)),
          generated: true,
        };
      } catch (err) {
        const coded = asCodedError(err, ErrorCode.LlmFailed);
        logger.warn({ answerId, code: coded.code, err: coded.message }, 'LLM answer not used; answering extractively');
        return { ...base, fallbackReason: coded.code };
      }
    },
  };
}
