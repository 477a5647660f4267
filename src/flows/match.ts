// Forgiving matching of typed answers to a step's options: labels, values and synonyms; whole phrases,
// word prefixes ("strictly conf") and small typos ("confidentail"); a phrase right after "not"/"no" does not count
// ("not confidential" is not "confidential").
import { normaliseText } from '../base/index.ts';

export type Control = 'back' | 'restart' | 'cancel';

const CONTROL_WORDS: Record<string, Control> = {
  back: 'back',
  'go back': 'back',
  previous: 'back',
  'previous question': 'back',
  undo: 'back',
  restart: 'restart',
  'start over': 'restart',
  'start again': 'restart',
  reset: 'restart',
  cancel: 'cancel',
  stop: 'cancel',
  quit: 'cancel',
  exit: 'cancel',
  abort: 'cancel',
  'never mind': 'cancel',
  nevermind: 'cancel',
};

/** Words that carry no meaning for matching an answer ("it's", "I think", "we are", …). */
const FILLER = new Set([
  'a',
  'an',
  'the',
  'it',
  'its',
  "it's",
  'is',
  'it is',
  'i',
  'im',
  'think',
  'guess',
  'we',
  'our',
  'are',
  'be',
  'probably',
  'maybe',
  'please',
  'just',
  'that',
  'this',
  'data',
  'say',
  'would',
  'well',
  'so',
  'um',
  'uh',
  'ok',
  'okay',
  'yeah',
  'really',
  'very',
  'mostly',
  'rather',
  'pretty',
  'sure',
  'needed',
  'need',
  'required',
  'only',
  'all',
  'of',
]);

const NEGATIONS = new Set(['not', 'no', 'never', 'dont', 'isnt', 'arent', 'doesnt', 'without', 'nor']);

/**
 * The shared normaliser (keeps "ß" and every other letter, so German and non-ASCII answers match), with
 * apostrophes dropped first so a contraction stays one word: "don't know" → "dont know", as the negations and
 * synonyms spell it.
 */
export function normalise(input: string): string {
  return normaliseText(input.replace(/['’`]/g, ''));
}

const tokens = (s: string): string[] => (s === '' ? [] : s.split(' '));

export function controlOf(input: string): Control | undefined {
  return CONTROL_WORDS[normalise(input)];
}

/**
 * True when free text looks like a question rather than an answer: it ends with "?" or starts with a question
 * word followed by more words ("what is drift", "how do I …").
 */
export function looksLikeQuestion(input: string): boolean {
  const t = input.trim();
  if (t.endsWith('?')) return true;
  const words = tokens(normalise(t));
  if (words.length < 3) return false;
  return /^(what|whats|how|why|who|whom|which|where|when|can|could|should|shall|does|do|is|are|will|would|explain|tell)$/.test(
    words[0] ?? '',
  );
}

function editDistanceAtMost(a: string, b: string, max: number): boolean {
  if (Math.abs(a.length - b.length) > max) return false;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      const v = Math.min((prev[j] ?? 0) + 1, (cur[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + cost);
      cur.push(v);
      rowMin = Math.min(rowMin, v);
    }
    if (rowMin > max) return false;
    prev = cur;
  }
  return (prev[b.length] ?? max + 1) <= max;
}

/** How well one typed word matches one phrase word: 1 exact, 0.8 typo, 0.7 prefix, 0 none. */
function wordScore(typed: string, word: string): number {
  if (typed === word) return 1;
  if (typed.length >= 4 && word.length >= 4 && editDistanceAtMost(typed, word, typed.length >= 8 ? 2 : 1)) return 0.8;
  if (typed.length >= 3 && word.startsWith(typed)) return 0.7;
  return 0;
}

/**
 * Scores a phrase against the typed words: the phrase's words must appear in order, consecutively, and not right
 * after a negation (unless the phrase is itself negative). Returns the best score (higher = better) or 0.
 */
function phraseScore(typed: string[], phrase: string[]): number {
  if (phrase.length === 0 || phrase.length > typed.length) return 0;
  let best = 0;
  for (let start = 0; start + phrase.length <= typed.length; start++) {
    let sum = 0;
    let ok = true;
    for (let k = 0; k < phrase.length; k++) {
      const s = wordScore(typed[start + k] ?? '', phrase[k] ?? '');
      if (s === 0) {
        ok = false;
        break;
      }
      sum += s;
    }
    if (!ok) continue;
    const before = typed[start - 1];
    if (before !== undefined && NEGATIONS.has(before) && !NEGATIONS.has(phrase[0] ?? '')) continue;
    // Longer phrases win ("strictly confidential" over "confidential"); covering more of the input wins.
    const coverage = phrase.length / typed.length;
    best = Math.max(best, sum * 10 + coverage);
  }
  return best;
}

/** Also matches a typed prefix of a phrase ("strictly conf" → "strictly confidential"). */
function prefixOfPhraseScore(typed: string[], phrase: string[]): number {
  if (typed.length === 0 || typed.length > phrase.length) return 0;
  let sum = 0;
  for (let k = 0; k < typed.length; k++) {
    const s = wordScore(typed[k] ?? '', phrase[k] ?? '');
    if (s === 0) return 0;
    sum += s;
  }
  return sum * 10 + typed.length / phrase.length;
}

export interface Matchable {
  value: string;
  label: string;
  synonyms?: readonly string[];
}

export type MatchResult<T> = { kind: 'match'; option: T } | { kind: 'ambiguous'; options: T[] } | { kind: 'none' };

/** Matches typed text to one of the options; a number picks the n-th option. */
export function matchOption<T extends Matchable>(input: string, options: readonly T[]): MatchResult<T> {
  const norm = normalise(input);
  if (norm === '') return { kind: 'none' };
  if (/^\d{1,2}$/.test(norm)) {
    const picked = options[Number(norm) - 1];
    return picked ? { kind: 'match', option: picked } : { kind: 'none' };
  }
  const allTyped = tokens(norm);
  const typed = allTyped.filter((w) => !FILLER.has(w));
  const words = typed.length > 0 ? typed : allTyped;
  const scored = options.map((option) => {
    const phrases = [option.label, option.value.replace(/-/g, ' '), ...(option.synonyms ?? [])].map((p) =>
      tokens(normalise(p)),
    );
    let score = 0;
    for (const phrase of phrases) {
      if (phrase.join(' ') === words.join(' ') || phrase.join(' ') === norm) score = Math.max(score, 1000);
      score = Math.max(score, phraseScore(allTyped, phrase), prefixOfPhraseScore(words, phrase));
    }
    return { option, score };
  });
  const best = Math.max(...scored.map((s) => s.score));
  if (best <= 0) return { kind: 'none' };
  // Coverage (< 1 point) only breaks ties between exact phrase matches; when options match the same words equally
  // well ("yes" vs "Yes, cloud" / "Yes, on-prem") the user is asked which one they meant.
  const margin = best >= 1000 ? 0 : 0.999;
  const top = scored.filter((s) => s.score >= best - margin && s.score > 0).map((s) => s.option);
  return top.length === 1 && top[0] ? { kind: 'match', option: top[0] } : { kind: 'ambiguous', options: top };
}

/**
 * The option the whole input names exactly (label, value or synonym, ignoring case and punctuation), or the n-th
 * option for a number; undefined otherwise. Used for question-shaped input ("Confidential?"), which counts as an
 * answer only when it is nothing but an option.
 */
export function exactOption<T extends Matchable>(input: string, options: readonly T[]): T | undefined {
  const norm = normalise(input);
  if (norm === '') return undefined;
  if (/^\d{1,2}$/.test(norm)) return options[Number(norm) - 1];
  return options.find((option) =>
    [option.label, option.value.replace(/-/g, ' '), ...(option.synonyms ?? [])].some((p) => normalise(p) === norm),
  );
}
