// A knowledge entry as a numbered source: the one place that picks the citation and link shown for an entry.
import type { SourceRef } from '../core/reply.ts';
import type { Entry } from '../knowledge/schema.ts';

/** The entry's `sourceIndex`-th source (its first when out of range), with a rounded relevance score if given. */
export function sourceRefOf(entry: Entry, options: { sourceIndex?: number; score?: number } = {}): SourceRef {
  const src = entry.sources[options.sourceIndex ?? 0] ?? entry.sources[0];
  const ref: SourceRef = { id: entry.id, title: entry.title, type: entry.type };
  if (src) ref.citation = src.citation;
  if (src?.url) ref.url = src.url;
  if (options.score !== undefined) ref.score = Math.round(options.score * 1000) / 1000;
  return ref;
}
