// Reply → HTML for the web console (adapters/web), pure: no I/O, no clock, no express. The third renderer beside
// adapters/slack/render.ts (Block Kit) and adapters/teams/render.ts (Adaptive Cards).
//
// HTML facts this file relies on (html.spec.whatwg.org):
// - Every piece of text is escaped (`&`, `<`, `>`, `"`, `'`) before the renderer adds its own markup, so nothing a
//   user typed or a knowledge file holds can become markup: a `<script>` typed into the chat shows as text.
// - Links are only made for http(s) URLs and for the console's own paths; `javascript:` and data URLs stay text.
// - A button inside a form submits its own name/value: each choice is a `<button name="choice">` whose value is
//   the JSON `{actionId, value}` the core handed out, so the page works without JavaScript (a form POST).
// - No inline scripts, no style attributes: the Content-Security-Policy (script-src 'self'; style-src 'self')
//   forbids both.
import type { Block, Choice, Reply, SourceRef } from '../../src/core/reply.ts';
import { CoreAction, feedbackValue } from '../../src/core/reply.ts';
import { MAX_FEEDBACK_REASON_CHARS } from './limits.ts';

export interface HtmlOptions {
  /** The CSRF token every form carries (checked by the server on every POST). */
  csrf: string;
  /** Where forms post (default /console/chat). */
  action?: string;
  /** Where a source's title links to (default /console/entry/<id>, the entry's page in the console). */
  entryHref?: (id: string) => string;
  /** Makes element ids unique on a page with many replies (labels point at them). Default 'r'. */
  idPrefix?: string;
}

/** The form field a choice button submits; its value is choiceValue(choice). */
export const CHOICE_FIELD = 'choice';
/** The form field of a 👎 reason (it becomes InboundAction.text). */
export const REASON_FIELD = 'reason';
/** The form field of a typed message. */
export const TEXT_FIELD = 'text';
/** The form field of the CSRF token (fetch sends it as the x-csrf-token header too). */
export const CSRF_FIELD = '_csrf';

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for HTML content and (quoted) attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c] as string);
}

/** A URL the page may link to: http(s), or a path of this server ("/console/…"); anything else is refused. */
export function safeHref(url: string | undefined): string | undefined {
  if (!url) return undefined;
  const u = url.trim();
  if (/^https?:\/\/[^\s<>"']+$/i.test(u)) return u;
  if (/^\/(?!\/)[^\s<>"'\\]*$/.test(u)) return u;
  return undefined;
}

/** What a choice button submits: the actionId and value the core hands out, as JSON. */
export function choiceValue(choice: Pick<Choice, 'actionId' | 'value'>): string {
  return JSON.stringify({ actionId: choice.actionId, value: choice.value });
}

const INLINE =
  /`([^`\n]+)`|\*\*([^*\n]+)\*\*|\[([^\]\n]+)\]\(([^)\s]+)\)|(?<![\p{L}\p{N}_])_([^_\n]+)_(?![\p{L}\p{N}_])/gu;

/** One line of the core's Markdown subset → HTML: `code`, **bold**, _italic_, [label](url); the rest escaped. */
export function inlineMarkdownToHtml(text: string): string {
  let out = '';
  let last = 0;
  for (const m of text.matchAll(INLINE)) {
    const at = m.index ?? 0;
    out += escapeHtml(text.slice(last, at));
    const [whole, code, bold, label, url, italic] = m;
    if (code !== undefined) out += `<code>${escapeHtml(code)}</code>`;
    else if (bold !== undefined) out += `<strong>${escapeHtml(bold)}</strong>`;
    else if (label !== undefined) {
      const href = safeHref(url);
      out += href
        ? `<a href="${escapeHtml(href)}"${href.startsWith('/') ? '' : ' rel="noreferrer"'}>${escapeHtml(label)}</a>`
        : escapeHtml(whole);
    } else out += `<em>${escapeHtml(italic ?? '')}</em>`;
    last = at + whole.length;
  }
  return out + escapeHtml(text.slice(last));
}

const LIST_ITEM = /^\s*[-*]\s+(.*)$/;
const NUMBERED_ITEM = /^\s*\d+[.)]\s+(.*)$/;
const HEADING_LINE = /^#{1,6}\s+(.*)$/;

/**
 * The core's Markdown subset (and knowledge entry bodies) → HTML: blank-line paragraphs, "- " and "1. " lists,
 * "#" headings (as h4, below the page's own headings), fenced code, inline marks. Single newlines become `<br>`.
 */
export function markdownToHtml(text: string): string {
  const parts: string[] = [];
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  let paragraph: string[] = [];
  let list: { tag: 'ul' | 'ol'; items: string[] } | undefined;
  const flushParagraph = () => {
    if (paragraph.length) parts.push(`<p>${paragraph.map(inlineMarkdownToHtml).join('<br>')}</p>`);
    paragraph = [];
  };
  const flushList = () => {
    if (list) parts.push(`<${list.tag}>${list.items.map((i) => `<li>${i}</li>`).join('')}</${list.tag}>`);
    list = undefined;
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    if (line.trim().startsWith('```')) {
      flushParagraph();
      flushList();
      const code: string[] = [];
      for (i++; i < lines.length && !(lines[i] as string).trim().startsWith('```'); i++) code.push(lines[i] as string);
      parts.push(`<pre><code>${escapeHtml(code.join('\n'))}</code></pre>`);
      continue;
    }
    if (line.trim() === '') {
      flushParagraph();
      flushList();
      continue;
    }
    const heading = HEADING_LINE.exec(line);
    const bullet = LIST_ITEM.exec(line);
    const numbered = bullet ? undefined : NUMBERED_ITEM.exec(line);
    if (heading) {
      flushParagraph();
      flushList();
      parts.push(`<h4>${inlineMarkdownToHtml(heading[1] ?? '')}</h4>`);
    } else if (bullet || numbered) {
      flushParagraph();
      const tag = bullet ? 'ul' : 'ol';
      if (list && list.tag !== tag) flushList();
      list ??= { tag, items: [] };
      list.items.push(inlineMarkdownToHtml((bullet ?? numbered)?.[1] ?? ''));
    } else if (list && /^\s{2,}\S/.test(line)) {
      // A continuation line of a list item.
      list.items[list.items.length - 1] += ` ${inlineMarkdownToHtml(line.trim())}`;
    } else {
      flushList();
      paragraph.push(line);
    }
  }
  flushParagraph();
  flushList();
  return parts.join('');
}

/** An id fragment from arbitrary text: letters, digits, `_` and `-` only. */
const idPart = (text: string): string => text.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 64);

const hidden = (name: string, value: string) => `<input type="hidden" name="${name}" value="${escapeHtml(value)}">`;

function form(options: HtmlOptions, className: string, inner: string): string {
  const action = escapeHtml(options.action ?? '/console/chat');
  return `<form method="post" action="${action}" class="${className}">${hidden(CSRF_FIELD, options.csrf)}${inner}</form>`;
}

function button(choice: Choice): string {
  const style = choice.style ? ` class="${choice.style}"` : '';
  return `<button type="submit" name="${CHOICE_FIELD}" value="${escapeHtml(choiceValue(choice))}"${style}>${escapeHtml(choice.label)}</button>`;
}

function source(s: SourceRef, options: HtmlOptions): string {
  const href = options.entryHref ? options.entryHref(s.id) : `/console/entry/${encodeURIComponent(s.id)}`;
  let html = `<a href="${escapeHtml(href)}">${escapeHtml(s.title)}</a>`;
  if (s.citation) html += ` — ${escapeHtml(s.citation)}`;
  const url = safeHref(s.url);
  if (url && !url.startsWith('/')) html += ` <a class="external" href="${escapeHtml(url)}" rel="noreferrer">(link)</a>`;
  return `<li>${html}</li>`;
}

const NOTICE_LABEL = { info: 'Note', warning: 'Warning', error: 'Error' } as const;

function blockToHtml(b: Block, options: HtmlOptions): string {
  const prefix = idPart(options.idPrefix ?? 'r');
  switch (b.type) {
    case 'heading':
      return `<h3>${escapeHtml(b.text)}</h3>`;
    case 'markdown':
      return markdownToHtml(b.text);
    case 'plain':
      return `<p class="plain">${escapeHtml(b.text.trim())}</p>`;
    case 'fields':
      if (b.fields.length === 0) return '';
      return `<dl class="fields">${b.fields
        .map((f) => `<div><dt>${escapeHtml(f.label)}</dt><dd>${inlineMarkdownToHtml(f.value)}</dd></div>`)
        .join('')}</dl>`;
    case 'sources':
      if (b.sources.length === 0) return '';
      return `<section class="sources" aria-label="Sources"><h4>Sources</h4><ol>${b.sources
        .map((s) => source(s, options))
        .join('')}</ol></section>`;
    case 'choices': {
      if (b.choices.length === 0) return '';
      const label = b.prompt ? ` aria-label="${escapeHtml(b.prompt.replace(/[*_`]/g, ''))}"` : ' aria-label="Options"';
      const prompt = b.prompt ? `<p class="prompt">${inlineMarkdownToHtml(b.prompt)}</p>` : '';
      return form(
        options,
        'choices',
        `${prompt}<div class="buttons" role="group"${label}>${b.choices.map(button).join('')}</div>`,
      );
    }
    case 'notice':
      return `<div class="notice ${b.level}"><strong>${NOTICE_LABEL[b.level]}:</strong> ${markdownToHtml(b.text).replace(/^<p>|<\/p>$/g, '')}</div>`;
    case 'copyable':
      return `<figure class="copyable"><figcaption>${escapeHtml(b.title)}</figcaption><pre tabindex="0">${escapeHtml(b.text)}</pre></figure>`;
    case 'divider':
      return '<hr>';
    case 'input': {
      // A free-text step's answer field: posted with the step's action, the typed text as the action's text.
      const inputId = `${prefix}-input-${idPart(b.actionId)}`;
      return form(
        options,
        'input',
        hidden(CHOICE_FIELD, choiceValue({ actionId: b.actionId, value: b.value })) +
          `<label for="${inputId}">${inlineMarkdownToHtml(b.label)}</label>` +
          `<input id="${inputId}" name="${REASON_FIELD}" type="text" required maxlength="${MAX_FEEDBACK_REASON_CHARS}"` +
          `${b.placeholder ? ` placeholder="${escapeHtml(b.placeholder)}"` : ''}>` +
          `<button type="submit">${escapeHtml(b.submitLabel)}</button>`,
      );
    }
    case 'feedback': {
      const up = { actionId: CoreAction.Feedback, value: feedbackValue(b.answerId, 'up') };
      const down = { actionId: CoreAction.Feedback, value: feedbackValue(b.answerId, 'down') };
      const reasonId = `${prefix}-reason-${idPart(b.answerId)}`;
      return (
        `<div class="feedback" role="group" aria-label="Was this helpful?">` +
        form(options, 'feedback-up', button({ ...up, label: '👍 Helpful' })) +
        `<details class="feedback-down"><summary>👎 Not helpful</summary>` +
        form(
          options,
          'feedback-reason',
          hidden(CHOICE_FIELD, choiceValue(down)) +
            `<label for="${reasonId}">What was wrong or missing? (optional)</label>` +
            `<textarea id="${reasonId}" name="${REASON_FIELD}" maxlength="${MAX_FEEDBACK_REASON_CHARS}" rows="2"></textarea>` +
            `<button type="submit">Send feedback</button>`,
        ) +
        `</details></div>`
      );
    }
  }
}

/**
 * Renders a Reply as an HTML fragment: one `<div class="reply">` holding its blocks. Buttons are forms posting to
 * the chat (so the page works without JavaScript); every form carries the CSRF token.
 */
export function replyToHtml(reply: Reply, options: HtmlOptions): string {
  let body = reply.blocks.map((b) => blockToHtml(b, options)).join('');
  if (body === '') body = `<p class="plain">${escapeHtml(reply.fallbackText.trim() || 'MLOps Guide')}</p>`;
  return `<div class="reply" data-kind="${escapeHtml(reply.kind)}">${body}</div>`;
}
