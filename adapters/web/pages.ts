// The console's pages as HTML strings, pure (no express, no I/O): the layout, the chat, the login form, an entry,
// and the maintainers' pages (gaps with a weekly chart, usage). Every text is escaped with escapeHtml; replies go
// through replyToHtml. No inline script or style: console.js and console.css are separate files (CSP).
import type { Reply } from '../../src/core/reply.ts';
import type { Entry } from '../../src/knowledge/schema.ts';
import type { KnowledgeProblem } from '../../src/knowledge/types.ts';
import { GAP_KINDS, type GapGroup, type GapKind, gapsPerWeek, isoWeek, KIND_LABEL } from '../../src/store/gaps.ts';
import type { EntryUsage, UsageStats } from '../../src/store/stats.ts';
import { MAX_GAP_GROUPS_SHOWN } from './limits.ts';
import { CSRF_FIELD, escapeHtml, markdownToHtml, replyToHtml, safeHref, TEXT_FIELD } from './render.ts';

export interface Viewer {
  /** Shown in the header ("local", "token", or the SSO user name). */
  user: string;
  maintainer: boolean;
  /** A token session, which can log out. */
  canLogOut: boolean;
  csrf: string;
}

export interface Turn {
  id: number;
  /** What the user typed, or the label of what they clicked. */
  you: string;
  reply: Reply;
}

const hidden = (csrf: string) => `<input type="hidden" name="${CSRF_FIELD}" value="${escapeHtml(csrf)}">`;

export function layout(title: string, main: string, viewer: Viewer | undefined, current = ''): string {
  const link = (href: string, label: string) =>
    `<a href="${href}"${current === href ? ' aria-current="page"' : ''}>${label}</a>`;
  const links = viewer
    ? [
        link('/console/chat', 'Chat'),
        ...(viewer.maintainer ? [link('/console/gaps', 'Knowledge gaps'), link('/console/usage', 'Usage')] : []),
      ]
    : [];
  const who = viewer
    ? `<span class="who-am-i">Signed in as <strong>${escapeHtml(viewer.user)}</strong>${viewer.maintainer ? ' (maintainer)' : ''}</span>` +
      (viewer.canLogOut
        ? `<form method="post" action="/console/logout" class="logout">${hidden(viewer.csrf)}<button type="submit">Log out</button></form>`
        : '')
    : '';
  return (
    '<!doctype html><html lang="en"><head><meta charset="utf-8">' +
    '<meta name="viewport" content="width=device-width, initial-scale=1">' +
    `<title>${escapeHtml(title)} — MLOps Guide</title>` +
    '<link rel="stylesheet" href="/console/assets/console.css">' +
    '<script src="/console/assets/console.js" defer></script></head><body>' +
    '<a class="skip" href="#main">Skip to content</a>' +
    `<header><span class="brand">MLOps Guide</span><nav aria-label="Console">${links.join('')}</nav>${who}</header>` +
    `<main id="main" tabindex="-1">${main}</main></body></html>`
  );
}

export function turnHtml(turn: Turn, csrf: string): string {
  return (
    `<article class="turn" id="turn-${turn.id}" tabindex="-1" aria-labelledby="turn-${turn.id}-you">` +
    `<p class="you" id="turn-${turn.id}-you"><span class="who">You:</span> ${escapeHtml(turn.you)}</p>` +
    `<div class="bot"><span class="who">MLOps Guide:</span>${replyToHtml(turn.reply, { csrf, idPrefix: `t${turn.id}` })}</div>` +
    '</article>'
  );
}

export function chatPage(turns: readonly Turn[], viewer: Viewer): string {
  const main =
    '<h1>Web chat</h1>' +
    '<p class="intro">Ask an MLOps question, or type <code>help</code>. Try <code>infra</code> (choose ML infrastructure) ' +
    'or <code>data-owner</code> (find a data owner). Every answer lists its sources; rate it with 👍 / 👎.</p>' +
    `<div id="chat-log" class="log" role="log" aria-live="polite" aria-label="Conversation" data-chat>${turns
      .map((t) => turnHtml(t, viewer.csrf))
      .join('')}</div>` +
    '<p id="chat-status" class="status" role="status"></p>' +
    `<form id="composer" method="post" action="/console/chat" class="composer" data-chat>${hidden(viewer.csrf)}` +
    `<label for="message">Your message</label>` +
    `<input id="message" name="${TEXT_FIELD}" type="text" autocomplete="off" required maxlength="2000" autofocus>` +
    '<button type="submit">Send</button></form>' +
    `<form method="post" action="/console/chat/new" class="restart">${hidden(viewer.csrf)}` +
    '<button type="submit">Start a new conversation</button></form>';
  return layout('Web chat', main, viewer, '/console/chat');
}

export function loginPage(options: { csrf: string; error?: string; tokenConfigured: boolean }): string {
  const error = options.error ? `<p class="notice error" role="alert">${escapeHtml(options.error)}</p>` : '';
  const form = options.tokenConfigured
    ? `<form method="post" action="/console/login" class="login">${hidden(options.csrf)}` +
      '<label for="token">Console token</label>' +
      '<input id="token" name="token" type="password" autocomplete="current-password" required autofocus>' +
      '<button type="submit">Log in</button></form>'
    : '<p>This console is open on the machine running the bot (loopback) or through the company sign-in proxy only. ' +
      'Ask the operator for access.</p>';
  return layout('Log in', `<h1>Log in to the MLOps Guide console</h1>${error}${form}`, undefined);
}

export function messagePage(title: string, text: string, viewer?: Viewer): string {
  return layout(title, `<h1>${escapeHtml(title)}</h1><p>${escapeHtml(text)}</p>`, viewer);
}

export function entryPage(entry: Entry, viewer: Viewer): string {
  const sources = entry.sources
    .map((s) => {
      const url = safeHref(s.url);
      return `<li>${escapeHtml(s.citation)}${url && !url.startsWith('/') ? ` <a href="${escapeHtml(url)}" rel="noreferrer">(link)</a>` : ''}</li>`;
    })
    .join('');
  const main =
    `<p class="crumb"><a href="/console/chat">← Back to the chat</a></p>` +
    `<h1>${escapeHtml(entry.title)}</h1><p class="entry-type">${escapeHtml(entry.type)} · <code>${escapeHtml(entry.id)}</code></p>` +
    `<p class="summary">${escapeHtml(entry.summary)}</p>` +
    `<div class="entry-body">${markdownToHtml(entry.body)}</div>` +
    `<section aria-labelledby="entry-sources"><h2 id="entry-sources">Sources</h2><ol>${sources}</ol></section>`;
  return layout(entry.title, main, viewer);
}

const day = (at: number) => new Date(at).toISOString().slice(0, 10);
const WEEK_MS = 7 * 86_400_000;

/** The last `n` ISO weeks ending with the week of `now`, oldest first. */
export function lastWeeks(now: number, n: number): string[] {
  const weeks: string[] = [];
  for (let i = n - 1; i >= 0; i--) weeks.push(isoWeek(now - i * WEEK_MS));
  return weeks;
}

/**
 * Gap events per week as a stacked bar chart (hand-drawn SVG: one bar a week, one colour a kind via CSS classes),
 * with the same numbers in a table for screen readers and for copying.
 */
export function weeklyChart(groups: readonly GapGroup[], now: number, weeks = 12): string {
  const rows = new Map(gapsPerWeek(groups).map((r) => [r.week, r.counts]));
  const labels = lastWeeks(now, weeks);
  const totals = labels.map((w) => GAP_KINDS.reduce((n, k) => n + (rows.get(w)?.[k] ?? 0), 0));
  const max = Math.max(1, ...totals);
  const width = 640;
  const height = 200;
  const left = 32;
  const bottom = 28;
  const barWidth = (width - left) / weeks;
  const scale = (height - bottom - 10) / max;
  let bars = '';
  labels.forEach((w, i) => {
    let y = height - bottom;
    const x = left + i * barWidth + 4;
    for (const k of GAP_KINDS) {
      const n = rows.get(w)?.[k] ?? 0;
      if (n === 0) continue;
      const h = n * scale;
      y -= h;
      bars += `<rect class="kind-${k}" x="${x.toFixed(1)}" y="${y.toFixed(1)}" width="${(barWidth - 8).toFixed(1)}" height="${h.toFixed(1)}"><title>${w}: ${n} ${KIND_LABEL[k]}</title></rect>`;
    }
    bars += `<text class="axis" x="${(x + (barWidth - 8) / 2).toFixed(1)}" y="${height - 10}" text-anchor="middle">${w.slice(5)}</text>`;
  });
  const axis =
    `<line class="axis" x1="${left}" y1="${height - bottom}" x2="${width}" y2="${height - bottom}"/>` +
    `<text class="axis" x="${left - 6}" y="14" text-anchor="end">${max}</text>` +
    `<text class="axis" x="${left - 6}" y="${height - bottom}" text-anchor="end">0</text>`;
  const legend = GAP_KINDS.map(
    (k) => `<li><span class="swatch kind-${k}" aria-hidden="true"></span>${escapeHtml(KIND_LABEL[k])}</li>`,
  ).join('');
  const table =
    `<table class="chart-data"><caption>Knowledge gaps per week</caption><thead><tr><th scope="col">Week</th>${GAP_KINDS.map((k) => `<th scope="col">${escapeHtml(KIND_LABEL[k])}</th>`).join('')}</tr></thead><tbody>` +
    labels
      .map(
        (w) =>
          `<tr><th scope="row">${w}</th>${GAP_KINDS.map((k) => `<td>${rows.get(w)?.[k] ?? 0}</td>`).join('')}</tr>`,
      )
      .join('') +
    '</tbody></table>';
  return (
    `<figure class="chart"><svg viewBox="0 0 ${width} ${height}" role="img" aria-labelledby="gaps-chart-title" width="100%">` +
    `<title id="gaps-chart-title">Knowledge gaps per week, last ${weeks} weeks: ${totals.reduce((a, b) => a + b, 0)} events</title>${axis}${bars}</svg>` +
    `<figcaption><ul class="legend">${legend}</ul></figcaption>` +
    `<details><summary>The numbers as a table</summary>${table}</details></figure>`
  );
}

function gapRow(g: GapGroup): string {
  const also = g.examples.length ? `<p class="also">Also asked: ${g.examples.map(escapeHtml).join(' · ')}</p>` : '';
  const reasons = g.reasons?.length
    ? `<p class="reasons">Reasons: ${g.reasons.map((r) => `<q>${escapeHtml(r)}</q>`).join(' · ')}</p>`
    : '';
  return (
    `<tr id="gap-${g.id}"><td class="kind"><span class="badge kind-${g.kind}">${escapeHtml(KIND_LABEL[g.kind])}</span></td>` +
    `<td class="count">${g.count}</td><td class="last">${day(g.lastAt)}</td>` +
    `<td class="question"><p class="representative">${escapeHtml(g.representative)}</p>${also}${reasons}</td>` +
    `<td><a class="draft" href="/console/gaps/${g.id}/draft.md" download="draft-${g.id}.md">Draft an entry</a></td></tr>`
  );
}

export function gapsPage(groups: readonly GapGroup[], viewer: Viewer, now: number): string {
  const byKind = (k: GapKind) => groups.filter((g) => g.kind === k);
  const summary = GAP_KINDS.map(
    (k) => `<li>${escapeHtml(KIND_LABEL[k])}: <strong>${byKind(k).reduce((n, g) => n + g.count, 0)}</strong></li>`,
  ).join('');
  const shown = groups.slice(0, MAX_GAP_GROUPS_SHOWN);
  const table = groups.length
    ? '<table class="gaps"><caption>Questions grouped by topic, most frequent first</caption><thead><tr>' +
      '<th scope="col">Kind</th><th scope="col">Count</th><th scope="col">Last</th><th scope="col">Question</th><th scope="col"><span class="sr-only">Action</span></th>' +
      `</tr></thead><tbody>${shown.map(gapRow).join('')}</tbody></table>` +
      (groups.length > shown.length ? `<p>…and ${groups.length - shown.length} more (see the exports).</p>` : '')
    : '<p class="empty">No gaps recorded: no unanswered, low-confidence or 👎 answers and no catalog misses.</p>';
  const main =
    '<h1>Knowledge gaps</h1>' +
    '<p class="intro">What users asked that the knowledge base did not answer well. For each topic, add or extend an ' +
    'entry (its <code>questions</code>): <em>Draft an entry</em> downloads a skeleton with the users’ questions ' +
    'filled in; fill the placeholders and run <code>npx mlops-guide kb check</code>.</p>' +
    `<ul class="totals">${summary}</ul>` +
    weeklyChart(groups, now) +
    '<p class="exports">Export: <a href="/console/gaps.csv" download>CSV</a> · <a href="/console/gaps.json" download>JSON</a></p>' +
    table;
  return layout('Knowledge gaps', main, viewer, '/console/gaps');
}

export function usagePage(
  stats: UsageStats,
  entries: EntryUsage,
  reload: { entries: number; lastReload?: { ok: boolean; problems: KnowledgeProblem[]; entries: number } },
  viewer: Viewer,
): string {
  const pct = (x: number) => `${Math.round(x * 100)}%`;
  const list = <T>(items: readonly T[], row: (t: T) => string, empty: string) =>
    items.length ? `<ol>${items.map((t) => `<li>${row(t)}</li>`).join('')}</ol>` : `<p class="empty">${empty}</p>`;
  const entryLink = (id: string, title: string) =>
    `<a href="/console/entry/${encodeURIComponent(id)}">${escapeHtml(title)}</a>`;
  const flows = Object.entries(stats.walkthroughs).sort(([a], [b]) => a.localeCompare(b));
  const last = reload.lastReload;
  const problems = last
    ? last.problems.length
      ? `<p>The last reload ${last.ok ? 'succeeded with warnings' : 'failed (the last good knowledge stays in service)'}:</p><ul class="problems">${last.problems
          .slice(0, 100)
          .map(
            (p) =>
              `<li class="${p.severity}"><code>${escapeHtml(`${p.file}:${p.line}`)}</code> ${escapeHtml(p.severity)}: ${escapeHtml(p.message)}</li>`,
          )
          .join('')}</ul>`
      : `<p>The last reload succeeded: ${last.entries} entries, no problems.</p>`
    : `<p>No reload since the start: ${reload.entries} entries loaded. Problems of a reload (a knowledge edit) show here.</p>`;
  const main =
    '<h1>Usage</h1>' +
    `<ul class="totals"><li>Questions: <strong>${stats.questions}</strong> (abstained on ${pct(stats.abstainRate)})</li>` +
    `<li>Feedback: 👍 <strong>${stats.feedback.up}</strong> · 👎 <strong>${stats.feedback.down}</strong></li></ul>` +
    '<p class="exports">Export: <a href="/console/usage.json" download>JSON</a></p>' +
    `<section aria-labelledby="topics"><h2 id="topics">Most asked topics</h2>${list(
      entries.topics,
      (t) => `${entryLink(t.id, t.title)} — ${t.count}`,
      'No answered questions yet.',
    )}</section>` +
    `<section aria-labelledby="feedback"><h2 id="feedback">Feedback per entry</h2>${
      entries.feedback.length
        ? `<table><thead><tr><th scope="col">Entry</th><th scope="col">👍</th><th scope="col">👎</th></tr></thead><tbody>${entries.feedback
            .map((f) => `<tr><td>${entryLink(f.id, f.title)}</td><td>${f.up}</td><td>${f.down}</td></tr>`)
            .join('')}</tbody></table>`
        : '<p class="empty">No feedback yet.</p>'
    }</section>` +
    `<section aria-labelledby="walkthroughs"><h2 id="walkthroughs">Walkthroughs</h2>${list(
      flows,
      ([flow, w]) =>
        `<code>${escapeHtml(flow)}</code>: ${w.started} started, ${w.finished} finished, ${w.cancelled} cancelled`,
      'None started.',
    )}</section>` +
    `<section aria-labelledby="never"><h2 id="never">Entries never used (${entries.neverUsed.length})</h2>${
      entries.neverUsed.length
        ? `<details><summary>Show the ${entries.neverUsed.length} entries no answer came from</summary>${list(entries.neverUsed, (e) => entryLink(e.id, e.title), '')}</details>`
        : '<p class="empty">Every entry has answered a question.</p>'
    }</section>` +
    `<section aria-labelledby="check"><h2 id="check">Knowledge check</h2>${problems}</section>`;
  return layout('Usage', main, viewer, '/console/usage');
}
