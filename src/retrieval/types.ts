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

/**
 * A step of an index build, told to whoever shows progress (`kb build` prints one line each). Logs are for
 * operators; a caller that wants to know what is happening gets these, never has to read the log.
 */
export type BuildProgress =
  /** The offline word vectors are converted from the installed package (first use of a DATA_DIR, a few seconds). */
  | { step: 'word-vectors'; dir: string }
  /** The lexical index over the entries. */
  | { step: 'lexical'; entries: number }
  /** The entries' texts are embedded for the dense index. */
  | { step: 'embedding'; texts: number }
  /** Both indexes are written (atomically) to the index folder. */
  | { step: 'writing'; dir: string };

export type OnBuildProgress = (progress: BuildProgress) => void;
