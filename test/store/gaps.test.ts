import { describe, expect, it } from 'vitest';
import { formatGaps, gapsPerWeek, gapsToCsv, isoWeek, knowledgeGaps, NO_TEXT } from '../../src/store/gaps.ts';
import type { BotEvent } from '../../src/store/types.ts';

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 0, 10);
let n = 0;
const q = (
  text: string | undefined,
  opts: { abstained?: boolean; confidence?: number; at?: number } = {},
): BotEvent => ({
  type: 'question',
  at: opts.at ?? T0 + n++,
  platform: 'slack',
  userHash: 'u',
  answerId: `a${n}`,
  abstained: opts.abstained ?? false,
  confidence: opts.confidence ?? 0.9,
  ...(text === undefined ? {} : { text }),
});
const down = (question: string | undefined, reason?: string, answerId = 'x', at = T0 + n++): BotEvent => ({
  type: 'feedback',
  at,
  platform: 'teams',
  userHash: 'u',
  answerId,
  rating: 'down',
  ...(reason ? { reason } : {}),
  ...(question ? { question } : {}),
});

describe('knowledgeGaps', () => {
  it('returns nothing when every question was answered confidently', () => {
    expect(knowledgeGaps([q('What is drift?'), q('How to version data?', { confidence: 0.35 })])).toEqual([]);
  });

  it('groups similar unanswered questions (case, punctuation, plurals) and keeps other phrasings as examples', () => {
    const groups = knowledgeGaps([
      q('How do I label images?', { abstained: true }),
      q('how do I label images', { abstained: true }),
      q('How do we label the images?!', { abstained: true }),
      q('Labelling image data: how?', { abstained: true }),
      q('What GPU should I buy?', { abstained: true }),
    ]);
    expect(groups.map((g) => [g.kind, g.count])).toEqual([
      ['unanswered', 4],
      ['unanswered', 1],
    ]);
    expect(groups[0]?.representative.toLowerCase()).toContain('how do i label images');
    // Other phrasings, most recent first among equals.
    expect(groups[0]?.examples).toEqual(['Labelling image data: how?', 'How do we label the images?!']);
    expect(groups[1]?.representative).toBe('What GPU should I buy?');
  });

  it('separates kinds, uses the confidence threshold, and orders by count then recency', () => {
    const events = [
      q('model registry options', { confidence: 0.2, at: T0 }),
      q('which model registry options exist', { confidence: 0.1, at: T0 + 1 }),
      q('model registry options', { abstained: true, at: T0 + 2 }),
      { type: 'catalog-miss', at: T0 + 5 * DAY, platform: 'slack', userHash: 'u', query: 'wafer maps' } as BotEvent,
    ];
    const groups = knowledgeGaps(events);
    expect(groups.map((g) => [g.kind, g.count, g.representative])).toEqual([
      ['low-confidence', 2, 'which model registry options exist'],
      ['catalog-miss', 1, 'wafer maps'],
      ['unanswered', 1, 'model registry options'],
    ]);
    expect(groups[1]?.lastAt).toBe(T0 + 5 * DAY);
    expect(knowledgeGaps(events, { lowConfidence: 0.15 }).find((g) => g.kind === 'low-confidence')?.count).toBe(1);
  });

  it('collects 👎 reasons and finds the question through the answer id when feedback lacks it', () => {
    const events: BotEvent[] = [
      { ...(q('How do I deploy to the edge?') as Extract<BotEvent, { type: 'question' }>), answerId: 'edge-1' },
      down(undefined, 'too vague', 'edge-1'),
      down('How do I deploy to the edge', 'too vague'),
      down('how to deploy on the edge?', 'outdated'),
      down('Something else entirely about budgets'),
    ];
    const groups = knowledgeGaps(events);
    expect(groups[0]).toMatchObject({ kind: 'downvoted', count: 3, reasons: ['too vague', 'outdated'] });
    expect(groups[1]).toMatchObject({ kind: 'downvoted', count: 1, reasons: [] });
  });

  it('groups events without stored text as "(question text not stored)"', () => {
    const groups = knowledgeGaps([
      q(undefined, { abstained: true }),
      q(undefined, { abstained: true }),
      q('', { abstained: true }),
    ]);
    expect(groups).toEqual([
      expect.objectContaining({ kind: 'unanswered', representative: NO_TEXT, count: 3, examples: [] }),
    ]);
  });

  it('does not merge questions made only of stop words or punctuation with others', () => {
    const groups = knowledgeGaps([
      q('???', { abstained: true }),
      q('what is it', { abstained: true }),
      q('???', { abstained: true }),
    ]);
    expect(groups.map((g) => [g.representative, g.count])).toEqual([
      ['???', 2],
      ['what is it', 1],
    ]);
  });

  it('gives the same groups whatever order the events come in', () => {
    const events = [
      q('how to monitor models', { abstained: true }),
      q('monitoring models how', { abstained: true }),
      q('GPU budget', { abstained: true }),
      down('GPU budget?', 'wrong'),
    ];
    expect(knowledgeGaps([...events].reverse())).toEqual(knowledgeGaps(events));
  });
});

describe('formatGaps', () => {
  it('says so when there are no gaps', () => {
    expect(formatGaps([])).toMatch(/No gaps recorded/);
  });

  it('lists groups with kind, count, date, examples and reasons, defusing markup typed by users', () => {
    const text = formatGaps([
      {
        id: 'a',
        weeks: [],
        kind: 'downvoted',
        representative: 'Why *is* [this](http://x) `slow`?',
        examples: ['why so slow'],
        count: 4,
        lastAt: Date.UTC(2026, 1, 3, 12),
        reasons: ['_wrong_ answer'],
      },
      {
        id: 'b',
        weeks: [],
        kind: 'catalog-miss',
        representative: NO_TEXT,
        examples: [],
        count: 1,
        lastAt: Date.UTC(2026, 1, 1),
      },
    ]);
    expect(text).toContain('**1. 👎 downvoted ×4** (last 2026-02-03): Why is (this)(http://x) slow?');
    expect(text).toContain('Also asked: why so slow');
    expect(text).toContain('Reasons: wrong answer');
    expect(text).toContain('**2. data catalog miss ×1** (last 2026-02-01): (question text not stored)');
    expect(text).toMatch(/^\*\*Knowledge gaps\*\*: 2 topics from 5 events/);
  });

  it('shows at most `limit` groups and says how many more there are', () => {
    const groups = Array.from({ length: 5 }, (_, i) => ({
      id: String(i),
      weeks: [],
      kind: 'unanswered' as const,
      representative: `topic ${i}`,
      examples: [],
      count: 1,
      lastAt: 0,
    }));
    const text = formatGaps(groups, { limit: 2 });
    expect(text).toContain('topic 1');
    expect(text).not.toContain('topic 2');
    expect(text).toContain('…and 3 more topics');
  });
});

describe('gaps for the console: soft abstains, weeks, ids, CSV', () => {
  it('keeps soft abstains (closest entries offered) apart from hard ones', () => {
    const soft: BotEvent = { ...q('model registry options?', { abstained: true }), ...{ soft: true } } as BotEvent;
    const groups = knowledgeGaps([soft, q('model registry options?', { abstained: true })]);
    expect(groups.map((g) => g.kind).sort()).toEqual(['soft-abstained', 'unanswered']);
    expect(new Set(groups.map((g) => g.id)).size).toBe(2);
    expect(groups[0]?.id).toMatch(/^[0-9a-f]{12}$/);
  });

  it('counts each group per ISO week (Monday-based, UTC) and per kind for the chart', () => {
    expect(isoWeek(Date.UTC(2026, 0, 1))).toBe('2026-W01'); // a Thursday
    expect(isoWeek(Date.UTC(2027, 0, 1))).toBe('2026-W53'); // a Friday: still the last week of 2026
    expect(isoWeek(Date.UTC(2026, 11, 28))).toBe('2026-W53');
    expect(isoWeek(Date.UTC(2026, 0, 5))).toBe('2026-W02'); // Monday
    const events = [
      q('label images how', { abstained: true, at: Date.UTC(2026, 0, 5) }),
      q('label images how?', { abstained: true, at: Date.UTC(2026, 0, 6) }),
      q('label images how', { abstained: true, at: Date.UTC(2026, 0, 13) }),
      down('why is it slow', 'too vague', 'd1', Date.UTC(2026, 0, 13)),
    ];
    const groups = knowledgeGaps(events);
    expect(groups.find((g) => g.kind === 'unanswered')?.weeks).toEqual([
      { week: '2026-W02', count: 2 },
      { week: '2026-W03', count: 1 },
    ]);
    const perWeek = gapsPerWeek(groups);
    expect(perWeek.map((r) => [r.week, r.counts.unanswered, r.counts.downvoted])).toEqual([
      ['2026-W02', 2, 0],
      ['2026-W03', 1, 1],
    ]);
  });

  it('exports CSV with quoting and without spreadsheet formulas', () => {
    const groups = knowledgeGaps([
      q('=HYPERLINK("http://evil")', { abstained: true }),
      down('a, b', 'he said "no"\nthen left'),
    ]);
    const csv = gapsToCsv(groups);
    const lines = csv.split('\r\n');
    expect(lines[0]).toBe('id,kind,count,last,question,also asked,reasons');
    expect(csv).toContain(`,"'=HYPERLINK(""http://evil"")",`);
    expect(csv).toContain(',"a, b",,"he said ""no""\nthen left"');
    expect(csv.endsWith('\r\n')).toBe(true);
  });
});
