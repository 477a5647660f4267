// Text analysis built from the knowledge's vocabulary (knowledge/vocabulary/*.yaml): phrase folding, synonym
// expansion, aliases, and German (language detection, German stop words and Snowball stemmer from npm packages,
// compound splitting against the vocabulary's German terms, mapping to the same English concepts). Documents and
// questions go through the same folding so that they meet on the same terms; the index is English.
import { stemmer as germanStemmer } from '@orama/stemmers/german';
import { deu as GERMAN_STOP_LIST } from 'stopword';
import type { VocabularyData } from '../knowledge/vocabulary.ts';
import { createSpeller } from './speller.ts';
import { isContentWord, normalizeBase, STOP_WORDS, stem } from './text.ts';

export type Language = 'en' | 'de';

/** How a query term came about: typed as is, an alias, a German word or compound part, a corrected typo. */
export type TermOrigin = 'word' | 'alias' | 'german' | 'compound' | 'typo';

export interface QueryTerm {
  /** What the user typed (for a compound part or a correction: the whole typed word). */
  word: string;
  /** The English stem searched at full weight. */
  stem: string;
  /** Further stems to search, with their weight relative to `stem` (synonyms, an alias's other concepts). */
  expansions: ReadonlyMap<string, number>;
  origin: TermOrigin;
  /** English words for a term typed otherwise (an alias's or a German word's concept), for the dense side. */
  gloss?: string;
  /** The word the term was corrected to (origin 'typo'). */
  corrected?: string;
  /** In a German question: the word is neither in the German vocabulary nor known to the knowledge. */
  untranslated?: boolean;
  /** Weight relative to the question's own words (terms from earlier messages of a conversation: below 1). */
  scale?: number;
  /** The question wrote it as a vocabulary phrase of several words ("energy consumption", "system of record"). */
  phrase?: boolean;
}

export interface QueryAnalysis {
  language: Language;
  terms: QueryTerm[];
  /** The question as read, when mending changed it ("side car" → "sidecar"): what the word vectors should see. */
  mended?: string;
}

export interface QueryHooks {
  /** Does an English stem occur in the knowledge? (Unknown words are tried as compounds and typos.) */
  known?: (stem: string) => boolean;
  /** A knowledge word close to an unknown word (a typo), or undefined. */
  correct?: (word: string) => string | undefined;
  /** Is the word general English (the word vectors' vocabulary)? German questions mix in English words. */
  english?: (word: string) => boolean;
  /**
   * An everyday English word close to a word nobody knows ("lrtting" → "letting"), asked when `correct` has none:
   * the word then counts as that word (a stop word is dropped), not as a rare topic word.
   */
  everyday?: (word: string) => string | undefined;
}

export interface Analyzer {
  /** Lower-cased, markup stripped, vocabulary phrases folded into one token each. */
  normalize(text: string): string;
  /** Word tokens after folding. */
  words(text: string): string[];
  /** English stems of the content words, in order (documents; duplicates kept as term frequencies). */
  analyze(text: string): string[];
  /** A question's terms, its language detected. */
  query(text: string, hooks?: QueryHooks): QueryAnalysis;
  detectLanguage(text: string): Language;
  readonly size: { concepts: number; phrases: number; germanTerms: number; aliases: number };
}

export interface AnalyzerOptions {
  /** Fold phrases and expand synonyms (default true; off for measurement). */
  synonyms?: boolean;
  /** Weight of a synonym relative to the word typed (default 0.6). */
  synonymWeight?: number;
}

/** Canonical single token for a phrase, e.g. `on-prem` → `onprem`, `Azure ML` → `azureml`. */
export const canonicalToken = (term: string) =>
  term
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, '');

const splitWords = (s: string) =>
  s
    .normalize('NFKC')
    .toLowerCase()
    .replace(/['’`´]/g, '')
    .split(/[^\p{L}\p{N}]+/u)
    .filter(Boolean);

const GERMAN_STOP: ReadonlySet<string> = new Set(GERMAN_STOP_LIST.map((w) => w.toLowerCase()));
const germanStem = (w: string) => germanStemmer(w.toLowerCase());
const escapeRe = (w: string) => w.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/** German linking elements between compound parts (Daten·s·schutz is rare; Modell·drift, Qualität·s·daten). */
const LINKS = ['', 's', 'es', 'n', 'en'];
const MIN_PART = 3;
/** Shortest German word the typo correction may touch. */
const GERMAN_MIN_CORRECT = 7;

export function createAnalyzer(vocabulary: VocabularyData, options: AnalyzerOptions = {}): Analyzer {
  const fold = options.synonyms !== false;
  const synonymWeight = options.synonymWeight ?? 0.6;

  // Concept id → its English stems (single words and folded phrase tokens); canonical stem first.
  const conceptStems = new Map<string, string[]>();
  const conceptHead = new Map<string, string>();
  const stemConcepts = new Map<string, string[]>();
  const germanConcepts = new Map<string, string[]>();
  const aliasConcepts = new Map<string, string[]>();
  /** The German vocabulary's single words as written (lower case). */
  const germanForms = new Set<string>();
  const phraseToken = new Map<string, string>();
  const addPhrase = (words: string[], token: string) => {
    const k = words.join(' ');
    if (!phraseToken.has(k)) phraseToken.set(k, token);
  };
  /** English words for a folded token (the dense side does not know "modelregistry"). */
  const glossOf = (token: string): string | undefined => tokenPhrase.get(token);
  const push = (m: Map<string, string[]>, k: string, v: string) => {
    const list = m.get(k) ?? [];
    if (!list.includes(v)) list.push(v);
    m.set(k, list);
  };

  for (const c of vocabulary.concepts) {
    const head = c.en[0] ?? c.id;
    const token = canonicalToken(head);
    const stems = [stem(token)];
    for (const t of c.en) {
      const w = splitWords(t);
      if (w.length > 1) addPhrase(w, token);
      else if (w[0] && !STOP_WORDS.has(w[0])) {
        const s = stem(w[0]);
        if (!stems.includes(s)) stems.push(s);
      }
    }
    conceptStems.set(c.id, stems);
    conceptHead.set(c.id, head);
    for (const s of stems) push(stemConcepts, s, c.id);
    for (const t of c.de) {
      const w = splitWords(t);
      if (w.length > 1) addPhrase(w, token);
      else if (w[0]) {
        push(germanConcepts, germanStem(w[0]), c.id);
        germanForms.add(w[0]);
      }
    }
  }
  const correctGerman = createSpeller(Object.fromEntries([...germanForms].map((w) => [w, 1])));
  const ignored: ReadonlySet<string> = new Set(vocabulary.ignore);
  const tokenPhrase = new Map<string, string>();
  for (const a of vocabulary.aliases) {
    const w = splitWords(a.alias);
    const token = canonicalToken(a.alias);
    if (w.length > 1) addPhrase(w, token);
    for (const id of a.means) push(aliasConcepts, token, id);
  }

  for (const [phrase, token] of phraseToken) if (!tokenPhrase.has(token)) tokenPhrase.set(token, phrase);
  /** Every word of a phrase of several words ("ground", "truth", "system", "record"). */
  const phraseWords = new Set([...phraseToken.keys()].flatMap((p) => p.split(' ')));
  const phraseTokens: ReadonlySet<string> = new Set(phraseToken.values());

  // One alternation, longest phrases first, so "own data center" wins over "data center".
  const phrases = [...phraseToken.keys()].sort(
    (a, b) => b.split(' ').length - a.split(' ').length || b.length - a.length,
  );
  const phraseRe =
    fold && phrases.length > 0
      ? new RegExp(
          `(?<![\\p{L}\\p{N}])(?:${phrases.map((p) => p.split(' ').map(escapeRe).join('[\\s\\-_/]+')).join('|')})(?![\\p{L}\\p{N}])`,
          'gu',
        )
      : undefined;

  function normalize(text: string): string {
    const s = normalizeBase(text);
    if (!phraseRe) return s;
    return s.replace(phraseRe, (m) => ` ${phraseToken.get(splitWords(m).join(' ')) ?? m} `);
  }

  function words(text: string): string[] {
    return normalize(text)
      .replace(/'/g, '')
      .split(/[^\p{L}\p{N}]+/u)
      .filter((w) => w.length > 0 && w.length <= 40);
  }

  function analyze(text: string): string[] {
    const out: string[] = [];
    for (const w of words(text)) if (isContentWord(w)) out.push(stem(w));
    return out;
  }

  function detectLanguage(text: string): Language {
    let de = 0;
    let en = 0;
    // Words of the German dictionary that are not also English terms of it ("Deployment", "GPU"): they decide when
    // no stop word does ("Was bedeutet Konzeptdrift?": "was" is in both lists).
    let dictionary = 0;
    for (const w of splitWords(text)) {
      const g = GERMAN_STOP.has(w);
      const e = STOP_WORDS.has(w);
      if (g && !e) de++;
      else if (e && !g) en++;
      if (/[äöüß]/.test(w)) de += 0.5;
      if (germanForms.has(w) && !stemConcepts.has(stem(w))) dictionary++;
    }
    if (de === en) de += dictionary;
    return de > en ? 'de' : 'en';
  }

  /** Stems of the concepts, canonical first, each with a weight: the first concept at 1, its synonyms lower. */
  function conceptTerm(word: string, ids: string[], origin: TermOrigin): QueryTerm | undefined {
    const expansions = new Map<string, number>();
    let main: string | undefined;
    const gloss = ids.map((id) => conceptHead.get(id) ?? id).join(' ');
    for (const id of ids) {
      const stems = conceptStems.get(id) ?? [];
      stems.forEach((s, i) => {
        if (main === undefined) {
          main = s;
          return;
        }
        const wgt = i === 0 ? 1 : synonymWeight;
        if (s !== main && (expansions.get(s) ?? 0) < wgt) expansions.set(s, wgt);
      });
    }
    return main === undefined ? undefined : { word, stem: main, expansions, origin, gloss };
  }

  function englishTerm(word: string, origin: TermOrigin = 'word'): QueryTerm {
    const s = stem(word);
    const aliased = fold ? aliasConcepts.get(word) : undefined;
    if (aliased) {
      const t = conceptTerm(word, aliased, 'alias');
      if (t) {
        // The name itself still matches entries that use it ("SAP" in a data set's system field).
        if (s !== t.stem) (t.expansions as Map<string, number>).set(s, 1);
        return t;
      }
    }
    const expansions = new Map<string, number>();
    if (fold) {
      for (const id of stemConcepts.get(s) ?? []) {
        for (const o of conceptStems.get(id) ?? []) if (o !== s) expansions.set(o, synonymWeight);
      }
    }
    const gloss = glossOf(word);
    return { word, stem: s, expansions, origin, ...(gloss ? { gloss } : {}) };
  }

  /** A German word (not a stop word) → the concept it names, as an English term. */
  function germanWord(word: string): QueryTerm | undefined {
    const ids = germanConcepts.get(germanStem(word)) ?? germanConcepts.get(word);
    return ids ? conceptTerm(word, ids, 'german') : undefined;
  }

  /** Splits a German compound into parts the vocabulary (or the knowledge, for English parts) knows. */
  function splitCompound(word: string, known: (s: string) => boolean, depth = 0): QueryTerm[] | undefined {
    let best: QueryTerm[] | undefined;
    let bestScore = 0;
    for (let i = MIN_PART; i <= word.length - MIN_PART; i++) {
      const right = word.slice(i);
      const tail = germanWord(right) ?? (known(stem(right)) ? englishTerm(right) : undefined);
      const rest = tail ? [tail] : depth < 1 ? splitCompound(right, known, depth + 1) : undefined;
      // A known head with an unknown tail ("Trainings·läufe") still says what the word is about, a little less.
      const partial = !rest && right.length >= MIN_PART + 1;
      if (!rest && !partial) continue;
      const leftRaw = word.slice(0, i);
      for (const link of LINKS) {
        if (link && !leftRaw.endsWith(link)) continue;
        const left = link ? leftRaw.slice(0, -link.length) : leftRaw;
        if (left.length < MIN_PART) continue;
        // With an unknown tail, the head must be a whole vocabulary word: a stem alone is too loose there
        // ("Konz·eptdrift" is not about "Konzern").
        if (partial && !rest && !germanForms.has(left) && !(left.length >= 5 && known(stem(left)))) continue;
        const head = germanWord(left) ?? (known(stem(left)) ? englishTerm(left) : undefined);
        if (!head) continue;
        // Prefer full splits, then balanced ones with long parts: "modell|drift" over "mode|lldrift".
        const score = (rest ? 100 : left.length) + Math.min(left.length, right.length) + (link ? 0 : 0.5);
        if (score > bestScore) {
          bestScore = score;
          best = [head, ...(rest ?? [])].map((t) => ({ ...t, word, origin: 'compound' as const }));
        }
      }
    }
    return best;
  }

  const wordAt = (w: string) => new RegExp(`(?<![\\p{L}\\p{N}])${escapeRe(w)}(?![\\p{L}\\p{N}])`, 'giu');
  /** `fix` in the place of `w`, keeping a capital first letter (German nouns stay nouns). */
  const replaceWord = (text: string, w: string, fix: string) =>
    text.replace(wordAt(w), (m) => (/^\p{Lu}/u.test(m) ? fix.charAt(0).toUpperCase() + fix.slice(1) : fix));

  /**
   * Typos and split words inside a vocabulary phrase or name are mended before phrases are folded, so that the
   * phrase is still found: "ground truht", "system of recrod", "least privilage", "side car". A typo outside any
   * phrase is left to the word loop (which marks it as a typo).
   */
  function mended(text: string, known: (s: string) => boolean, correct?: (w: string) => string | undefined): string {
    if (!fold) return text;
    const tokens = splitWords(text);
    const isOurs = (w: string) =>
      known(stem(w)) || aliasConcepts.has(w) || phraseTokens.has(w) || germanConcepts.has(germanStem(w));
    let out = text;
    // Two words that make one the knowledge knows, when one of them alone is not ours ("side car" → "sidecar").
    for (let i = 0; i + 1 < tokens.length; i++) {
      const a = tokens[i] as string;
      const b = tokens[i + 1] as string;
      if (STOP_WORDS.has(a) || STOP_WORDS.has(b) || a.length < 2 || b.length < 2) continue;
      const joined = a + b;
      if (joined.length < 6 || phraseToken.has(`${a} ${b}`) || (isOurs(a) && isOurs(b)) || !isOurs(joined)) continue;
      out = out.replace(
        new RegExp(`(?<![\\p{L}\\p{N}])${escapeRe(a)}[\\s\\-]+${escapeRe(b)}(?![\\p{L}\\p{N}])`, 'iu'),
        (m) => (/^\p{Lu}/u.test(m) ? joined.charAt(0).toUpperCase() + joined.slice(1) : joined),
      );
    }
    if (!correct || !phraseRe) return out;
    // Only a word next to a word of some phrase can complete one, or next to another unknown word (both words of
    // a phrase mistyped: "cocept shitf"): the others are left to the word loop (a correction scans the
    // knowledge's words, too slow to try on every word of every question).
    const fixes = new Map<string, string>();
    const ws = splitWords(out);
    const unknownAt = (i: number) => {
      const w = ws[i];
      return w !== undefined && w.length >= 4 && !STOP_WORDS.has(w) && !GERMAN_STOP.has(w) && !isOurs(w);
    };
    ws.forEach((w, i) => {
      if (fixes.has(w) || !unknownAt(i)) return;
      const near = [ws[i - 1], ws[i + 1], ws[i - 2], ws[i + 2]];
      if (!near.some((n) => n !== undefined && phraseWords.has(n)) && !unknownAt(i - 1) && !unknownAt(i + 1)) return;
      const fix = correct(w);
      if (fix && fix !== w && phraseWords.has(fix)) fixes.set(w, fix);
    });
    if (fixes.size === 0) return out;
    let candidate = out;
    for (const [w, fix] of fixes) candidate = replaceWord(candidate, w, fix);
    const inPhrase = new Set<string>();
    for (const m of normalizeBase(candidate).matchAll(phraseRe)) for (const w of splitWords(m[0])) inPhrase.add(w);
    for (const [w, fix] of fixes) if (inPhrase.has(fix)) out = replaceWord(out, w, fix);
    return out;
  }

  function query(input: string, hooks: QueryHooks = {}): QueryAnalysis {
    const known = hooks.known ?? (() => true);
    const text = mended(input, known, hooks.correct);
    const language = detectLanguage(text);
    const terms: QueryTerm[] = [];
    const seen = new Set<string>();
    // German writes nouns with a capital. In a question written that way, a lower-case word that is neither in the
    // German vocabulary nor English is a verb, adjective or function word ("komme", "liegen", "gehört"): it says
    // nothing about the topic, even when the knowledge's own German text happens to contain it. All-lower-case
    // chat questions give no such hint and are read as before.
    const lowerCase = new Set<string>();
    if (language === 'de' && /[^.!?:]\s+\p{Lu}\p{Ll}/u.test(text)) {
      for (const m of text.matchAll(/(?<![\p{L}\p{N}])\p{Ll}[\p{L}\p{N}]*/gu)) lowerCase.add(m[0]);
    }
    // Tokens that stand for a phrase of several words written in the question.
    const phrased = new Set<string>();
    if (phraseRe)
      for (const m of normalizeBase(text).matchAll(phraseRe)) {
        const w = splitWords(m[0]);
        const token = phraseToken.get(w.join(' '));
        if (token && w.length > 1) phrased.add(token);
      }
    const add = (t: QueryTerm | undefined) => {
      if (!t || seen.has(t.stem)) return;
      seen.add(t.stem);
      terms.push(phrased.has(t.word) ? { ...t, phrase: true } : t);
    };
    for (const w of words(text)) {
      if (/^\p{N}+$/u.test(w)) continue; // Numbers say nothing about the topic ("the 3 research questions").
      if (ignored.has(w)) continue;
      if (language === 'de') {
        if (GERMAN_STOP.has(w) || (STOP_WORDS.has(w) && !germanConcepts.has(germanStem(w)))) continue;
        if (w.length === 1) continue;
        const de = fold ? germanWord(w) : undefined;
        if (de) {
          add(de);
          continue;
        }
        const en = englishTerm(w);
        if (en.origin !== 'alias' && lowerCase.has(w) && hooks.english && !hooks.english(w)) continue;
        const parts = fold && w.length >= 2 * MIN_PART + 2 ? splitCompound(w, known) : undefined;
        if (en.origin === 'alias' || known(en.stem) || phraseTokens.has(w)) {
          add(en);
          // A compound the knowledge has as a whole ("Energieverbrauchsdaten" in a data set's questions) still
          // says what it is made of: its parts count too, at half weight.
          for (const p of parts ?? []) add({ ...p, scale: 0.5 });
          continue;
        }
        if (parts) {
          for (const p of parts) add(p);
          continue;
        }
        // German words are corrected only when long: short ones ("raus", "mal") are real words we don't list.
        // First against the German vocabulary ("Ansprechpatner" → "Ansprechpartner"), then the knowledge's words.
        const german = w.length >= GERMAN_MIN_CORRECT ? correctGerman(w) : undefined;
        const mended = german ? germanWord(german) : undefined;
        if (mended) {
          add({ ...mended, word: w, origin: 'typo' });
          continue;
        }
        const fixed = w.length >= GERMAN_MIN_CORRECT ? hooks.correct?.(w) : undefined;
        if (fixed && isContentWord(fixed)) {
          add({ ...englishTerm(fixed), word: w, origin: 'typo', corrected: fixed });
          continue;
        }
        add({ ...en, untranslated: true });
        continue;
      }
      if (!isContentWord(w)) continue;
      const en = englishTerm(w);
      if (en.origin === 'alias' || known(en.stem) || en.expansions.size > 0) {
        add(en);
        continue;
      }
      const fixed = hooks.correct?.(w) ?? hooks.everyday?.(w);
      if (fixed) {
        // "teh" → "the": a corrected stop word is dropped, not counted as a topic.
        if (isContentWord(fixed)) add({ ...englishTerm(fixed), word: w, origin: 'typo', corrected: fixed });
        continue;
      }
      add(en);
    }
    return { language, terms, ...(text !== input ? { mended: text } : {}) };
  }

  return {
    normalize,
    words,
    analyze,
    query,
    detectLanguage,
    size: {
      concepts: vocabulary.concepts.length,
      phrases: phraseToken.size,
      germanTerms: germanConcepts.size,
      aliases: vocabulary.aliases.length,
    },
  };
}
