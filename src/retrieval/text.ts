// Text analysis shared by the lexical index, the dense embeddings and the abstain decision: normalisation,
// tokens, stop words, Porter stemming (`stemmer`) and domain synonyms. Documents and questions go through the
// same functions so that they meet on the same terms.
import { stemmer } from 'stemmer';
import { SYNONYM_GROUPS } from './synonyms.ts';

// English function words and question scaffolding: they carry no topic.
const STOP = `a about above after again against all also am an and any are as at be because been before being below
between both but by can cannot could did do does doing done down during each else etc even ever every few for from
further get gets getting give go goes going got had has have having he her here hers herself him himself his how i
if in into is it its itself just let lets like may me might more most much must my myself need needs no nor not now
of off on once one only or other others our ours ourselves out over own per please quite rather really said same
say says shall she should so some still such than that the their theirs them themselves then there these they this
those through thus to too under until up upon us use used using very via want wants was we well were what whats when
where whether which while who whom whose why will with within without would yes yet you your yours yourself
yourselves thing things way ways tell know describe anyone someone something anything kind sort lot lots
s t d ll m re ve dont doesnt didnt cant cannot couldnt wont wouldnt shouldnt isnt arent wasnt werent im ive
youre theyre weve hes shes thats theres whats heres ok okay`.split(/\s+/);
export const STOP_WORDS: ReadonlySet<string> = new Set(STOP);

export interface AnalyzerOptions {
  /** Fold synonym phrases and expand query words with their synonyms (default true). */
  synonyms?: boolean;
}

/** Canonical single token for a synonym group, e.g. `on-prem` → `onprem`. */
const canonicalToken = (term: string) => term.toLowerCase().replace(/[^\p{L}\p{N}]+/gu, '');

interface SynonymTables {
  /** Phrase (several words) → canonical token, longest phrases first. */
  phrases: { pattern: RegExp; token: string }[];
  /** Stem → stems of the other members of its group. */
  expansions: Map<string, Set<string>>;
}

function buildSynonymTables(): SynonymTables {
  const phrases: { pattern: RegExp; token: string; length: number }[] = [];
  const expansions = new Map<string, Set<string>>();
  for (const group of SYNONYM_GROUPS) {
    const head = group[0];
    if (!head) continue;
    const token = canonicalToken(head);
    const stems = new Set<string>([stemmer(token)]);
    for (const term of group) {
      const words = term
        .toLowerCase()
        .split(/[^\p{L}\p{N}]+/u)
        .filter(Boolean);
      if (words.length > 1) {
        const body = words.map((w) => w.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('[\\s\\-_/]+');
        phrases.push({
          pattern: new RegExp(`(?<![\\p{L}\\p{N}])${body}(?![\\p{L}\\p{N}])`, 'gu'),
          token,
          length: words.length,
        });
      } else if (words[0] && !STOP_WORDS.has(words[0])) {
        stems.add(stemmer(words[0]));
      }
    }
    for (const s of stems) {
      const set = expansions.get(s) ?? new Set<string>();
      for (const o of stems) if (o !== s) set.add(o);
      expansions.set(s, set);
    }
  }
  phrases.sort((a, b) => b.length - a.length);
  return { phrases: phrases.map(({ pattern, token }) => ({ pattern, token })), expansions };
}

const TABLES = buildSynonymTables();

// C0 controls and DEL (built from a string so the source holds no literal control-character class).
const CONTROL_CHARS = new RegExp(
  `[${String.fromCharCode(0)}-${String.fromCharCode(0x1f)}${String.fromCharCode(0x7f)}]+`,
  'g',
);

/** Lower-cases, folds compatibility forms and strips chat markup (`<!channel>`, `<@U123>`, `<url|label>`). */
export function normalize(text: string, options: AnalyzerOptions = {}): string {
  let s = text
    .normalize('NFKC')
    .replace(/<([^<>|]*)\|([^<>]*)>/g, ' $2 ')
    .replace(/<[!@#][^<>]*>/g, ' ')
    .replace(CONTROL_CHARS, ' ')
    .replace(/[’`´]/g, "'")
    .toLowerCase();
  if (options.synonyms !== false) for (const { pattern, token } of TABLES.phrases) s = s.replace(pattern, ` ${token} `);
  return s;
}

/** Word tokens of normalised text (letters and digits; apostrophes dropped, e.g. "don't" → "dont"). */
export function words(text: string, options: AnalyzerOptions = {}): string[] {
  return normalize(text, options)
    .replace(/'/g, '')
    .split(/[^\p{L}\p{N}]+/u)
    .filter((w) => w.length > 0 && w.length <= 40);
}

const stemCache = new Map<string, string>();
export function stem(word: string): string {
  let s = stemCache.get(word);
  if (s === undefined) {
    s = /^\p{N}+$/u.test(word) ? word : stemmer(word);
    if (stemCache.size < 50_000) stemCache.set(word, s);
  }
  return s;
}

export const isContentWord = (w: string) => !STOP_WORDS.has(w) && !(w.length === 1 && !/\p{N}/u.test(w));

/** Stems of the content words of a text, in order (duplicates kept: they are term frequencies). */
export function analyze(text: string, options: AnalyzerOptions = {}): string[] {
  const out: string[] = [];
  for (const w of words(text, options)) if (isContentWord(w)) out.push(stem(w));
  return out;
}

/** Content words of a text with their stems (first surface form of each stem). */
export function contentWords(text: string, options: AnalyzerOptions = {}): { word: string; stem: string }[] {
  const seen = new Map<string, string>();
  for (const w of words(text, options)) if (isContentWord(w) && !seen.has(stem(w))) seen.set(stem(w), w);
  return [...seen].map(([s, word]) => ({ word, stem: s }));
}

/**
 * A question's terms: its own stems (weight 1) and, with synonyms on, its synonyms' stems (lower weight).
 * `synonymsOf` maps an own stem to the expansions it brought in.
 */
export function queryTerms(
  text: string,
  options: AnalyzerOptions = {},
): { own: string[]; expanded: string[]; synonymsOf: Map<string, string[]> } {
  const own = [...new Set(analyze(text, options))];
  const expanded = new Set<string>();
  const synonymsOf = new Map<string, string[]>();
  if (options.synonyms !== false) {
    for (const s of own) {
      const extra = [...(TABLES.expansions.get(s) ?? [])].filter((e) => !own.includes(e));
      synonymsOf.set(s, extra);
      for (const e of extra) expanded.add(e);
    }
  }
  return { own, expanded: [...expanded], synonymsOf };
}
