// Answers a question from the knowledge base. Default: extractive (compose.ts: the direct answer, key points,
// numbered sources, the rest behind "More"). decide.ts says whether to answer, offer the closest entries (soft
// abstain) or say the question is not ours (hard abstain); context.ts reads a follow-up with the conversation's
// earlier turns. With an LLM configured, the model rewrites the answer from the same entries; any failure falls
// back to the extractive answer with the reason recorded.
import { randomUUID } from 'node:crypto';
import type { Clock, Logger } from '../base/index.ts';
import { asCodedError, ErrorCode, MlopsGuideError } from '../errors.ts';
import type { KnowledgeBase } from '../knowledge/types.ts';
import type { HybridRetriever, Retrieval } from '../retrieval/hybrid.ts';
import { stem, words } from '../retrieval/text.ts';
import type { Retriever, SearchHit } from '../retrieval/types.ts';
import { CALIBRATION } from './calibration.ts';
import { composeExtractive } from './compose.ts';
import { CONTEXT_WEIGHT, followUpPlan, withoutPreamble } from './context.ts';
import { type Decision, decide } from './decide.ts';
import { DATA_STEMS, DATA_WITH_DATA_STEMS, INFRA_STEMS } from './intents.ts';
import { type ChatModel, generateAnswer, type LlmSettings } from './llm.ts';
import { loadPrompts } from './prompts.ts';
import { questionForm } from './question-form.ts';
import { sourceRefOf } from './sources.ts';
import type { Answer, Answerer, ConversationContext, Suggestion } from './types.ts';

export const MAX_QUESTION_CHARS = 4_000;

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

const dash = (s: string) => s.replace(/-/g, ' ');

function isHybrid(r: Retriever): r is HybridRetriever {
  return typeof (r as Partial<HybridRetriever>).retrieve === 'function';
}

export function suggestionsFor(
  stems: ReadonlySet<string>,
  hits: readonly SearchHit[],
  kb: KnowledgeBase,
): Suggestion[] {
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

/**
 * A button label that fits chat buttons (at most 30 characters): the title up to its colon or dash — or, when that
 * head is a label many titles share ("ML property: …", "Key insight: …"), the part after it.
 */
export function shortLabel(title: string, sharedHeads: ReadonlySet<string> = new Set(), max = 30): string {
  const [head = title, ...rest] = title.split(/:\s|\s[—–-]\s/);
  const tail = rest.join(': ').split(/\s\(/)[0]?.trim();
  let label = (sharedHeads.has(head.trim()) && tail ? tail : head.split(/\s\(/)[0]?.trim()) || title;
  label = label.charAt(0).toUpperCase() + label.slice(1);
  return label.length <= max ? label : `${label.slice(0, max - 1).trimEnd()}…`;
}

/** Title heads (before a colon) that three or more entries share: type labels, not names. */
function sharedTitleHeads(kb: KnowledgeBase): Set<string> {
  const counts = new Map<string, number>();
  for (const e of kb.entries) {
    const head = e.title.split(/:\s/)[0]?.trim();
    if (head && head !== e.title) counts.set(head, (counts.get(head) ?? 0) + 1);
  }
  return new Set([...counts].filter(([, n]) => n >= 3).map(([h]) => h));
}

/** The English stems of a question (German words translated), for intents and key-point ranking. */
const stemsOf = (r: Retrieval | undefined, question: string): Set<string> =>
  new Set(r ? r.analysis.terms.flatMap((t) => [t.stem, ...t.expansions.keys()]) : words(question).map(stem));

/**
 * Data-set entries name plant systems and process words ("vacuum pumps", "defect images") that questions about
 * something else mention as context. Unless the question asks for data (a data set, its owner, access…), they
 * rank a little lower.
 */
export function withIntentPrior(
  hits: readonly SearchHit[],
  stems: ReadonlySet<string>,
  prefer?: ReadonlyMap<string, number>,
  question?: string,
): SearchHit[] {
  const dataIntent =
    [...stems].some((s) => DATA_STEMS.has(s)) ||
    (stems.has('data') && [...stems].some((s) => DATA_WITH_DATA_STEMS.has(s)));
  // The question's form ("what is …", "how do we …", "why …") says which kind of entry it wants.
  const form = question === undefined ? undefined : questionForm(question);
  const kinds: Partial<Record<string, number>> = form ? CALIBRATION.formPrior[form] : {};
  return hits
    .map((h) => {
      let factor = kinds[h.entry.type] ?? 1;
      if (!dataIntent && h.entry.type === 'dataset' && !prefer?.has(h.entry.id)) factor *= CALIBRATION.datasetPrior;
      return factor === 1 ? h : { ...h, score: h.score * factor };
    })
    .sort((a, b) => b.score - a.score);
}

const GERMAN_LINE = '_Ich antworte auf Englisch: die Wissensbasis ist englisch._';

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
  const sharedHeads = sharedTitleHeads(kb);

  async function retrieve(
    query: string,
    prefer?: ReadonlyMap<string, number>,
    context?: string,
  ): Promise<{ r?: Retrieval; hits: SearchHit[]; decision: Decision }> {
    if (!isHybrid(retriever)) {
      const hits = await retriever.search(context ? `${query}\n${context}` : query, { k });
      const top = hits[0];
      return {
        hits,
        decision: top
          ? { kind: 'answer', confidence: Math.min(1, Math.max(0, top.score)), reason: 'retriever gives no signals' }
          : { kind: 'hard', confidence: 0, reason: 'no entry matched' },
      };
    }
    const r = await retriever.retrieve(query, {
      k,
      ...(prefer ? { prefer } : {}),
      ...(context ? { context: { text: context, weight: CONTEXT_WEIGHT } } : {}),
    });
    const hits = withIntentPrior(r.hits, stemsOf(r, query), prefer, query);
    return { r, hits, decision: decide(hits, r.signals) };
  }

  function extractive(
    answerId: string,
    question: string,
    hits: readonly SearchHit[],
    stems: ReadonlySet<string>,
    confidence: number,
    language: 'en' | 'de',
  ): Answer {
    const composed = composeExtractive(question, hits, kb, stems);
    const markdown = language === 'de' ? `${GERMAN_LINE}\n\n${composed.markdown}` : composed.markdown;
    return {
      answerId,
      question,
      abstained: false,
      confidence: Math.round(confidence * 100) / 100,
      markdown,
      ...(composed.more ? { more: composed.more, moreSources: composed.allSources } : {}),
      sources: composed.sources,
      suggestions: suggestionsFor(stems, hits, kb),
      generated: false,
      language,
      entryIds: composed.entries.map((e) => e.id),
    };
  }

  return {
    entry(id) {
      const e = kb.get(id);
      if (!e) return undefined;
      const stems = new Set(words(e.title).map(stem));
      return extractive(randomUUID(), e.title, [{ entry: e, score: 1, matched: [] }], stems, 1, 'en');
    },

    async answer(input: string, context?: ConversationContext): Promise<Answer> {
      const question = checkQuestion(input);
      const started = clock();
      // What is searched: the question without words about the message itself ("quick question:").
      const query = withoutPreamble(question);
      let result = await retrieve(query);
      let followUp = false;
      const plan = context ? followUpPlan(question, result.r, result.decision, context, kb) : undefined;
      if (plan) {
        const again = await retrieve(query, plan.prefer, plan.context);
        // A message that refers back is read in context; a self-contained one only when context makes it clearer.
        const clearer = again.decision.kind !== 'hard' && again.decision.confidence > result.decision.confidence + 0.1;
        if (plan.refersBack || clearer) {
          result = again;
          followUp = true;
        }
      }
      const { r, hits, decision } = result;
      const language = r?.signals.language ?? 'en';
      const answerId = randomUUID();
      const stems = stemsOf(r, question);
      if (decision.kind !== 'answer') {
        logger.debug({ answerId, reason: decision.reason, ms: clock() - started }, 'abstained');
        const base = {
          answerId,
          question,
          abstained: true,
          confidence: Math.round(decision.confidence * 100) / 100,
          generated: false,
          language,
          ...(followUp ? { followUp } : {}),
        };
        if (decision.kind === 'soft') {
          const offered = hits.slice(0, 3).map((h) => ({ id: h.entry.id, title: h.entry.title, type: h.entry.type }));
          const walkthroughs = suggestionsFor(stems, hits, kb).filter((s) => s.kind === 'walkthrough');
          return {
            ...base,
            soft: true,
            offered,
            markdown:
              (language === 'de' ? `${GERMAN_LINE}\n\n` : '') +
              "I'm not sure I have exactly that. These entries come closest — pick one, or ask in other words:",
            sources: [],
            suggestions: [
              ...offered.map((o) => ({
                kind: 'command' as const,
                id: `show ${o.id}`,
                label: shortLabel(o.title, sharedHeads),
              })),
              ...walkthroughs.slice(0, 1),
            ],
            entryIds: offered.map((o) => o.id),
          };
        }
        return { ...base, markdown: ABSTAIN_TEXT, sources: [], suggestions: ABSTAIN_SUGGESTIONS, entryIds: [] };
      }
      const base: Answer = {
        ...extractive(answerId, question, hits, stems, decision.confidence, language),
        ...(followUp ? { followUp } : {}),
      };
      if (!llm) return base;

      // The LLM sees the retrieved entries in rank order, numbered as its sources.
      const entries = hits.slice(0, 5).map((h) => h.entry);
      try {
        const markdown = await generateAnswer(llm, question, entries);
        const { more: _more, moreSources: _moreSources, ...rest } = base;
        return {
          ...rest,
          markdown,
          sources: hits.slice(0, 5).map((h) => sourceRefOf(h.entry, { score: h.score })),
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
