// Retrieval: lexical (BM25F) + dense (averaged word vectors in hnswlib) search over the knowledge base.

export { createEmbeddings, type NamedEmbeddings } from './embeddings.ts';
export {
  createRetriever,
  type Fusion,
  type HybridRetriever,
  type QuerySignals,
  type RetrievalOptions,
  type TermSignal,
} from './hybrid.ts';
export {
  buildIndex,
  type IndexDeps,
  type IndexInfo,
  type IndexManifest,
  indexDir,
  type LoadedIndex,
  loadOrBuildIndex,
  readManifest,
} from './index-store.ts';
export { LocalEmbeddings } from './local-embeddings.ts';
export type { Retriever, SearchHit } from './types.ts';
export {
  buildWordVectorsFromPackage,
  ensureWordVectors,
  loadWordVectors,
  type VectorsMeta,
  vectorsDir,
  type WordVectors,
  writeWordVectors,
} from './word-vectors.ts';
