import type { Reply, SourceRef } from '../core/reply.ts';

export interface Suggestion {
  kind: 'command' | 'walkthrough';
  /** For a command: the command line (e.g. `property drift`); for a walkthrough: `infra` or `data-owner`. */
  id: string;
  label: string;
}

/** One earlier question of a conversation and the entries its answer came from (best first). */
export interface ConversationTurn {
  question: string;
  entryIds: string[];
}

/**
 * What the answerer knows of the conversation so far (oldest turn first). It lives in the conversation store,
 * keyed by the platform conversation, and is passed in: the answerer never reads state itself.
 */
export interface ConversationContext {
  turns: ConversationTurn[];
}

export interface Answer {
  answerId: string;
  question: string;
  /** True for both kinds of abstain: no domain evidence (hard) or in the domain but no entry is sure (soft). */
  abstained: boolean;
  /** Soft abstain: the question is in the domain; `offered` lists the closest entries to pick from. */
  soft?: boolean;
  offered?: SourceRef[];
  /** 0..1 */
  confidence: number;
  /** The answer as Markdown (the reply model's Markdown subset): the direct answer, up to three key points. */
  markdown: string;
  /** The rest (related entries, options, further points), shown behind a "More" button; undefined when none. */
  more?: string;
  sources: SourceRef[];
  /** The sources of the answer and of `more`, numbered on from `sources`. */
  moreSources?: SourceRef[];
  suggestions: Suggestion[];
  /** True when an LLM wrote the text (citations checked); false for the extractive path. */
  generated: boolean;
  /** Why the LLM path was not used, when one is configured (error code). */
  fallbackReason?: string;
  /** Language the question was asked in. */
  language: 'en' | 'de';
  /** The answer used the conversation's earlier turns (a follow-up). */
  followUp?: boolean;
  /** The entries the answer is about, best first (kept in the conversation context). */
  entryIds: string[];
}

export interface Answerer {
  answer(question: string, context?: ConversationContext): Promise<Answer>;
  /** The answer for one entry (a "show" button of a soft abstain); undefined for an unknown id. */
  entry(id: string): Answer | undefined;
}

export type AnswerToReply = (answer: Answer) => Reply;
