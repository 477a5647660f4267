// The extractive answer, written the way a colleague answers in chat: the direct answer first (≤ ~80 words), at
// most three key points — the ones closest to the question — each cited to the source that supports it, then the
// sources. Everything else (what helps, the infrastructure options, related entries, further points) goes into
// `more`, shown behind a "More" button.
import type { SourceRef } from '../core/reply.ts';
import type { Entry, InfrastructureEntry } from '../knowledge/schema.ts';
import type { KnowledgeBase } from '../knowledge/types.ts';
import { stem, words } from '../retrieval/text.ts';
import type { SearchHit } from '../retrieval/types.ts';
import { INFRA_STEMS } from './intents.ts';
import { firstSentence, keyPoints } from './key-points.ts';
import { sourceRefOf } from './sources.ts';

export interface Composition {
  markdown: string;
  more: string | undefined;
  /** The sources the direct answer cites ([1]…[n]). */
  sources: SourceRef[];
  /** Those and the ones `more` cites, numbered on. */
  allSources: SourceRef[];
  /** The entries cited, best first. */
  entries: Entry[];
}

/** Words of the direct answer (summary) and of one key point. */
export const LIMITS = { summaryWords: 60, points: 3, pointChars: 170, related: 2 } as const;

const dash = (s: string) => s.replace(/-/g, ' ');

/** At most `max` words, cut at a sentence end when one is near, else at a word with an ellipsis. */
export function shortenWords(text: string, max: number): string {
  const clean = text.replace(/\s+/g, ' ').trim();
  const parts = clean.split(' ');
  if (parts.length <= max) return clean;
  const cut = parts.slice(0, max).join(' ');
  const end = Math.max(cut.lastIndexOf('. '), cut.lastIndexOf('; '));
  if (end > cut.length * 0.5) return cut.slice(0, end + 1);
  return `${cut.replace(/[,;:]$/, '')}…`;
}

/** The source of an entry that a point most likely comes from: one whose first author the point names. */
function sourceIndexFor(entry: Entry, point: string): number {
  const text = point.toLowerCase();
  const i = entry.sources.findIndex((s) => {
    const author = /^[\p{L}'-]{3,}/u.exec(s.citation)?.[0]?.toLowerCase();
    return author !== undefined && text.includes(author);
  });
  return Math.max(0, i);
}

export function composeExtractive(
  question: string,
  hits: readonly SearchHit[],
  kb: KnowledgeBase,
  questionStems: ReadonlySet<string> = new Set(words(question).map(stem)),
): Composition {
  const top = hits[0] as SearchHit;
  const best = top.entry;
  const sources: SourceRef[] = [];
  const entries: Entry[] = [];
  const scores = new Map(hits.map((h) => [h.entry.id, h.score]));
  const cite = (e: Entry, sourceIndex = 0) => {
    if (!entries.includes(e)) entries.push(e);
    const ref = sourceRefOf(e, { sourceIndex, ...(scores.has(e.id) ? { score: scores.get(e.id) } : {}) });
    let i = sources.findIndex((r) => r.id === e.id && r.citation === ref.citation);
    if (i < 0) i = sources.push(ref) - 1;
    return `[${i + 1}]`;
  };

  const main: string[] = [`**${best.title}**: ${shortenWords(best.summary, LIMITS.summaryWords)} ${cite(best)}`];
  const more: string[] = [];

  if (best.type === 'dataset') {
    main.push(
      [
        `**Owners** (${best.classification}): ${best.owners.map((o) => `${dash(o.role)} ${o.name} (${o.contact})`).join('; ')}`,
        `**Access:** ${shortenWords(best.accessProcedure, 50)}`,
      ].join('\n'),
    );
  }
  if (best.type === 'property') main.push(`**What it means for your plans:** ${firstSentence(best.implications)}`);

  // The key points closest to the question first (ties keep the author's order).
  const points = keyPoints(best.body).map((p, i) => {
    const overlap = new Set(
      words(p)
        .map(stem)
        .filter((s) => questionStems.has(s)),
    ).size;
    return { p, i, overlap };
  });
  const ranked = [...points].sort((a, b) => b.overlap - a.overlap || a.i - b.i);
  const shown = ranked.slice(0, best.type === 'dataset' ? 1 : LIMITS.points).sort((a, b) => a.i - b.i);
  if (shown.length > 0) {
    main.push(
      shown
        .map(({ p }) => `- ${firstSentence(p, LIMITS.pointChars)} ${cite(best, sourceIndexFor(best, p))}`)
        .join('\n'),
    );
  }
  const mainSources = sources.length;
  const rest = points.filter((x) => !shown.includes(x));
  if (rest.length > 0) {
    more.push(
      ['**More key points**', ...rest.map(({ p }) => `- ${p} ${cite(best, sourceIndexFor(best, p))}`)].join('\n'),
    );
  }

  if (best.type === 'challenge') {
    const solutions = best.solutions
      .map((id) => kb.get(id))
      .filter((e): e is Entry => e !== undefined)
      .slice(0, 2);
    if (solutions.length > 0) {
      more.push(
        ['**What helps**', ...solutions.map((s) => `- **${s.title}**: ${firstSentence(s.summary)} ${cite(s)}`)].join(
          '\n',
        ),
      );
    }
  }
  const related: string[] = [];
  if (best.type === 'solution') {
    for (const c of best.addresses
      .slice(0, 1)
      .map((id) => kb.get(id))
      .filter((e): e is Entry => e !== undefined)) {
      related.push(`- Addresses **${c.title}** ${cite(c)}`);
    }
  }
  const infraQuestion =
    best.type === 'infrastructure' || [...questionStems].some((s) => INFRA_STEMS.has(s) && s !== 'product');
  if (infraQuestion && hits.slice(0, 4).some((h) => h.entry.type === 'infrastructure' || h.entry.type === 'study')) {
    const options = [...kb.ofType('infrastructure')].sort((a, b) => a.preferenceRank - b.preferenceRank);
    const shownOptions = options.filter((o: InfrastructureEntry) => o.id !== best.id).slice(0, 3);
    if (shownOptions.length > 0) {
      more.push(
        [
          "**Infrastructure options** (the study's order of preference):",
          ...options
            .filter((o) => o.id === best.id || shownOptions.includes(o))
            .map((o) => `${o.preferenceRank}. **${o.title}**: ${firstSentence(o.summary)} ${cite(o)}`),
        ].join('\n'),
      );
    }
  }
  // Other entries that match the question about as well as the best one.
  for (const h of hits.slice(1)) {
    if (related.length >= LIMITS.related) break;
    if (entries.includes(h.entry) || h.score < 0.55 * top.score) continue;
    related.push(`- **${h.entry.title}**: ${firstSentence(h.entry.summary)} ${cite(h.entry)}`);
  }
  if (related.length > 0) more.push(['**Also relevant**', ...related].join('\n'));
  return {
    markdown: main.join('\n\n'),
    more: more.length > 0 ? more.join('\n\n') : undefined,
    sources: sources.slice(0, mainSources),
    allSources: sources,
    entries,
  };
}
