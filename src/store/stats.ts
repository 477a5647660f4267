// Usage statistics for maintainers (`admin stats`): questions per day, abstain rate, walkthroughs, feedback.
import type { BotEvent } from './types.ts';

export interface UsageStats {
  /** One row per UTC day of the window ending at `now`, oldest first, zero days included. */
  questionsPerDay: { day: string; count: number }[];
  /** Totals below cover every event passed in. */
  questions: number;
  /** Share of questions the bot abstained on, 0–1 (0 when there were none). */
  abstainRate: number;
  walkthroughs: Record<string, { started: number; finished: number; cancelled: number }>;
  feedback: { up: number; down: number };
}

const DAY_MS = 86_400_000;
const utcDay = (at: number) => new Date(at).toISOString().slice(0, 10);

/**
 * `days` (default 30) is the length of the questionsPerDay window; pass the events of the period you want
 * totals for (e.g. `store.list({ since })`).
 */
export function usageStats(events: readonly BotEvent[], now: number, options: { days?: number } = {}): UsageStats {
  const days = Math.max(1, Math.min(3660, Math.floor(options.days ?? 30)));
  const today = Math.floor(now / DAY_MS) * DAY_MS;
  const perDay = new Map<string, number>();
  for (let i = days - 1; i >= 0; i--) perDay.set(utcDay(today - i * DAY_MS), 0);

  let questions = 0;
  let abstained = 0;
  const walkthroughs: UsageStats['walkthroughs'] = {};
  const feedback = { up: 0, down: 0 };
  for (const e of events) {
    if (e.type === 'question') {
      questions++;
      if (e.abstained) abstained++;
      const key = utcDay(e.at);
      const count = perDay.get(key);
      if (count !== undefined) perDay.set(key, count + 1);
    } else if (e.type === 'walkthrough') {
      const w = walkthroughs[e.flow] ?? { started: 0, finished: 0, cancelled: 0 };
      w[e.event]++;
      walkthroughs[e.flow] = w;
    } else if (e.type === 'feedback') {
      feedback[e.rating]++;
    }
  }
  return {
    questionsPerDay: [...perDay].map(([day, count]) => ({ day, count })),
    questions,
    abstainRate: questions === 0 ? 0 : abstained / questions,
    walkthroughs,
    feedback,
  };
}

const percent = (x: number) => `${Math.round(x * 100)}%`;

/** Markdown for `admin stats`. */
export function formatStats(stats: UsageStats): string {
  const perDay = stats.questionsPerDay;
  const inWindow = perDay.reduce((n, d) => n + d.count, 0);
  const busiest = perDay.reduce<{ day: string; count: number } | undefined>(
    (best, d) => (d.count > (best?.count ?? 0) ? d : best),
    undefined,
  );
  const first = perDay[0]?.day;
  const last = perDay.at(-1)?.day;
  const lines = ['**Usage**', ''];
  lines.push(
    `- Questions: ${stats.questions} (abstained on ${percent(stats.abstainRate)})`,
    `- Last ${perDay.length} days${first && last ? ` (${first} to ${last})` : ''}: ${inWindow} questions, ` +
      `${(inWindow / Math.max(1, perDay.length)).toFixed(1)} a day` +
      (busiest ? `, busiest ${busiest.day} (${busiest.count})` : ''),
  );
  const votes = stats.feedback.up + stats.feedback.down;
  lines.push(
    `- Feedback: 👍 ${stats.feedback.up} · 👎 ${stats.feedback.down}` +
      (votes ? ` (${percent(stats.feedback.up / votes)} positive)` : ''),
  );
  const flows = Object.entries(stats.walkthroughs).sort(([a], [b]) => a.localeCompare(b));
  lines.push('', '**Walkthroughs**', '');
  if (flows.length === 0) lines.push('- none started');
  for (const [flow, w] of flows) {
    const rate = w.started ? `, ${percent(w.finished / w.started)} finished` : '';
    lines.push(`- \`${flow}\`: ${w.started} started, ${w.finished} finished, ${w.cancelled} cancelled${rate}`);
  }
  const recent = perDay.slice(-7);
  if (recent.length) {
    lines.push('', '**Questions, last 7 days**', '');
    for (const d of recent) lines.push(`- ${d.day}: ${d.count}`);
  }
  return lines.join('\n');
}

/** How the knowledge entries are used: what is asked most, what never comes up, and the feedback each one got. */
export interface EntryUsage {
  /** Entries that answered questions (a question's top source), most asked first. */
  topics: { id: string; title: string; count: number }[];
  /** Entries never the top source of an answer in the events passed in, by id. */
  neverUsed: { id: string; title: string }[];
  /** 👍 / 👎 per entry (the feedback's answer → its top source), most 👎 first. */
  feedback: { id: string; title: string; up: number; down: number }[];
}

/** `entries`: the knowledge base's entries (id and title), so unused ones can be listed and ids given titles. */
export function entryUsage(
  events: readonly BotEvent[],
  entries: readonly { id: string; title: string }[],
  options: { topics?: number } = {},
): EntryUsage {
  const title = new Map(entries.map((e) => [e.id, e.title]));
  const asked = new Map<string, number>();
  const entryOfAnswer = new Map<string, string>();
  for (const e of events) {
    if (e.type !== 'question' || !e.topSourceId) continue;
    entryOfAnswer.set(e.answerId, e.topSourceId);
    if (!e.abstained) asked.set(e.topSourceId, (asked.get(e.topSourceId) ?? 0) + 1);
  }
  const votes = new Map<string, { up: number; down: number }>();
  for (const e of events) {
    if (e.type !== 'feedback') continue;
    const id = entryOfAnswer.get(e.answerId);
    if (!id) continue;
    const v = votes.get(id) ?? { up: 0, down: 0 };
    v[e.rating]++;
    votes.set(id, v);
  }
  const named = (id: string) => title.get(id) ?? `${id} (no longer in the knowledge base)`;
  return {
    topics: [...asked]
      .sort(([a, x], [b, y]) => y - x || a.localeCompare(b))
      .slice(0, options.topics ?? 20)
      .map(([id, count]) => ({ id, title: named(id), count })),
    neverUsed: entries
      .filter((e) => !asked.has(e.id))
      .map((e) => ({ id: e.id, title: e.title }))
      .sort((a, b) => a.id.localeCompare(b.id)),
    feedback: [...votes]
      .sort(([a, x], [b, y]) => y.down - x.down || y.up - x.up || a.localeCompare(b))
      .map(([id, v]) => ({ id, title: named(id), ...v })),
  };
}
