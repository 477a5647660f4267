// Decides from evidence whether to answer: first "is this in our domain at all?" (a knowledge-specific word matched,
// supported by a second signal), then "how sure is the best entry?" (a calibrated probability). Below the
// threshold, a question with domain evidence gets the closest entries offered (soft abstain); without evidence the
// bot says it has nothing (hard abstain). Numbers live in calibration.ts.
import type { QuerySignals } from '../retrieval/hybrid.ts';
import type { SearchHit } from '../retrieval/types.ts';
import { CALIBRATION } from './calibration.ts';

export interface Features {
  /** Weighted share of the question's terms the best entry (or the best two) matches. */
  coverage: number;
  /** Highest specificity among the matched terms. */
  specificity: number;
  /** Number of matched terms that are specific to the knowledge and discriminate between its entries. */
  specificTerms: number;
  /** Dense similarity of the best entry, scaled to 0..1 (0 when the dense side did not find it). */
  dense: number;
  /** How far the best entry leads the second (0..1 of its fused score). */
  margin: number;
  /** Weighted share of the question's terms that the knowledge does not know at all (the question points elsewhere). */
  unknown: number;
  /** 1 when the question names the best entry (its term, alias, system or short title), else 0. */
  named: number;
  /**
   * Matched terms specific to the knowledge, discriminating or not ("ML" and "data" are in most entries: they say
   * the question is ours without saying which entry). Not a feature of the probability.
   */
  domainTerms: number;
}

export interface Decision {
  kind: 'answer' | 'soft' | 'hard';
  confidence: number;
  reason: string;
  features?: Features;
}

const clamp01 = (x: number) => Math.min(1, Math.max(0, x));
const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));

export function featuresOf(hits: readonly SearchHit[], signals: QuerySignals): Features | undefined {
  const top = hits[0];
  if (!top?.lexical) return undefined;
  const specificOf = (hit: SearchHit) => {
    const words = new Set(hit.matched ?? []);
    // Specific to the knowledge and discriminating within it: "data" is in most entries and says little.
    return signals.terms.filter(
      (t) => words.has(t.stem) && t.specificity >= CALIBRATION.specificWord && t.idf >= CALIBRATION.minIdf,
    );
  };
  // A question may join two topics that live in two entries ("Is Kubernetes required for MLOps?"): the answer
  // shows the best entry and related ones, so the best two together may cover it, at a discount — only when
  // each brings a specific word of its own (everyday words spread over two entries are no topic of ours).
  const second = hits[1];
  const together =
    second?.lexical && specificOf(top).length > 0 && specificOf(second).length > 0
      ? CALIBRATION.unionDiscount *
        signals.coverageOf({ ...top, matched: [...(top.matched ?? []), ...(second.matched ?? [])] })
      : 0;
  const matched = new Set(top.matched ?? []);
  const matchedTerms = signals.terms.filter((t) => matched.has(t.stem));
  return {
    coverage: Math.max(signals.coverageOf(top), together),
    specificity: Math.max(0, ...matchedTerms.map((t) => t.specificity)),
    specificTerms: specificOf(top).length,
    // No dense result at all (the word vectors know no word of the question, e.g. "MLOps"): neutral, not against.
    dense:
      top.dense !== undefined
        ? clamp01((top.dense - 0.5) / 0.4)
        : hits.some((h) => h.dense !== undefined)
          ? 0
          : CALIBRATION.denseUnknown,
    margin: second && top.score > 0 ? clamp01((top.score - second.score) / top.score) : 1,
    unknown: 1 - signals.coverage,
    named: top.named ? 1 : 0,
    domainTerms: matchedTerms.filter((t) => t.specificity >= CALIBRATION.domainWord).length,
  };
}

export function probability(f: Features): number {
  const w = CALIBRATION.weights;
  return sigmoid(
    w.bias +
      w.coverage * f.coverage +
      w.specificity * f.specificity +
      w.dense * f.dense +
      w.margin * f.margin +
      w.unknown * f.unknown +
      w.named * f.named +
      w.specificTerms * Math.min(3, f.specificTerms),
  );
}

export function decide(hits: readonly SearchHit[], signals: QuerySignals): Decision {
  if (hits.length === 0) return { kind: 'hard', confidence: 0, reason: 'no entry matched' };
  if (signals.terms.length === 0) return { kind: 'hard', confidence: 0, reason: 'no content words' };
  const f = featuresOf(hits, signals);
  if (!f) return { kind: 'hard', confidence: 0.05, reason: 'no word of the question is in the knowledge' };
  const confidence = probability(f);
  const dense = (hits[0]?.dense ?? 0) >= CALIBRATION.denseSupport;
  const domain =
    f.specificity >= CALIBRATION.domainSpecificity &&
    (f.specificTerms >= 1 || f.named === 1 || f.domainTerms >= 1) &&
    (dense || f.specificTerms + f.named >= 2 || f.coverage >= CALIBRATION.soloCoverage);
  if (!domain) {
    return {
      kind: 'hard',
      confidence: Math.min(confidence, 0.2),
      reason: `no domain evidence (specificity ${f.specificity.toFixed(2)}, ${f.specificTerms} specific words)`,
      features: f,
    };
  }
  // "What is MLOps?": the question names the best entry and says little else — that entry is the answer, however
  // many other entries mention the word too (a small margin is expected then).
  if (f.named === 1 && f.coverage >= CALIBRATION.namedCoverage && confidence < CALIBRATION.answerAt) {
    return { kind: 'answer', confidence: CALIBRATION.answerAt, reason: 'names an entry', features: f };
  }
  if (confidence < CALIBRATION.answerAt) {
    return { kind: 'soft', confidence, reason: `not sure (${confidence.toFixed(2)})`, features: f };
  }
  return { kind: 'answer', confidence, reason: 'ok', features: f };
}
