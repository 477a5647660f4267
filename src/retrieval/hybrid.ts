// The hybrid retriever: a lexical BM25F index (MiniSearch with our own analysis) beside a dense index of averaged
// word vectors (hnswlib-node, cosine space: dense.ts), fused per entry.

import type { EmbeddingsInterface } from '@langchain/core/embeddings';
import MiniSearch, { type Options as MiniSearchOptions } from 'minisearch';
import type { Entry, EntryType } from '../knowledge/schema.ts';
import type { KnowledgeBase } from '../knowledge/types.ts';
import {
  type Analyzer,
  createAnalyzer,
  type Language,
  type QueryAnalysis,
  type QueryTerm,
  type TermOrigin,
} from './analyzer.ts';
import { buildCompactLexical, type CompactLexical } from './compact-lexical.ts';
import { createDenseIndex, type DenseIndex } from './dense.ts';
import { denseTexts, entryNames, FIELD_BOOSTS, LEXICAL_FIELDS, type LexicalDoc, toLexicalDoc } from './documents.ts';
import { splitBackground } from './focus.ts';
import { createEverydayTypo, createSpeller } from './speller.ts';
import { stem, words } from './text.ts';
import type { OnBuildProgress, Retriever, SearchHit } from './types.ts';
import { BACKGROUND, RERANK, TERM_WEIGHTS } from './weights.ts';

export type Fusion = 'rrf' | 'blend';

export interface RetrievalOptions {
  /** Domain synonyms on (default) or off (for measurement). */
  synonyms?: boolean;
  /** How lexical and dense rankings are combined (default 'blend', measured on the eval set). */
  fusion?: Fusion;
  /** Weight of the dense signal in the fusion, 0..1 (default 0.3). */
  denseWeight?: number;
  /**
   * Added to the fused score per unit of the question's weighted coverage by an entry (default RERANK.coverage):
   * an entry that matches more of what the question is about beats one that repeats a single word often.
   */
  coverageWeight?: number;
  /** Likewise for coverage by the entry's title, names and user questions alone (default RERANK.head). */
  headWeight?: number;
  /** Added to the fused score of an entry the question names (its term, alias, system; default RERANK.named). */
  namedWeight?: number;
  /** Overrides of the term weights in weights.ts (for measurement and calibration). */
  termWeights?: Partial<Record<keyof typeof TERM_WEIGHTS, number>>;
  /** Weight of a synonym expansion relative to the word typed (default 0.6). */
  synonymWeight?: number;
  /**
   * Frequency rank of a word in general English (0 = most common), e.g. from the offline word vectors. Used to
   * tell domain words from everyday words in the abstain signals; without it every word counts as specific.
   */
  generalRank?: (word: string) => number | undefined;
  /** Weight of a matched word pair relative to a single word (default 1). */
  bigramWeight?: number;
  /** Index adjacent word pairs too, so "key challenge" ranks entries with that phrase first (default true). */
  bigrams?: boolean;
  /** Overrides of the lexical field boosts (for measurement). */
  fieldBoosts?: Partial<typeof FIELD_BOOSTS>;
  /** BM25 parameters of the lexical index (MiniSearch's defaults k 1.2, b 0.7, d 0.5; for measurement). */
  bm25?: { k: number; b: number; d: number };
  /** Told when the dense side fails for a query (e.g. a remote embeddings endpoint is down); lexical results are used. */
  onDenseError?: (err: unknown) => void;
}

export interface TermSignal {
  word: string;
  stem: string;
  origin: TermOrigin;
  /** Occurs somewhere in the knowledge base (the stem or one of its synonyms). */
  known: boolean;
  /** Inverse document frequency in the knowledge base (unknown words get the highest value). */
  idf: number;
  /**
   * 0..1: how much more often the word occurs in the knowledge base than in general English (log scale).
   * Everyday words (time, close, good) are near 0.1, domain words (drift, gpu, steward) 1. Unknown words 0.
   */
  specificity: number;
  /**
   * How much the term counts when asking "does an entry cover the question?": a known word its specificity;
   * an unknown word by how common it is in general English (chat filler counts little, a rare unknown name more).
   */
  weight: number;
}

/** What the question's words look like against the knowledge vocabulary (abstain signals). */
export interface QuerySignals {
  language: Language;
  terms: TermSignal[];
  /** Weighted share of the question's terms that occur in the knowledge base. */
  coverage: number;
  /** Weighted share of the question's terms matched by a hit (its `matched` stems). */
  coverageOf(hit: SearchHit): number;
}

export interface Retrieval {
  hits: SearchHit[];
  signals: QuerySignals;
  analysis: QueryAnalysis;
}

export interface SearchOptions {
  k?: number;
  types?: readonly EntryType[];
  /** Added to the fused score of these entries (0..1), e.g. the entries a conversation is about. */
  prefer?: ReadonlyMap<string, number>;
  /**
   * Earlier messages of the conversation, read with the question at a lower weight (a follow-up's topic): their
   * terms are searched and counted at `weight` (0..1) of the question's own.
   */
  context?: { text: string; weight: number };
}

export interface HybridRetriever extends Retriever {
  signals(query: string): QuerySignals;
  /** Search and signals from one analysis of the question. */
  retrieve(query: string, options?: SearchOptions): Promise<Retrieval>;
  readonly analyzer: Analyzer;
  readonly counts: { entries: number; lexicalTerms: number; vectors: number };
}

export interface TermStats {
  /** Number of entries. */
  n: number;
  /** Stem → number of entries it occurs in. */
  df: Record<string, number>;
  /** Stem → occurrences in the whole knowledge base. */
  tf: Record<string, number>;
  /** Word tokens in the whole knowledge base (stop words included, like a general-English count). */
  tokens: number;
  /** Surface word → occurrences (the dictionary for typo correction). */
  words: Record<string, number>;
}

/** The question's terms (stems) an entry matched, and their weighted coverage of the question. */
interface Matched {
  stems: string[];
  coverage: number;
}

/**
 * One question's lexical candidates in columns, looked up by id through the index's document numbers: at 15,000
 * entries a Map from id to a hit object per candidate was most of the answer time.
 */
class LexicalHits {
  readonly ids: string[] = [];
  /** Raw lexical (BM25F) score. */
  readonly scores: number[] = [];
  /** The fused score, built up step by step. */
  readonly fused: number[] = [];
  /** Dense similarity, when the dense side found the entry. */
  readonly sims: (number | undefined)[] = [];
  readonly matched: Matched[] = [];
  /** Likewise in its head fields. */
  readonly head: Matched[] = [];
  private slots: Int32Array | undefined;
  private readonly lexical: CompactLexical;
  constructor(lexical: CompactLexical) {
    this.lexical = lexical;
  }
  add(doc: number, id: string, score: number, matched: Matched, head: Matched): void {
    this.slots ??= new Int32Array(this.lexical.documentCount).fill(-1);
    this.slots[doc] = this.ids.length;
    this.ids.push(id);
    this.scores.push(score);
    this.fused.push(0);
    this.sims.push(undefined);
    this.matched.push(matched);
    this.head.push(head);
  }
  /** The candidate number of an entry, or -1. */
  at(id: string): number {
    const doc = this.lexical.indexOf(id);
    return doc === undefined || !this.slots ? -1 : (this.slots[doc] as number);
  }
  get size(): number {
    return this.ids.length;
  }
}

export interface RetrieverParts {
  lexical: CompactLexical;
  stats: TermStats;
  dense: DenseIndex | undefined;
  /** The entries' names as stems (nameStems), when worked out beforehand (e.g. in slices, during a reload). */
  names?: Map<string, string[][]>;
}

/** The names an entry goes by, as stem sets: a question containing all stems of one "names" the entry. */
function namesOfEntry(e: KnowledgeBase['entries'][number], analyzer: Analyzer): string[][] {
  const titleStems = analyzer.analyze(e.title);
  const names = [...entryNames(e).map((n) => analyzer.analyze(n)), ...(titleStems.length <= 3 ? [titleStems] : [])];
  return names.filter((n) => n.length > 0);
}

export function nameStems(kb: KnowledgeBase, analyzer: Analyzer): Map<string, string[][]> {
  return new Map(kb.entries.map((e) => [e.id, namesOfEntry(e, analyzer)]));
}

/**
 * nameStems in slices that yield to the event loop between them: at 15,000 entries the analysis takes ~0.5 s, which
 * a reload must not take from the questions being answered meanwhile.
 */
export async function nameStemsYielding(kb: KnowledgeBase, analyzer: Analyzer): Promise<Map<string, string[][]>> {
  const out = new Map<string, string[][]>();
  const SLICE = 500;
  for (let i = 0; i < kb.entries.length; i += SLICE) {
    for (const e of kb.entries.slice(i, i + SLICE)) out.set(e.id, namesOfEntry(e, analyzer));
    await new Promise((resolve) => setImmediate(resolve));
  }
  return out;
}

/** Stems plus, with bigrams on, adjacent stem pairs joined by `_`. */
export function indexTerms(analyzer: Analyzer, text: string, options: RetrievalOptions): string[] {
  const stems = analyzer.analyze(text);
  if (options.bigrams === false) return stems;
  const pairs: string[] = [];
  for (let i = 1; i < stems.length; i++) pairs.push(`${stems[i - 1]}_${stems[i]}`);
  return [...stems, ...pairs];
}

export function lexicalOptions(analyzer: Analyzer, options: RetrievalOptions): MiniSearchOptions<LexicalDoc> {
  return {
    idField: 'id',
    fields: LEXICAL_FIELDS,
    storeFields: [],
    tokenize: (text) => indexTerms(analyzer, text, options),
    processTerm: (term) => term,
    searchOptions: {
      boost: { ...FIELD_BOOSTS, ...options.fieldBoosts },
      ...(options.bm25 ? { bm25: options.bm25 } : {}),
    },
  };
}

/** The analyzer for a knowledge base: its vocabulary, with the retrieval options' synonym switches. */
export const analyzerFor = (kb: KnowledgeBase, options: RetrievalOptions = {}): Analyzer =>
  createAnalyzer(kb.vocabulary, {
    ...(options.synonyms !== undefined ? { synonyms: options.synonyms } : {}),
    ...(options.synonymWeight !== undefined ? { synonymWeight: options.synonymWeight } : {}),
  });

/** The lexical index's document for each entry, in the knowledge's order. */
export function buildLexical(
  kb: KnowledgeBase,
  options: RetrievalOptions,
  analyzer: Analyzer = analyzerFor(kb, options),
): { lexical: CompactLexical; stats: TermStats } {
  const docs = kb.entries.map(toLexicalDoc);
  const lexical = buildCompactLexical(docs, {
    tokenize: (text) => indexTerms(analyzer, text, options),
    ...(options.fieldBoosts ? { fieldBoosts: options.fieldBoosts } : {}),
    ...(options.bm25 ? { bm25: options.bm25 } : {}),
  });
  const df: Record<string, number> = {};
  const tf: Record<string, number> = {};
  const surface: Record<string, number> = {};
  let tokens = 0;
  for (const doc of docs) {
    const seen = new Set<string>();
    for (const f of LEXICAL_FIELDS) {
      for (const w of words(doc[f])) {
        tokens++;
        if (/^\p{L}{3,}$/u.test(w)) surface[w] = (surface[w] ?? 0) + 1;
      }
      for (const s of analyzer.analyze(doc[f])) {
        seen.add(s);
        tf[s] = (tf[s] ?? 0) + 1;
      }
    }
    for (const s of seen) df[s] = (df[s] ?? 0) + 1;
  }
  return { lexical, stats: { n: kb.entries.length, df, tf, tokens, words: surface } };
}

/** MiniSearch with the retriever's analysis, as the lexical index was before compact-lexical.ts (for comparison). */
export function buildMiniSearch(
  kb: KnowledgeBase,
  options: RetrievalOptions,
  analyzer: Analyzer = analyzerFor(kb, options),
): MiniSearch<LexicalDoc> {
  const lexical = new MiniSearch<LexicalDoc>(lexicalOptions(analyzer, options));
  for (const entry of kb.entries) lexical.add(toLexicalDoc(entry));
  return lexical;
}

export async function buildDense(
  kb: KnowledgeBase,
  embeddings: EmbeddingsInterface,
  onProgress?: OnBuildProgress,
): Promise<DenseIndex | undefined> {
  const texts = kb.entries.flatMap((e) => denseTexts(e).map((text) => ({ text, id: e.id })));
  if (texts.length === 0) return undefined;
  onProgress?.({ step: 'embedding', texts: texts.length });
  const vectors = await embeddings.embedDocuments(texts.map((t) => t.text));
  return createDenseIndex(embeddings, vectors, texts);
}

/** Builds the indexes in memory. `embeddings` omitted = lexical only. */
export async function createRetriever(
  kb: KnowledgeBase,
  options: RetrievalOptions & { embeddings?: EmbeddingsInterface } = {},
): Promise<HybridRetriever> {
  const analyzer = analyzerFor(kb, options);
  const { lexical, stats } = buildLexical(kb, options, analyzer);
  const dense = options.embeddings ? await buildDense(kb, options.embeddings) : undefined;
  return retrieverFromParts(kb, { lexical, stats, dense }, options, analyzer);
}

/** Best first by score, ties by id: the first `k` of sorting all, without sorting all (ids are unique). */
function topK(each: (visit: (id: string, score: number) => void) => void, k: number): [string, number][] {
  const before = (a: [string, number], b: [string, number]) => b[1] < a[1] || (b[1] === a[1] && a[0] < b[0]);
  const top: [string, number][] = [];
  each((id, score) => {
    if (top.length === k) {
      const last = top[k - 1] as [string, number];
      if (!(last[1] < score || (last[1] === score && id < last[0]))) return;
    }
    const item: [string, number] = [id, score];
    let i = top.length < k ? top.length : k - 1;
    while (i > 0 && before(item, top[i - 1] as [string, number])) {
      top[i] = top[i - 1] as [string, number];
      i--;
    }
    top[i] = item;
  });
  return top;
}

/**
 * The ids of the first `k` of `lex` sorted best first by a stable sort (ties in insertion order), without sorting
 * all of it: thousands of candidates in a large knowledge base, ten wanted.
 */
function bestLexical(ids: readonly string[], scores: readonly number[], k: number): string[] {
  const top: [string, number][] = [];
  for (let c = 0; c < ids.length; c++) {
    const id = ids[c] as string;
    const score = scores[c] as number;
    if (top.length === k && !(score > (top[k - 1] as [string, number])[1])) continue;
    // After every earlier entry with a score >= this one (stable), before the first with a lower score.
    let i = top.length < k ? top.length : k - 1;
    while (i > 0 && score > (top[i - 1] as [string, number])[1]) {
      top[i] = top[i - 1] as [string, number];
      i--;
    }
    top[i] = [id, score];
  }
  return top.map(([id]) => id);
}

const RRF_K = 60;
/** Fields that say what an entry is about (as opposed to its body and details). */
const HEAD_FIELDS: ReadonlySet<string> = new Set(['title', 'names', 'questions', 'summary']);
/** Dense candidates looked at per question (vectors, several per entry). */
const DENSE_CANDIDATES = 60;
/** Can every stem be given a different term that covers it (a matching, by augmenting paths; names are short)? */
export function distinctlyCovered(stems: string[], terms: ReadonlySet<string>[]): boolean {
  if (stems.length > terms.length) return false;
  const owner = new Array<number>(terms.length).fill(-1);
  const assign = (i: number, seen: boolean[]): boolean => {
    for (let j = 0; j < terms.length; j++) {
      if (seen[j] || !terms[j]?.has(stems[i] as string)) continue;
      seen[j] = true;
      if (owner[j] === -1 || assign(owner[j] as number, seen)) {
        owner[j] = i;
        return true;
      }
    }
    return false;
  };
  return stems.every((_, i) => assign(i, new Array<boolean>(terms.length).fill(false)));
}

/** The best lexical candidates that get their exact dense similarity when the approximate search missed them. */
const EXACT_DENSE_CANDIDATES = 10;

export function retrieverFromParts(
  kb: KnowledgeBase,
  parts: RetrieverParts,
  options: RetrievalOptions = {},
  analyzer: Analyzer = analyzerFor(kb, options),
): HybridRetriever {
  const fusion = options.fusion ?? 'blend';
  const denseWeight = options.denseWeight ?? 0.3;
  const bigramWeight = options.bigramWeight ?? 1;
  const coverageWeight = options.coverageWeight ?? RERANK.coverage;
  const headWeight = options.headWeight ?? RERANK.head;
  const namedWeight = options.namedWeight ?? RERANK.named;
  const { lexical, stats, dense } = parts;
  const vectorCount = dense ? dense.count : 0;
  const maxIdf = Math.log(1 + 2 * Math.max(1, stats.n));
  const idf = (s: string) => {
    const df = stats.df[s];
    return df ? Math.log(1 + stats.n / df) : maxIdf;
  };
  const known = (s: string) => (stats.df[s] ?? 0) > 0;
  const namesOf = parts.names ?? nameStems(kb, analyzer);
  // Every name's distinct stems, found from any of its stems: the entries a question can name are those with a
  // name whose stems it all holds, looked up instead of checking every candidate (namedBy then decides exactly).
  const nameOwners: string[] = [];
  const nameSizes: number[] = [];
  const namesWith = new Map<string, number[]>();
  for (const [id, names] of namesOf) {
    for (const n of names) {
      const distinct = new Set(n);
      const at = nameOwners.length;
      nameOwners.push(id);
      nameSizes.push(distinct.size);
      for (const s of distinct) {
        const list = namesWith.get(s);
        if (list) list.push(at);
        else namesWith.set(s, [at]);
      }
    }
  }
  /** Entries with a name all of whose stems are in `reachable` (a superset of those namedBy names). */
  const nameable = (reachable: ReadonlySet<string>): Set<string> => {
    const count = new Map<number, number>();
    const out = new Set<string>();
    for (const s of reachable) {
      for (const at of namesWith.get(s) ?? []) {
        const c = (count.get(at) ?? 0) + 1;
        count.set(at, c);
        if (c === nameSizes[at]) out.add(nameOwners[at] as string);
      }
    }
    return out;
  };
  /** The entry of each lexical document (undefined when the knowledge no longer has it). */
  const entryAt = lexical.ids.map((id) => kb.get(id));
  const speller = createSpeller(stats.words, options.generalRank);
  // The knowledge's most frequent surface word of each stem: its general-English rank says how everyday it is.
  const surfaceOf = new Map<string, { word: string; n: number }>();
  for (const [w, n] of Object.entries(stats.words)) {
    const s = stem(w);
    if ((surfaceOf.get(s)?.n ?? 0) < n) surfaceOf.set(s, { word: w, n });
  }

  // Zipf estimate of a word's general-English probability from its frequency rank (source vocabulary ~341k).
  const zipf = Math.log(341_479) + 0.5772;
  const specificity = (word: string, s: string): number => {
    const tf = stats.tf[s] ?? 0;
    if (tf === 0) return 0;
    if (!options.generalRank) return 1;
    const rank = options.generalRank(surfaceOf.get(s)?.word ?? word) ?? options.generalRank(word) ?? 200_000;
    const ratio = tf / Math.max(1, stats.tokens) / (1 / ((rank + 1) * zipf));
    return Math.min(1, Math.max(0.1, Math.log10(Math.max(ratio, 1e-9)) / 2));
  };
  const weights = { ...TERM_WEIGHTS, ...options.termWeights };
  const PHRASE_SPECIFICITY = weights.phraseSpecificity;
  const unknownWeight = (t: QueryTerm): number => {
    if (t.untranslated) return weights.untranslatedGerman;
    const rank = options.generalRank?.(t.corrected ?? t.word);
    if (rank === undefined) return weights.unknownRare;
    return rank < weights.fillerRank ? weights.unknownCommon : weights.unknownRare;
  };

  const general = options.generalRank;
  const english = general ? (w: string) => general(w) !== undefined : undefined;
  // A word nobody knows that is one edit from a common English word is that word mistyped (issue 10).
  const everyday = general ? createEverydayTypo(general, weights.fillerRank) : undefined;
  const analyse = (query: string): QueryAnalysis =>
    analyzer.query(query, {
      known,
      correct: speller,
      ...(english ? { english } : {}),
      ...(everyday ? { everyday } : {}),
    });

  // One question's signals are read by the search and by the caller: computed once per analysis.
  const signalsCache = new WeakMap<QueryAnalysis, QuerySignals>();
  function signalsOf(analysis: QueryAnalysis): QuerySignals {
    let cached = signalsCache.get(analysis);
    if (!cached) {
      cached = computeSignals(analysis);
      signalsCache.set(analysis, cached);
    }
    return cached;
  }

  function computeSignals(analysis: QueryAnalysis): QuerySignals {
    const terms: TermSignal[] = analysis.terms.map((t) => {
      const isKnown = known(t.stem) || [...t.expansions.keys()].some(known);
      const own = known(t.stem)
        ? specificity(t.corrected ?? t.word, t.stem)
        : Math.max(0, ...[...t.expansions.keys()].filter(known).map((e) => specificity(e, e)));
      // A vocabulary phrase of several words is a term of ours, however common its head word is in English.
      const spec = t.phrase && own > 0 ? Math.max(own, PHRASE_SPECIFICITY) : own;
      return {
        word: t.word,
        stem: t.stem,
        origin: t.origin,
        known: isKnown,
        idf: idf(t.stem),
        specificity: spec,
        weight: (t.scale ?? 1) * (isKnown ? Math.max(weights.knownFloor, spec) : unknownWeight(t)),
      };
    });
    const total = terms.reduce((a, t) => a + t.weight, 0);
    // Summed in the terms' order from 0, as filter + reduce would (the same floating-point result, no array).
    const share = (pick: (t: TermSignal) => boolean) => {
      if (!(total > 0)) return 0;
      let sum = 0;
      for (const t of terms) if (pick(t)) sum += t.weight;
      return sum / total;
    };
    return {
      language: analysis.language,
      terms,
      coverage: share((t) => t.known),
      coverageOf: (hit) => {
        const matched = new Set(hit.matched ?? []);
        return share((t) => matched.has(t.stem));
      },
    };
  }

  async function searchAnalysed(
    query: string,
    analysis: QueryAnalysis,
    opts: SearchOptions = {},
  ): Promise<SearchHit[]> {
    const k = Math.max(1, opts.k ?? 5);
    const allowed = opts.types && opts.types.length > 0 ? new Set<string>(opts.types) : undefined;
    const ok = (id: string) => {
      const e = kb.get(id);
      return e !== undefined && (!allowed || allowed.has(e.type));
    };
    const own = analysis.terms.map((t) => t.stem);
    const boost = new Map<string, number>();
    for (const t of analysis.terms) {
      const scale = t.scale ?? 1;
      if ((boost.get(t.stem) ?? 0) < scale) boost.set(t.stem, scale);
      for (const [e, w] of t.expansions) if ((boost.get(e) ?? 0) < w * scale) boost.set(e, w * scale);
    }
    if (options.bigrams !== false) {
      for (let i = 1; i < own.length; i++) {
        const pair = `${own[i - 1]}_${own[i]}`;
        if (!boost.has(pair)) boost.set(pair, bigramWeight);
      }
    }

    const lex = new LexicalHits(lexical);
    if (own.length > 0) {
      const queryTerms = [...boost.keys()].join(' ').split(' ').filter(Boolean);
      const found = lexical.search(queryTerms, (t) => boost.get(t) ?? 1, HEAD_FIELDS);
      const has = (t: QueryTerm, set: Set<string>) => {
        if (set.has(t.stem)) return true;
        for (const e of t.expansions.keys()) if (set.has(e)) return true;
        return false;
      };
      // The question's terms an entry matched depend only on which query terms it contains: worked out once per
      // distinct set (a few dozen per question), not once per candidate (thousands in a large knowledge base).
      // Keyed by the bit set itself: a number for up to 32 query terms (the usual case), else a string.
      const sig = signalsOf(analysis);
      const memo = new Map<number | string, Matched>();
      const matchedFor = (bits: Uint32Array, at: number): Matched => {
        let key: number | string = bits[at] as number;
        if (found.words > 1) {
          key = '';
          for (let j = 0; j < found.words; j++) key += `${bits[at + j]},`;
        }
        let m = memo.get(key);
        if (!m) {
          const set = new Set<string>();
          for (let j = 0; j < found.terms.length; j++) {
            if (((bits[at + (j >>> 5)] as number) >>> (j & 31)) & 1) set.add(found.terms[j] as string);
          }
          const stems = analysis.terms.filter((t) => has(t, set)).map((t) => t.stem);
          m = { stems, coverage: sig.coverageOf({ matched: stems } as SearchHit) };
          memo.set(key, m);
        }
        return m;
      };
      const order: number[] = [];
      for (let i = 0; i < found.docs.length; i++) {
        const entry = entryAt[found.docs[i] as number];
        if (!entry || (allowed && !allowed.has(entry.type))) continue;
        order.push(i);
      }
      // Best first as MiniSearch returned them (a stable sort: ties in first-match order); only RRF reads the order.
      if (fusion === 'rrf') order.sort((a, b) => (found.scores[b] as number) - (found.scores[a] as number));
      for (const i of order) {
        const doc = found.docs[i] as number;
        const at = i * found.words;
        const id = (entryAt[doc] as Entry).id;
        lex.add(doc, id, found.scores[i] as number, matchedFor(found.found, at), matchedFor(found.head, at));
      }
    }

    const den = new Map<string, number>();
    if (dense && vectorCount > 0 && own.length > 0) {
      try {
        // German words and typos mean nothing to English word vectors: embed what the terms stand for.
        const translated = analysis.language === 'de' || analysis.terms.some((t) => t.origin !== 'word');
        const text = translated
          ? analysis.terms.map((t) => t.gloss ?? t.corrected ?? t.word).join(' ')
          : (analysis.mended ?? query);
        const q = await dense.embeddings.embedQuery(text);
        if (q.some((x) => x !== 0)) {
          const found = dense.search(q, Math.min(DENSE_CANDIDATES, vectorCount));
          for (const { id, distance } of found) {
            if (!ok(id)) continue;
            const sim = 1 - distance;
            if (sim > (den.get(id) ?? -Infinity)) den.set(id, sim);
          }
          // The approximate search returns the nearest vectors, and an entry with many vectors can crowd out the
          // best lexical candidates: give those their exact similarity, so that "no dense evidence" means that.
          for (const id of bestLexical(lex.ids, lex.scores, EXACT_DENSE_CANDIDATES)) {
            if (den.has(id) || !ok(id)) continue;
            const sim = dense.similarity(q, id);
            if (sim !== undefined) den.set(id, sim);
          }
        }
      } catch (err) {
        // A remote embeddings endpoint that is down or slow must not take answering down: rank lexically.
        den.clear();
        options.onDenseError?.(err);
      }
    }

    // Fused scores live on the lexical hits (thousands in a large knowledge base: no map from id to score) and, for
    // the few entries only the dense side found, in a small map. Same arithmetic, in the same order, as before.
    const denseOnly = new Map<string, number>();
    for (const [id, sim] of den) {
      const c = lex.at(id);
      if (c >= 0) lex.sims[c] = sim;
      else denseOnly.set(id, 0);
    }
    const n = lex.size;
    if (fusion === 'rrf') {
      const rank = (m: Map<string, number>) =>
        new Map([...m].sort((a, b) => b[1] - a[1]).map(([id], i) => [id, i + 1]));
      const lr = rank(new Map(lex.ids.map((id, c) => [id, lex.scores[c] as number])));
      const dr = rank(den);
      const rrf = (id: string) => {
        const l = lr.get(id);
        const d = dr.get(id);
        return (1 - denseWeight) * (l ? 1 / (RRF_K + l) : 0) + denseWeight * (d ? 1 / (RRF_K + d) : 0);
      };
      for (let c = 0; c < n; c++) lex.fused[c] = rrf(lex.ids[c] as string);
      for (const id of denseOnly.keys()) denseOnly.set(id, rrf(id));
    } else {
      let maxLex = 0;
      for (let c = 0; c < n; c++) if ((lex.scores[c] as number) > maxLex) maxLex = lex.scores[c] as number;
      const sims = [...den.values()];
      const hi = Math.max(...sims);
      const lo = Math.min(...sims);
      const blend = (score: number, s: number | undefined) => {
        const l = maxLex > 0 ? score / maxLex : 0;
        const d = s === undefined || hi <= lo ? 0 : (s - lo) / (hi - lo);
        return (1 - denseWeight) * l + denseWeight * d;
      };
      for (let c = 0; c < n; c++) lex.fused[c] = blend(lex.scores[c] as number, lex.sims[c]);
      for (const [id, s] of den) if (denseOnly.has(id)) denseOnly.set(id, blend(0, s));
    }
    // Rerank by how much of the question each entry covers (weighted as in the abstain signals; see matchedFor).
    for (let c = 0; c < n; c++) {
      const cov = (lex.matched[c] as Matched).coverage;
      const head = (lex.head[c] as Matched).coverage;
      lex.fused[c] = (lex.fused[c] as number) + coverageWeight * cov + headWeight * head;
    }
    // Every stem the question can stand for: a name with a stem outside it cannot be named by any entry's match.
    const reachable = new Set<string>();
    for (const t of analysis.terms) {
      reachable.add(t.stem);
      for (const e of t.expansions.keys()) reachable.add(e);
    }
    /** The entry's names the question contains in full (none: the entry is not named). */
    const namedBy = (id: string): string[][] => {
      const names = namesOf.get(id);
      if (!names?.some((n) => n.every((s) => reachable.has(s)))) return [];
      // A name's stem counts when a matched term is it or expands to it (computed once per entry, not per stem).
      const c = lex.at(id);
      const matched = new Set(c >= 0 ? (lex.matched[c] as Matched).stems : []);
      const covered = new Set(matched);
      for (const t of analysis.terms) if (matched.has(t.stem)) for (const e of t.expansions.keys()) covered.add(e);
      // Each word of a name needs a word of its own in the question: one word and its synonyms do not name
      // "Thin-film coating / multilayer deposition" ("coating" expands to deposition and multilayer).
      const by = analysis.terms
        .filter((t) => matched.has(t.stem))
        .map((t) => new Set([t.stem, ...t.expansions.keys()]));
      return names.filter((n) => n.every((s) => covered.has(s)) && distinctlyCovered([...new Set(n)], by));
    };
    const namings = new Map<string, string[][]>();
    for (const id of nameable(reachable)) {
      if (lex.at(id) < 0) continue;
      const names = namedBy(id);
      if (names.length > 0) namings.set(id, names);
    }
    // The longest name wins, as in entity linking: "data drift" names the data-drift entry, and the "drift" inside
    // it does not also name the drift entry. An entry is named only if no other entry's name strictly contains
    // every name of it the question holds.
    const within = (a: string[], b: string[]) => a.length < b.length && a.every((s) => b.includes(s));
    // Compared by name, not by entry: many entries can share a name (data sets of one domain), and comparing every
    // named entry with every other grew with the square of their number.
    const owners = new Map<string, { stems: string[]; ids: Set<string> }>();
    for (const [id, mine] of namings) {
      for (const n of mine) {
        const key = n.join('\u0000');
        const o = owners.get(key);
        if (o) o.ids.add(id);
        else owners.set(key, { stems: n, ids: new Set([id]) });
      }
    }
    const distinct = [...owners.values()];
    /** Does an entry other than `id` have a name that strictly contains `n`? */
    const containedByOther = (id: string, n: string[]) =>
      distinct.some((t) => within(n, t.stems) && (t.ids.size > 1 || !t.ids.has(id)));
    const named = new Set(
      [...namings].filter(([id, mine]) => !mine.every((n) => containedByOther(id, n))).map(([id]) => id),
    );
    for (const id of named) {
      const c = lex.at(id);
      lex.fused[c] = (lex.fused[c] as number) + namedWeight;
    }
    if (opts.prefer) {
      for (const [id, bonus] of opts.prefer) {
        const c = lex.at(id);
        if (!ok(id) || c < 0) continue;
        lex.fused[c] = (lex.fused[c] as number) + bonus;
      }
    }

    const hits: SearchHit[] = [];
    const candidates = (visit: (id: string, score: number) => void) => {
      for (let c = 0; c < n; c++) visit(lex.ids[c] as string, lex.fused[c] as number);
      for (const [id, score] of denseOnly) visit(id, score);
    };
    for (const [id, score] of topK(candidates, k)) {
      const entry = kb.get(id);
      if (!entry) continue;
      const c = lex.at(id);
      const d = den.get(id);
      hits.push({
        entry,
        score,
        ...(c >= 0
          ? { lexical: lex.scores[c] as number, matched: [...(lex.matched[c] as Matched).stems] }
          : { matched: [] }),
        ...(d !== undefined ? { dense: d } : {}),
        ...(named.has(id) ? { named: true } : {}),
      });
    }
    return hits;
  }

  /**
   * A question after background sentences: the question's terms at full weight, the background's at
   * BACKGROUND.weight (see focus.ts). Only when the question alone says something specific to the knowledge ("How
   * do I stop that?" needs its background). The dense side still reads the whole message.
   */
  function withBackground(query: string): QueryAnalysis | undefined {
    const focus = splitBackground(query);
    if (!focus) return undefined;
    const question = analyse(focus.question);
    const specific = signalsOf(question).terms.filter((t) => t.known && t.specificity >= BACKGROUND.minSpecificity);
    if (specific.length < BACKGROUND.minTerms) return undefined;
    const background = analyse(focus.background);
    const mended =
      background.mended || question.mended
        ? { mended: `${background.mended ?? focus.background} ${question.mended ?? focus.question}` }
        : {};
    const terms = joinTerms(question, background, (t) => BACKGROUND.weight * (t.scale ?? 1));
    return { language: question.language, terms, ...mended };
  }

  /** The question's terms, then those of `other` it does not have, each at `scaleOf(term)`. */
  function joinTerms(own: QueryAnalysis, other: QueryAnalysis, scaleOf: (t: QueryTerm) => number): QueryTerm[] {
    const seen = new Set(own.terms.map((t) => t.stem));
    const extra = other.terms.filter((t) => !seen.has(t.stem)).map((t) => ({ ...t, scale: scaleOf(t) }));
    return [...own.terms, ...extra];
  }

  return {
    analyzer,
    search: (query, opts) => searchAnalysed(query, analyse(query), opts),
    signals: (query) => signalsOf(analyse(query)),
    async retrieve(query, opts) {
      if (!opts?.context) {
        const focused = withBackground(query) ?? analyse(query);
        return { hits: await searchAnalysed(query, focused, opts), signals: signalsOf(focused), analysis: focused };
      }
      // The question's language decides; the context's terms come after its own, scaled down.
      const own = analyse(query);
      const context = analyse(opts.context.text);
      const weight = opts.context.weight ?? 0.5;
      const text = `${own.mended ?? query}\n${context.mended ?? opts.context.text}`;
      const analysis: QueryAnalysis = {
        language: own.language,
        terms: joinTerms(own, context, () => weight),
        mended: text,
      };
      return { hits: await searchAnalysed(text, analysis, opts), signals: signalsOf(analysis), analysis };
    },
    counts: { entries: kb.entries.length, lexicalTerms: lexical.termCount, vectors: vectorCount },
  };
}
