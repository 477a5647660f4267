import type { Entry, EntryType } from '../knowledge/schema.ts';

export interface SearchHit {
  entry: Entry;
  /** Fused relevance, higher is better (not comparable across queries). */
  score: number;
  /** Raw lexical (BM25F) score, when the lexical index matched. */
  lexical?: number;
  /** Cosine similarity of the closest dense vector of this entry, when the dense index returned it. */
  dense?: number;
  /** The question's own terms (stems) this entry matched lexically. */
  matched?: string[];
  /** The question names this entry: all words of its name (a short title, a term, alias or system) are in it. */
  named?: boolean;
}

export interface Retriever {
  search(query: string, options?: { k?: number; types?: readonly EntryType[] }): Promise<SearchHit[]>;
}
