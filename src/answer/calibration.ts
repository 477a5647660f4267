// The numbers behind "answer, offer the closest entries, or say it is not ours". Fitted on the tuning half of the
// development set (TUNING_FILES in bench/lib.ts) with `node bench/calibrate.ts`, reported on the test half by
// `npm run bench`; never fitted on ../shared/eval. See README "How the bot decides to answer".
export const CALIBRATION = {
  /** Domain evidence: the best entry must match a word at least this specific to the knowledge (0..1). */
  domainSpecificity: 0.45,
  /** …and have a second signal: dense similarity at least this, two specific words, or this coverage alone. */
  denseSupport: 0.55,
  soloCoverage: 0.7,
  /** The dense feature when the dense side found nothing for any entry (it knows none of the question's words). */
  denseUnknown: 0.5,
  /** Logistic model of "the best entry answers the question" over the features in decide.ts. */
  weights: {
    bias: -8.54,
    coverage: 3.57,
    specificity: 2.73,
    dense: 2.23,
    margin: 3.95,
    specificTerms: 0.7,
    unknown: -3.7,
    named: 0.21,
  },
  /** A question that names the best entry and is covered at least this much is answered from it. */
  namedCoverage: 0.9,
  /** Answer at or above this probability; below it (with domain evidence) offer the closest entries. */
  answerAt: 0.45,
  /** A specific word: specificity at least this… */
  specificWord: 0.5,
  /**
   * A word this specific to the knowledge says a question is ours even when most entries use it ("ML", "data",
   * "model"): with a second signal, such a question gets the closest entries offered rather than "nothing on that".
   */
  domainWord: 0.9,
  /** …and inverse document frequency at least this (ln(1 + n/df): 1.2 ≈ in at most ~40 % of the entries). */
  minIdf: 1.2,
  /** Fused score factor for data-set entries when the question does not ask for data. */
  datasetPrior: 0.75,
  /** Fused score factors by entry type for a question's form (question-form.ts): a definition, a way, a reason. */
  formPrior: {
    define: { glossary: 1.2 },
    howto: { guideline: 1.2, solution: 1.2 },
    why: { property: 1.2, challenge: 1.2 },
  } as Record<'define' | 'howto' | 'why', Partial<Record<string, number>>>,
  /** The second entry's matched words count, at this discount, when it brings a specific word of its own. */
  unionDiscount: 0.85,
} as const;
