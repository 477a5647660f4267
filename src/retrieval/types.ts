import type { Entry, EntryType } from '../knowledge/schema.ts';

export interface SearchHit {
  entry: Entry;
  /** Fused relevance, higher is better (not comparable across queries). */
  score: number;
}

export interface Retriever {
  search(query: string, options?: { k?: number; types?: readonly EntryType[] }): Promise<SearchHit[]>;
}
