// How much a question's word counts in "does an entry cover this question?". Fitted on the tuning half of the
// development set (bench/devset/tune.jsonl, `npm run bench -- --tune`); never on ../shared/eval.
export const TERM_WEIGHTS = {
  /** A word the knowledge uses never counts less than this (everyday words the knowledge happens to use). */
  knownFloor: 0.1,
  /** A word unknown to the knowledge and among the most common words of general English: chat filler. */
  fillerRank: 12_000,
  unknownCommon: 0.35,
  /** A word unknown to the knowledge and rare or absent in general English: likely a topic we don't cover. */
  unknownRare: 0.6,
  /** A word of a German question that neither the German vocabulary nor the knowledge knows. */
  untranslatedGerman: 0.25,
  /** Least specificity of a vocabulary phrase the question writes out in several words ("energy consumption"). */
  phraseSpecificity: 0.6,
} as const;

/** Reranking by coverage (see RetrievalOptions.coverageWeight/headWeight); fitted on the tuning half. */
export const RERANK = { coverage: 0.4, head: 0.2, named: 0 } as const;

/**
 * Background sentences before a question (focus.ts): their terms count at `weight` of the question's, when the
 * question alone has `minTerms` words at least `minSpecificity` specific to the knowledge. Fitted on the tuning half
 * and on its background variants (bench/background-variants.ts); weights 0.2-0.6 were tried. With one word, "My
 * manager wants a guarantee the model will work. How do I explain?" lost its topic (guarantee) to "explain".
 */
export const BACKGROUND = { weight: 0.4, minSpecificity: 0.5, minTerms: 2 } as const;
