// The knowledge entries a step or a result cites, as source references.
import type { SourceRef } from '../core/reply.ts';
import type { KnowledgeBase } from '../knowledge/types.ts';

export function sourceRefs(kb: KnowledgeBase, ids: readonly string[]): SourceRef[] {
  const refs: SourceRef[] = [];
  for (const id of new Set(ids)) {
    const e = kb.get(id);
    if (!e) continue;
    const src = e.sources.find((s) => s.insight !== undefined) ?? e.sources[0];
    refs.push({ id: e.id, title: e.title, type: e.type, citation: src?.citation, url: src?.url });
  }
  return refs;
}
