// The hybrid retriever: a lexical BM25F index (MiniSearch with our own analysis) beside a dense index of averaged
// word vectors (hnswlib-node through LangChain's HNSWLib, cosine space), fused per entry.

import type { HNSWLib } from '@langchain/community/vectorstores/hnswlib';
import type { EmbeddingsInterface } from '@langchain/core/embeddings';
import MiniSearch, { type Options as MiniSearchOptions } from 'minisearch';
import type { EntryType } from '../knowledge/schema.ts';
import type { KnowledgeBase } from '../knowledge/types.ts';
import { denseTexts, FIELD_BOOSTS, LEXICAL_FIELDS, type LexicalDoc, toLexicalDoc } from './documents.ts';
import { analyze, contentWords, queryTerms, words } from './text.ts';
import type { Retriever, SearchHit } from './types.ts';

export type Fusion = 'rrf' | 'blend';

export interface RetrievalOptions {
  /** Domain synonyms on (default) or off (for measurement). */
  synonyms?: boolean;
  /** How lexical and dense rankings are combined (default 'blend', measured on the eval set). */
  fusion?: Fusion;
  /** Weight of the dense signal in the fusion, 0..1 (default 0.3). */
  denseWeight?: number;
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
  /** Told when the dense side fails for a query (e.g. a remote embeddings endpoint is down); lexical results are used. */
  onDenseError?: (err: unknown) => void;
}

export interface TermSignal {
  word: string;
  stem: string;
  /** Occurs somewhere in the knowledge base. */
  known: boolean;
  /** Inverse document frequency in the knowledge base (unknown words get the highest value). */
  idf: number;
  /**
   * 0..1: how much more often the word occurs in the knowledge base than in general English (log scale).
   * Everyday words (time, close, good) are near 0.1, domain words (drift, gpu, steward) 1. Unknown words 1.
   */
  specificity: number;
}

/** What the question's words look like against the knowledge vocabulary (abstain signals). */
export interface QuerySignals {
  terms: TermSignal[];
  /** Specificity-weighted share of the question's terms that occur in the knowledge base. */
  coverage: number;
  /** Weighted share of the question's terms matched by a hit (its `matched` stems). */
  coverageOf(hit: SearchHit): number;
}

export interface HybridRetriever extends Retriever {
  signals(query: string): QuerySignals;
  readonly counts: { entries: number; lexicalTerms: number; vectors: number };
}

export interface Vocabulary {
  /** Number of entries. */
  n: number;
  /** Stem → number of entries it occurs in. */
  df: Record<string, number>;
  /** Stem → occurrences in the whole knowledge base. */
  tf: Record<string, number>;
  /** Word tokens in the whole knowledge base (stop words included, like a general-English count). */
  tokens: number;
}

export interface RetrieverParts {
  lexical: MiniSearch<LexicalDoc>;
  vocabulary: Vocabulary;
  dense: HNSWLib | undefined;
}

/** Stems plus, with bigrams on, adjacent stem pairs joined by `_`. */
export function indexTerms(text: string, options: RetrievalOptions): string[] {
  const stems = analyze(text, { synonyms: options.synonyms !== false });
  if (options.bigrams === false) return stems;
  const pairs: string[] = [];
  for (let i = 1; i < stems.length; i++) pairs.push(`${stems[i - 1]}_${stems[i]}`);
  return [...stems, ...pairs];
}

export function lexicalOptions(options: RetrievalOptions): MiniSearchOptions<LexicalDoc> {
  return {
    idField: 'id',
    fields: LEXICAL_FIELDS,
    storeFields: [],
    tokenize: (text) => indexTerms(text, options),
    processTerm: (term) => term,
    searchOptions: { boost: { ...FIELD_BOOSTS } },
  };
}

export function buildLexical(
  kb: KnowledgeBase,
  options: RetrievalOptions,
): { lexical: MiniSearch<LexicalDoc>; vocabulary: Vocabulary } {
  const synonyms = options.synonyms !== false;
  const lexical = new MiniSearch<LexicalDoc>(lexicalOptions(options));
  const df: Record<string, number> = {};
  const tf: Record<string, number> = {};
  let tokens = 0;
  for (const entry of kb.entries) {
    const doc = toLexicalDoc(entry);
    lexical.add(doc);
    const seen = new Set<string>();
    for (const f of LEXICAL_FIELDS) {
      tokens += words(doc[f], { synonyms }).length;
      for (const s of analyze(doc[f], { synonyms })) {
        seen.add(s);
        tf[s] = (tf[s] ?? 0) + 1;
      }
    }
    for (const s of seen) df[s] = (df[s] ?? 0) + 1;
  }
  return { lexical, vocabulary: { n: kb.entries.length, df, tf, tokens } };
}

export async function buildDense(kb: KnowledgeBase, embeddings: EmbeddingsInterface): Promise<HNSWLib | undefined> {
  const { HNSWLib } = await import('@langchain/community/vectorstores/hnswlib');
  const { Document } = await import('@langchain/core/documents');
  const docs = kb.entries.flatMap((e) =>
    denseTexts(e).map((t) => new Document({ pageContent: t, metadata: { id: e.id } })),
  );
  if (docs.length === 0) return undefined;
  const vectors = await embeddings.embedDocuments(docs.map((d) => d.pageContent));
  const dims = vectors[0]?.length ?? 0;
  const store = new HNSWLib(embeddings, { space: 'cosine', numDimensions: dims });
  await store.addVectors(vectors, docs);
  return store;
}

/** Builds the indexes in memory. `embeddings` omitted = lexical only. */
export async function createRetriever(
  kb: KnowledgeBase,
  options: RetrievalOptions & { embeddings?: EmbeddingsInterface } = {},
): Promise<HybridRetriever> {
  const { lexical, vocabulary } = buildLexical(kb, options);
  const dense = options.embeddings ? await buildDense(kb, options.embeddings) : undefined;
  return retrieverFromParts(kb, { lexical, vocabulary, dense }, options);
}

const RRF_K = 60;
/** Dense candidates looked at per question (vectors, several per entry). */
const DENSE_CANDIDATES = 60;

export function retrieverFromParts(
  kb: KnowledgeBase,
  parts: RetrieverParts,
  options: RetrievalOptions = {},
): HybridRetriever {
  const synonyms = options.synonyms !== false;
  const fusion = options.fusion ?? 'blend';
  const denseWeight = options.denseWeight ?? 0.3;
  const synonymWeight = options.synonymWeight ?? 0.6;
  const bigramWeight = options.bigramWeight ?? 1;
  const { lexical, vocabulary, dense } = parts;
  const vectorCount = dense ? dense.index.getCurrentCount() : 0;
  const maxIdf = Math.log(1 + 2 * Math.max(1, vocabulary.n));
  const idf = (s: string) => {
    const df = vocabulary.df[s];
    return df ? Math.log(1 + vocabulary.n / df) : maxIdf;
  };

  // Zipf estimate of a word's general-English probability from its frequency rank (source vocabulary ~341k).
  const zipf = Math.log(341_479) + 0.5772;
  const specificity = (word: string, s: string): number => {
    const tf = vocabulary.tf[s] ?? 0;
    if (tf === 0 || !options.generalRank) return 1;
    const rank = options.generalRank(word) ?? 200_000;
    const ratio = tf / Math.max(1, vocabulary.tokens) / (1 / ((rank + 1) * zipf));
    return Math.min(1, Math.max(0.1, Math.log10(Math.max(ratio, 1e-9)) / 2));
  };

  function signals(query: string): QuerySignals {
    // Numbers say nothing about the topic ("the 3 research questions").
    const terms: TermSignal[] = contentWords(query, { synonyms })
      .filter(({ word }) => !/^\p{N}+$/u.test(word))
      .map(({ word, stem }) => ({
        word,
        stem,
        known: (vocabulary.df[stem] ?? 0) > 0,
        idf: idf(stem),
        specificity: specificity(word, stem),
      }));
    // Specificity alone: "does the entry talk about what the question is about", not "how rare is the word".
    const weight = (t: TermSignal) => t.specificity;
    const total = terms.reduce((a, t) => a + weight(t), 0);
    const share = (pick: (t: TermSignal) => boolean) =>
      total > 0 ? terms.filter(pick).reduce((a, t) => a + weight(t), 0) / total : 0;
    return {
      terms,
      coverage: share((t) => t.known),
      coverageOf: (hit) => {
        const matched = new Set(hit.matched ?? []);
        return share((t) => matched.has(t.stem));
      },
    };
  }

  async function search(query: string, opts: { k?: number; types?: readonly EntryType[] } = {}): Promise<SearchHit[]> {
    const k = Math.max(1, opts.k ?? 5);
    const allowed = opts.types && opts.types.length > 0 ? new Set<string>(opts.types) : undefined;
    const ok = (id: string) => {
      const e = kb.get(id);
      return e !== undefined && (!allowed || allowed.has(e.type));
    };
    const { own, expanded, synonymsOf } = queryTerms(query, { synonyms });
    const ownSet = new Set(own);
    const pairs =
      options.bigrams === false ? [] : [...new Set(indexTerms(query, options).filter((t) => t.includes('_')))];

    const lex = new Map<string, { score: number; matched: string[] }>();
    if (own.length > 0) {
      const results = lexical.search([...own, ...expanded, ...pairs].join(' '), {
        tokenize: (s) => s.split(' ').filter(Boolean),
        processTerm: (t) => t,
        boostTerm: (t) => (ownSet.has(t) ? 1 : t.includes('_') ? bigramWeight : synonymWeight),
        filter: (r) => ok(String(r.id)),
      });
      for (const r of results) {
        // An own term counts as matched when the entry has it or one of its synonyms.
        const found = new Set(r.terms);
        const matched = own.filter((t) => found.has(t) || (synonymsOf.get(t) ?? []).some((e) => found.has(e)));
        lex.set(String(r.id), { score: r.score, matched });
      }
    }

    const den = new Map<string, number>();
    if (dense && vectorCount > 0 && own.length > 0) {
      try {
        const q = await dense.embeddings.embedQuery(query);
        if (q.some((x) => x !== 0)) {
          const found = await dense.similaritySearchVectorWithScore(q, Math.min(DENSE_CANDIDATES, vectorCount));
          for (const [doc, distance] of found) {
            const id = String(doc.metadata.id);
            if (!ok(id)) continue;
            const sim = 1 - distance;
            if (sim > (den.get(id) ?? -Infinity)) den.set(id, sim);
          }
        }
      } catch (err) {
        // A remote embeddings endpoint that is down or slow must not take answering down: rank lexically.
        den.clear();
        options.onDenseError?.(err);
      }
    }

    const ids = new Set([...lex.keys(), ...den.keys()]);
    const fused = new Map<string, number>();
    if (fusion === 'rrf') {
      const rank = (m: Map<string, number>) =>
        new Map([...m].sort((a, b) => b[1] - a[1]).map(([id], i) => [id, i + 1]));
      const lr = rank(new Map([...lex].map(([id, v]) => [id, v.score])));
      const dr = rank(den);
      for (const id of ids) {
        const l = lr.get(id);
        const d = dr.get(id);
        fused.set(id, (1 - denseWeight) * (l ? 1 / (RRF_K + l) : 0) + denseWeight * (d ? 1 / (RRF_K + d) : 0));
      }
    } else {
      const maxLex = Math.max(0, ...[...lex.values()].map((v) => v.score));
      const sims = [...den.values()];
      const hi = Math.max(...sims);
      const lo = Math.min(...sims);
      for (const id of ids) {
        const l = maxLex > 0 ? (lex.get(id)?.score ?? 0) / maxLex : 0;
        const s = den.get(id);
        const d = s === undefined || hi <= lo ? 0 : (s - lo) / (hi - lo);
        fused.set(id, (1 - denseWeight) * l + denseWeight * d);
      }
    }

    const hits: SearchHit[] = [];
    for (const [id, score] of [...fused].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, k)) {
      const entry = kb.get(id);
      if (!entry) continue;
      const l = lex.get(id);
      const d = den.get(id);
      hits.push({
        entry,
        score,
        ...(l ? { lexical: l.score, matched: l.matched } : { matched: [] }),
        ...(d !== undefined ? { dense: d } : {}),
      });
    }
    return hits;
  }

  return {
    search,
    signals,
    counts: { entries: kb.entries.length, lexicalTerms: lexical.termCount, vectors: vectorCount },
  };
}
