// Knowledge gaps for maintainers: what users asked that the knowledge base didn't answer well. Questions are
// grouped by a simple deterministic similarity (normalised, stemmed tokens, Jaccard) so ten phrasings of one
// missing topic show up as one line to fix, not ten.

import { createHash } from 'node:crypto';
import { stemmer } from 'stemmer';
import { normaliseText } from '../base/index.ts';
import type { BotEvent } from './types.ts';

/** `unanswered`: hard abstain (nothing in the domain); `soft-abstained`: the closest entries were offered instead. */
export type GapKind = 'unanswered' | 'soft-abstained' | 'low-confidence' | 'downvoted' | 'catalog-miss';

export interface GapGroup {
  /** Stable id of the group (kind + representative), for links such as the console's "Draft an entry". */
  id: string;
  kind: GapKind;
  /** The most frequent phrasing in the group (or NO_TEXT when text isn't stored). */
  representative: string;
  /** Other distinct phrasings, most frequent first (at most MAX_EXAMPLES). */
  examples: string[];
  count: number;
  /** Time of the latest event in the group (ms). */
  lastAt: number;
  /** 👎 reasons given (downvoted only), most frequent first. */
  reasons?: string[];
  /** Events per ISO week (`2026-W48`, Monday-based, UTC), oldest first; weeks without events left out. */
  weeks: { week: string; count: number }[];
}

export interface GapOptions {
  /** Answers with a confidence below this count as gaps (default 0.35). */
  lowConfidence?: number;
  /** Token Jaccard similarity at or above which two questions are grouped (default 0.5). */
  similarity?: number;
}

export const NO_TEXT = '(question text not stored)';
export const DEFAULT_LOW_CONFIDENCE = 0.35;
const MAX_EXAMPLES = 5;
const MAX_REASONS = 10;
export const GAP_KINDS: readonly GapKind[] = [
  'unanswered',
  'soft-abstained',
  'low-confidence',
  'downvoted',
  'catalog-miss',
];
const KIND_ORDER = GAP_KINDS;

const STOP_WORDS = new Set(
  (
    'a an and are as at be been but by can could do does did for from has have how i if in into is it its me my ' +
    'of on or our should so that the their there these this to us was we what when where which who why will with ' +
    'would you your'
  ).split(' '),
);

interface Item {
  kind: GapKind;
  text: string | undefined;
  at: number;
  reason?: string;
}

interface Group {
  kind: GapKind;
  /** Creation order: ties between equally similar groups go to the older one. */
  index: number;
  /** Tokens of the first item: later items are compared with the seed, so groups can't drift by chaining. */
  seed: Set<string>;
  /** Exact key for texts without usable tokens (missing text, only stop words or punctuation). */
  key: string | undefined;
  items: Item[];
}

export function gapTokens(text: string): Set<string> {
  return new Set(
    normaliseText(text)
      .split(' ')
      .filter((t) => t !== '' && !STOP_WORDS.has(t))
      .map((t) => (/^\p{L}+$/u.test(t) ? stemmer(t) : t)),
  );
}

function jaccard(a: Set<string>, b: Set<string>): number {
  let shared = 0;
  for (const t of a) if (b.has(t)) shared++;
  const union = a.size + b.size - shared;
  return union === 0 ? 0 : shared / union;
}

/** Groups questions abstained on, low-confidence answers, 👎 feedback and unmet catalog searches. */
export function knowledgeGaps(events: readonly BotEvent[], options: GapOptions = {}): GapGroup[] {
  const threshold = options.lowConfidence ?? DEFAULT_LOW_CONFIDENCE;
  const similarity = options.similarity ?? 0.5;
  const questionByAnswer = new Map<string, string>();
  for (const e of events) if (e.type === 'question' && e.text) questionByAnswer.set(e.answerId, e.text);

  const items: Item[] = [];
  for (const e of events) {
    if (e.type === 'question') {
      if (e.abstained) items.push({ kind: e.soft ? 'soft-abstained' : 'unanswered', text: e.text, at: e.at });
      else if (e.confidence < threshold) items.push({ kind: 'low-confidence', text: e.text, at: e.at });
    } else if (e.type === 'feedback' && e.rating === 'down') {
      const text = e.question ?? questionByAnswer.get(e.answerId);
      const reason = e.reason?.trim();
      items.push(reason ? { kind: 'downvoted', text, at: e.at, reason } : { kind: 'downvoted', text, at: e.at });
    } else if (e.type === 'catalog-miss') {
      items.push({ kind: 'catalog-miss', text: e.query, at: e.at });
    }
  }
  // Oldest first, so the same events always give the same groups whatever order they were passed in.
  const ordered = items.map((item, i) => ({ item, i })).sort((a, b) => a.item.at - b.item.at || a.i - b.i);

  const groups: Group[] = [];
  // Only groups sharing a token can reach the threshold: an inverted index keeps this near-linear.
  const byToken = new Map<string, Group[]>();
  const byKey = new Map<string, Group>();
  for (const { item } of ordered) {
    const text = item.text?.trim() ? item.text : undefined;
    const tokens = text ? gapTokens(text) : new Set<string>();
    const key = text === undefined ? NO_TEXT : tokens.size === 0 ? normaliseText(text) : undefined;
    const stored = { ...item, text };
    if (key !== undefined) {
      const exact = byKey.get(`${item.kind}\0${key}`);
      if (exact) exact.items.push(stored);
      else {
        const g: Group = { kind: item.kind, index: groups.length, seed: tokens, key, items: [stored] };
        groups.push(g);
        byKey.set(`${item.kind}\0${key}`, g);
      }
      continue;
    }
    let best: Group | undefined;
    let bestScore = 0;
    for (const t of tokens) {
      for (const g of byToken.get(`${item.kind}\0${t}`) ?? []) {
        const score = jaccard(tokens, g.seed);
        // Ties go to the older group, so the result doesn't depend on Set iteration details.
        if (score > bestScore || (score === bestScore && best && g.index < best.index)) {
          best = g;
          bestScore = score;
        }
      }
    }
    if (best && bestScore >= similarity) best.items.push(stored);
    else {
      const g: Group = { kind: item.kind, index: groups.length, seed: tokens, key, items: [stored] };
      groups.push(g);
      for (const t of tokens) {
        const list = byToken.get(`${item.kind}\0${t}`) ?? [];
        list.push(g);
        byToken.set(`${item.kind}\0${t}`, list);
      }
    }
  }

  return groups
    .map(toGapGroup)
    .sort(
      (a, b) =>
        b.count - a.count ||
        b.lastAt - a.lastAt ||
        KIND_ORDER.indexOf(a.kind) - KIND_ORDER.indexOf(b.kind) ||
        a.representative.localeCompare(b.representative),
    );
}

function toGapGroup(g: Group): GapGroup {
  // Phrasings by normalised text: count, latest original spelling, latest time.
  const phrasings = new Map<string, { text: string; count: number; at: number }>();
  for (const item of g.items) {
    const text = item.text ?? NO_TEXT;
    const key = item.text === undefined ? NO_TEXT : normaliseText(text);
    const p = phrasings.get(key);
    if (!p) phrasings.set(key, { text, count: 1, at: item.at });
    else {
      p.count++;
      if (item.at >= p.at) {
        p.at = item.at;
        p.text = text;
      }
    }
  }
  const ranked = [...phrasings.values()].sort((a, b) => b.count - a.count || b.at - a.at);
  const representative = ranked[0]?.text ?? NO_TEXT;
  const weeks = new Map<string, number>();
  for (const item of g.items) weeks.set(isoWeek(item.at), (weeks.get(isoWeek(item.at)) ?? 0) + 1);
  const group: GapGroup = {
    id: gapGroupId(g.kind, representative),
    kind: g.kind,
    representative,
    examples: ranked.slice(1, 1 + MAX_EXAMPLES).map((p) => p.text),
    count: g.items.length,
    lastAt: g.items.reduce((max, i) => Math.max(max, i.at), Number.NEGATIVE_INFINITY),
    weeks: [...weeks].sort(([a], [b]) => a.localeCompare(b)).map(([week, count]) => ({ week, count })),
  };
  if (g.kind === 'downvoted') {
    const reasons = new Map<string, number>();
    for (const item of g.items) if (item.reason) reasons.set(item.reason, (reasons.get(item.reason) ?? 0) + 1);
    group.reasons = [...reasons.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, MAX_REASONS)
      .map(([r]) => r);
  }
  return group;
}

export function gapGroupId(kind: GapKind, representative: string): string {
  return createHash('sha256')
    .update(`${kind}\u0000${normaliseText(representative)}`)
    .digest('hex')
    .slice(0, 12);
}

/** ISO 8601 week of a time (UTC): `2026-W01` is the week with the year's first Thursday. */
export function isoWeek(at: number): string {
  const d = new Date(at);
  const day = (d.getUTCDay() + 6) % 7; // Monday = 0
  const thursday = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() - day + 3);
  const year = new Date(thursday).getUTCFullYear();
  const week = Math.floor((thursday - Date.UTC(year, 0, 1)) / (7 * 86_400_000)) + 1;
  return `${year}-W${String(week).padStart(2, '0')}`;
}

/** Gap events per ISO week and kind, oldest week first (a chart's data: one stacked bar per week). */
export function gapsPerWeek(groups: readonly GapGroup[]): { week: string; counts: Record<GapKind, number> }[] {
  const weeks = new Map<string, Record<GapKind, number>>();
  for (const g of groups) {
    for (const { week, count } of g.weeks) {
      const row = weeks.get(week) ?? (Object.fromEntries(GAP_KINDS.map((k) => [k, 0])) as Record<GapKind, number>);
      row[g.kind] += count;
      weeks.set(week, row);
    }
  }
  return [...weeks].sort(([a], [b]) => a.localeCompare(b)).map(([week, counts]) => ({ week, counts }));
}

const csvCell = (value: string | number): string => {
  const text = String(value);
  // A leading = + - @ would be run as a formula by a spreadsheet (CSV injection): prefixed with an apostrophe.
  const safe = /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
  return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
};

/** The gap groups as CSV (RFC 4180), one row per group; examples and reasons joined with " | ". */
export function gapsToCsv(groups: readonly GapGroup[]): string {
  const rows = [['id', 'kind', 'count', 'last', 'question', 'also asked', 'reasons']];
  for (const g of groups) {
    rows.push([
      g.id,
      g.kind,
      String(g.count),
      day(g.lastAt),
      g.representative,
      g.examples.join(' | '),
      (g.reasons ?? []).join(' | '),
    ]);
  }
  return `${rows.map((r) => r.map(csvCell).join(',')).join('\r\n')}\r\n`;
}

export const KIND_LABEL: Record<GapKind, string> = {
  unanswered: 'unanswered',
  'soft-abstained': 'closest entries offered',
  'low-confidence': 'low confidence',
  downvoted: '👎 downvoted',
  'catalog-miss': 'data catalog miss',
};

/**
 * Text users typed is defused before it goes into Markdown: the reply model's subset has no escape syntax that
 * every renderer honours, so emphasis and code marks are dropped and brackets become parentheses (no links).
 * Renderers still escape `&`, `<` and `>` for their platform.
 */
export function defuseMarkdown(text: string): string {
  return text
    .replace(/[*_`~]/g, '')
    .replace(/\[/g, '(')
    .replace(/\]/g, ')')
    .replace(/\s+/g, ' ')
    .trim();
}

const day = (at: number) => new Date(at).toISOString().slice(0, 10);

/** Markdown for `admin gaps` and `kb gaps`: the top groups, each with its kind, count, last date and examples. */
export function formatGaps(groups: readonly GapGroup[], options: { limit?: number } = {}): string {
  if (groups.length === 0) {
    return '**Knowledge gaps**\n\nNo gaps recorded: no unanswered, low-confidence or 👎 answers and no catalog misses.';
  }
  const limit = options.limit ?? 20;
  const total = groups.reduce((n, g) => n + g.count, 0);
  const parts = [`**Knowledge gaps**: ${groups.length} topics from ${total} events, most frequent first.`];
  groups.slice(0, limit).forEach((g, i) => {
    const lines = [
      `**${i + 1}. ${KIND_LABEL[g.kind]} ×${g.count}** (last ${day(g.lastAt)}): ${defuseMarkdown(g.representative)}`,
    ];
    if (g.examples.length) lines.push(`Also asked: ${g.examples.map(defuseMarkdown).join(' · ')}`);
    if (g.reasons?.length) lines.push(`Reasons: ${g.reasons.map(defuseMarkdown).join(' · ')}`);
    parts.push(lines.join('\n'));
  });
  if (groups.length > limit) parts.push(`_…and ${groups.length - limit} more topics._`);
  parts.push('_Add or extend a knowledge entry (its `questions`) for each topic, then run `kb check`._');
  return parts.join('\n\n');
}
