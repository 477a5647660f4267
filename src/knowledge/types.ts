import type { Entry, EntryOf, EntryType } from './schema.ts';
import type { VocabularyData } from './vocabulary.ts';

// In its own module so vocabulary.ts can report problems without importing this file back (no cycle).
export type { KnowledgeProblem } from './problem.ts';

/** The loaded, validated knowledge base. Immutable: a reload builds a new one and swaps it. */
export interface KnowledgeBase {
  readonly dir: string;
  readonly entries: readonly Entry[];
  /** sha256 over every knowledge file's path and content: index manifests compare it to detect staleness. */
  readonly hash: string;
  /** Synonyms, aliases and German terms from knowledge/vocabulary/ (empty when the folder is missing). */
  readonly vocabulary: VocabularyData;
  get(id: string): Entry | undefined;
  ofType<T extends EntryType>(type: T): EntryOf<T>[];
}
