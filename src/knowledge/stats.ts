// Counts over the knowledge base for `kb stats` (and any admin view): entries by type, datasets by classification.
import { CLASSIFICATIONS, type Classification, ENTRY_TYPES, type Entry, type EntryType } from './schema.ts';

export interface KnowledgeStats {
  total: number;
  /** Every type is present, zeros included, in ENTRY_TYPES order. */
  byType: Record<EntryType, number>;
  /** Every classification is present, zeros included. */
  datasetsByClassification: Record<Classification, number>;
}

export function knowledgeStats(entries: readonly Entry[]): KnowledgeStats {
  const byType = Object.fromEntries(ENTRY_TYPES.map((t) => [t, 0])) as Record<EntryType, number>;
  const datasetsByClassification = Object.fromEntries(CLASSIFICATIONS.map((c) => [c, 0])) as Record<
    Classification,
    number
  >;
  for (const e of entries) {
    byType[e.type]++;
    if (e.type === 'dataset') datasetsByClassification[e.classification]++;
  }
  return { total: entries.length, byType, datasetsByClassification };
}
