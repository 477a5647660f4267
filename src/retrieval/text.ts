// The vocabulary-free layer of text analysis: normalisation, word tokens, English stop words and Porter stemming
// (`stemmer`). The vocabulary-driven layer (phrases, synonyms, aliases, German) is analyzer.ts.
import { stemmer } from 'stemmer';

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

// C0 controls and DEL (built from a string so the source holds no literal control-character class).
const CONTROL_CHARS = new RegExp(
  `[${String.fromCharCode(0)}-${String.fromCharCode(0x1f)}${String.fromCharCode(0x7f)}]+`,
  'g',
);

/** Lower-cases, folds compatibility forms and strips chat markup (`<!channel>`, `<@U123>`, `<url|label>`). */
export function normalizeBase(text: string): string {
  return text
    .normalize('NFKC')
    .replace(/<([^<>|]*)\|([^<>]*)>/g, ' $2 ')
    .replace(/<[!@#][^<>]*>/g, ' ')
    .replace(CONTROL_CHARS, ' ')
    .replace(/[’`´]/g, "'")
    .toLowerCase();
}

/** Word tokens of normalised text (letters and digits; apostrophes dropped, e.g. "don't" → "dont"). */
export function words(text: string): string[] {
  return normalizeBase(text)
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
