import type { Reply, SourceRef } from '../core/reply.ts';

export interface Suggestion {
  kind: 'command' | 'walkthrough';
  /** For a command: the command line (e.g. `property drift`); for a walkthrough: `infra` or `data-owner`. */
  id: string;
  label: string;
}

export interface Answer {
  answerId: string;
  question: string;
  abstained: boolean;
  /** 0..1 */
  confidence: number;
  /** The answer as Markdown (the reply model's Markdown subset). */
  markdown: string;
  sources: SourceRef[];
  suggestions: Suggestion[];
  /** True when an LLM wrote the text (citations checked); false for the extractive path. */
  generated: boolean;
  /** Why the LLM path was not used, when one is configured (error code). */
  fallbackReason?: string;
}

export interface Answerer {
  answer(question: string): Promise<Answer>;
}

export type AnswerToReply = (answer: Answer) => Reply;
