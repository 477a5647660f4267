import { describe, expect, it } from 'vitest';
import { entryUsage, formatStats, usageStats } from '../../src/store/stats.ts';
import type { BotEvent } from '../../src/store/types.ts';

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 2, 10, 15, 0);
const q = (at: number, abstained = false): BotEvent => ({
  type: 'question',
  at,
  platform: 'slack',
  userHash: 'u',
  answerId: 'a',
  abstained,
  confidence: 0.5,
});
const w = (flow: string, event: 'started' | 'finished' | 'cancelled'): BotEvent => ({
  type: 'walkthrough',
  at: NOW,
  platform: 'teams',
  userHash: 'u',
  flow,
  event,
});
const f = (rating: 'up' | 'down'): BotEvent => ({
  type: 'feedback',
  at: NOW,
  platform: 'slack',
  userHash: 'u',
  answerId: 'a',
  rating,
});

describe('usageStats', () => {
  it('is all zeros without events', () => {
    const s = usageStats([], NOW, { days: 3 });
    expect(s).toEqual({
      questionsPerDay: [
        { day: '2026-03-08', count: 0 },
        { day: '2026-03-09', count: 0 },
        { day: '2026-03-10', count: 0 },
      ],
      questions: 0,
      abstainRate: 0,
      walkthroughs: {},
      feedback: { up: 0, down: 0 },
    });
  });

  it('counts questions per UTC day, abstentions, walkthroughs by flow and feedback', () => {
    const events = [
      q(NOW - 2 * DAY, true),
      q(NOW - DAY),
      q(NOW - DAY + 1000, true),
      q(NOW),
      q(NOW - 40 * DAY),
      w('infra', 'started'),
      w('infra', 'started'),
      w('infra', 'finished'),
      w('data-owner', 'started'),
      w('data-owner', 'cancelled'),
      f('up'),
      f('up'),
      f('down'),
    ];
    const s = usageStats(events, NOW, { days: 3 });
    expect(s.questionsPerDay).toEqual([
      { day: '2026-03-08', count: 1 },
      { day: '2026-03-09', count: 2 },
      { day: '2026-03-10', count: 1 },
    ]);
    expect(s.questions).toBe(5);
    expect(s.abstainRate).toBeCloseTo(2 / 5);
    expect(s.walkthroughs).toEqual({
      infra: { started: 2, finished: 1, cancelled: 0 },
      'data-owner': { started: 1, finished: 0, cancelled: 1 },
    });
    expect(s.feedback).toEqual({ up: 2, down: 1 });
  });

  it('defaults to a 30-day window and clamps nonsense windows to at least one day', () => {
    expect(usageStats([], NOW).questionsPerDay).toHaveLength(30);
    expect(usageStats([], NOW, { days: 0 }).questionsPerDay).toHaveLength(1);
    expect(usageStats([], NOW, { days: -5 }).questionsPerDay).toHaveLength(1);
  });
});

describe('formatStats', () => {
  it('renders the figures as Markdown', () => {
    const text = formatStats(
      usageStats([q(NOW, true), q(NOW), w('infra', 'started'), w('infra', 'finished'), f('up')], NOW, { days: 7 }),
    );
    expect(text).toContain('- Questions: 2 (abstained on 50%)');
    expect(text).toContain('- Feedback: 👍 1 · 👎 0 (100% positive)');
    expect(text).toContain('- `infra`: 1 started, 1 finished, 0 cancelled, 100% finished');
    expect(text).toContain('- 2026-03-10: 2');
    expect(text).toContain('busiest 2026-03-10 (2)');
  });

  it('says when no walkthrough was started', () => {
    expect(formatStats(usageStats([], NOW))).toContain('- none started');
  });
});

describe('entryUsage', () => {
  it('ranks entries by the questions they answered, lists the never used ones, and feedback per entry', () => {
    const question = (answerId: string, topSourceId: string | undefined, abstained = false): BotEvent => ({
      type: 'question',
      at: NOW,
      platform: 'slack',
      userHash: 'u',
      answerId,
      abstained,
      confidence: 0.8,
      ...(topSourceId ? { topSourceId } : {}),
    });
    const vote = (answerId: string, rating: 'up' | 'down'): BotEvent => ({
      type: 'feedback',
      at: NOW,
      platform: 'teams',
      userHash: 'u',
      answerId,
      rating,
    });
    const entries = [
      { id: 'drift', title: 'Drift' },
      { id: 'versioning', title: 'Versioning' },
      { id: 'unused', title: 'Unused' },
    ];
    const usage = entryUsage(
      [
        question('a1', 'drift'),
        question('a2', 'drift'),
        question('a3', 'versioning'),
        question('a4', 'unused', true), // a soft abstain offering it does not count as use
        question('a5', 'gone'),
        vote('a1', 'down'),
        vote('a2', 'up'),
        vote('a3', 'up'),
        vote('unknown', 'down'),
      ],
      entries,
    );
    expect(usage.topics).toEqual([
      { id: 'drift', title: 'Drift', count: 2 },
      { id: 'gone', title: 'gone (no longer in the knowledge base)', count: 1 },
      { id: 'versioning', title: 'Versioning', count: 1 },
    ]);
    expect(usage.neverUsed).toEqual([{ id: 'unused', title: 'Unused' }]);
    expect(usage.feedback).toEqual([
      { id: 'drift', title: 'Drift', up: 1, down: 1 },
      { id: 'versioning', title: 'Versioning', up: 1, down: 0 },
    ]);
  });
});
