// Background before the question. People write context first ("I'm a process engineer in coating. We log
// everything in the historian. How do I find out who owns the chamber data?"), and the background's words (coating,
// historian) name entries of their own that pull the answer away from what is asked. A message whose question
// comes after one or more sentences that are not questions is split there; the retriever reads the background at a
// lower weight (hybrid.ts). What follows the first question stays with it: sentences after a question usually say
// more about it ("Zero tests so far.").

/** Words that start a question (English and German); a sentence ending in "?" is a question anyway. */
const QUESTION_START =
  /^(what|whats|how|why|who|whom|whose|where|when|which|can|could|should|shall|do|does|did|is|are|was|were|will|would|wie|warum|wieso|weshalb|wer|wo|wann|welche|welcher|welches|kann|können|gibt|brauche|brauchen|muss|müssen|soll|sollen|ist|sind)\b/iu;

export interface Focus {
  /** The sentences before the first question. */
  background: string;
  /** The first question and everything after it. */
  question: string;
}

const isQuestion = (sentence: string) => sentence.endsWith('?') || QUESTION_START.test(sentence);

/** Splits `text` at its first question when background sentences come before it; undefined otherwise. */
export function splitBackground(text: string): Focus | undefined {
  const sentences = text
    .split(/(?<=[.!?])\s+|\n+/u)
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  const first = sentences.findIndex(isQuestion);
  if (first <= 0) return undefined;
  return { background: sentences.slice(0, first).join(' '), question: sentences.slice(first).join(' ') };
}
