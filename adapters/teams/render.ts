// Reply → Adaptive Cards for Microsoft Teams. Pure: no I/O, no botbuilder. Follows the Adaptive Cards schema
// (adaptivecards.io/explorer) and Teams' card formatting rules
// (learn.microsoft.com/microsoftteams/platform/task-modules-and-cards/cards/cards-format).
//
// Teams facts this file relies on:
// - TextBlock supports a Markdown subset: **bold**, _italic_, "- " / "1. " lists, [label](url); no HTML, no headings,
//   no code fences. Newlines in lists may be "\n" or "\r".
// - A mention (`<at>Name</at>`) only becomes a mention together with an `msteams.entities` entry. We never emit
//   entities, and we strip `<at>` tags from all text anyway, so echoed user text can't notify anyone.
// - Button titles are plain text (no Markdown); TextBlock and FactSet text is Markdown. Literal text (what a user
//   typed, copyable records) is never backslash-escaped: Teams mobile shows the backslashes (`\- Data classification`).
//   It goes into a RichTextBlock's TextRun, which no Markdown pass touches, whenever Markdown would change it.
// - Teams Markdown has no code spans: backticks would show literally, so `code` becomes bold.
// - Action.Submit sends a `message` activity whose `value` is the action's data merged with the card's inputs;
//   Action.Execute (Universal Actions) sends `invoke` `adaptiveCard/action` with `value.action.{verb,data}`.
import { chunk } from '../../src/base/index.ts';
import type { Block, Choice, Reply, SourceRef } from '../../src/core/reply.ts';
import { CoreAction, feedbackValue } from '../../src/core/reply.ts';
import {
  ADAPTIVE_CARD_CONTENT_TYPE,
  ADAPTIVE_CARD_SCHEMA,
  ADAPTIVE_CARD_VERSION,
  MAX_ACTION_TITLE_CHARS,
  MAX_ACTIONS_PER_SET,
  MAX_CARD_BYTES,
  MAX_FALLBACK_TEXT_CHARS,
  MAX_FEEDBACK_REASON_CHARS,
  MAX_TEXT_BLOCK_CHARS,
} from './limits.ts';

export interface CardElement {
  type: string;
  [key: string]: unknown;
}

export interface AdaptiveCard {
  type: 'AdaptiveCard';
  $schema: string;
  version: string;
  fallbackText: string;
  body: CardElement[];
  msteams: { width: 'Full' };
}

/** What a click on a choice sends back to the bot. */
export interface ActionData {
  actionId: string;
  value: string;
}

/**
 * `execute`: Action.Execute (Teams: the invoke response replaces the card in place, with a spinner while waiting).
 * `submit`: Action.Submit (the Bot Framework Emulator and Web Chat, which don't send adaptiveCard/action).
 */
export type ActionMode = 'execute' | 'submit';

export interface RenderOptions {
  actions?: ActionMode;
  /** Largest serialized card; smaller values only in tests. */
  maxCardBytes?: number;
  /** Longest TextBlock text; smaller values only in tests. */
  maxTextChars?: number;
  /**
   * Whom the card is for (the user whose message or click it answers): every action carries it back (`owner`, a
   * hash, never the raw id; `ownerName`, shown to others), so a click by another channel member is recognised.
   */
  owner?: CardOwner;
}

export interface CardOwner {
  key: string;
  name?: string;
}

/** The id of the Input.Text of a walkthrough step's typed answer; like the 👎 reason it arrives as `text`. */
export const ANSWER_INPUT_ID = 'text';

/** The id of the Input.Text that carries a 👎 reason; its value arrives in the action data as `text`. */
export const FEEDBACK_REASON_INPUT_ID = 'text';

// ---------------------------------------------------------------------------------------------------------------
// Text

const MENTION_TAG = /<\/?at\b[^>]*>/gi;

/** Removes `<at>` / `</at>` tags (keeping the name between them), so text can never carry a mention. */
export function stripMentionTags(text: string): string {
  return text.replace(MENTION_TAG, '');
}

/**
 * The core's Markdown subset → Teams TextBlock Markdown: "* " bullets become "- ", `code` becomes **code** and a
 * fenced block its plain lines (Teams renders neither and would show the backticks), `<at>` tags are removed.
 */
export function markdownToTeams(text: string): string {
  return stripMentionTags(text)
    .replace(/\r\n?/g, '\n')
    .replace(/```[^\n`]*\n?([\s\S]*?)```/g, (_m, code: string) => code.replace(/\n$/, ''))
    .replace(/`([^`\n]+)`/g, (_m, code: string) => `**${code.trim()}**`)
    .replace(/`/g, "'")
    .replace(/^(\s*)\* /gm, '$1- ')
    .trim();
}

/** Characters and line starts Teams' TextBlock Markdown would interpret (emphasis, code, links, lists, entities). */
const MARKDOWN_SIGNIFICANT = /[\\`*_~[\]]|&#?[a-z0-9]+;|^\s*[-+]\s|^\s*\d+[.)]\s/im;

/** True when text shows exactly as typed inside a Markdown TextBlock. */
export function isMarkdownSafe(text: string): boolean {
  return !MARKDOWN_SIGNIFICANT.test(text);
}

/** Plain-text button titles: no mention tags, no line breaks, at most MAX_ACTION_TITLE_CHARS. */
export function actionTitle(label: string): string {
  return truncate(stripMentionTags(label).replace(/\s+/g, ' ').trim(), MAX_ACTION_TITLE_CHARS) || '…';
}

export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  return `${text.slice(0, Math.max(0, max - 1)).trimEnd()}…`;
}

/**
 * Cuts text into pieces of at most `max` characters, preferring paragraph breaks, then line breaks, then spaces.
 * Nothing is dropped: joining the pieces with the separators they were cut at gives the text back.
 */
export function splitText(text: string, max: number): string[] {
  if (text.length <= max) return [text];
  const pieces: string[] = [];
  let rest = text;
  while (rest.length > max) {
    const window = rest.slice(0, max + 1);
    let cut = window.lastIndexOf('\n\n');
    let skip = 2;
    if (cut < max / 3) {
      cut = window.lastIndexOf('\n');
      skip = 1;
    }
    if (cut < max / 3) {
      cut = window.lastIndexOf(' ');
      skip = 1;
    }
    if (cut < max / 3) {
      cut = max;
      skip = 0;
    }
    pieces.push(rest.slice(0, cut).trimEnd());
    rest = rest.slice(cut + skip).replace(/^\n+/, '');
  }
  if (rest.trim()) pieces.push(rest);
  return pieces.filter((p) => p.trim() !== '');
}

const safeUrl = (url: string | undefined): string | undefined => {
  if (!url || !/^https?:\/\/[^\s]+$/i.test(url)) return undefined;
  return url.replace(/[()<>]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
};

// ---------------------------------------------------------------------------------------------------------------
// Elements

interface Unit {
  element: CardElement;
  /** Keep on the same card as the next unit (a heading and what it introduces). */
  keepWithNext?: boolean;
}

const textBlock = (text: string, extra: Record<string, unknown> = {}): CardElement => ({
  type: 'TextBlock',
  text,
  wrap: true,
  ...extra,
});

/** TextBlock properties that style the text itself; on a RichTextBlock they belong to its TextRun. */
const RUN_PROPS = new Set(['size', 'weight', 'isSubtle', 'fontType', 'color', 'italic']);

/**
 * One line (or paragraph) of literal text: a TextBlock when Markdown would leave it alone, else a RichTextBlock whose
 * TextRun shows it exactly (Adaptive Cards 1.2+, rendered by every Teams client). `<at>` tags are removed either way.
 */
export function literalText(text: string, extra: Record<string, unknown> = {}): CardElement {
  const clean = stripMentionTags(text);
  if (isMarkdownSafe(clean)) return textBlock(clean, extra);
  const run: CardElement = { type: 'TextRun', text: clean };
  const block: CardElement = { type: 'RichTextBlock', inlines: [run] };
  for (const [k, v] of Object.entries(extra)) (RUN_PROPS.has(k) ? run : block)[k] = v;
  return block;
}

/** Literal text of several lines: one element per line, so line breaks survive (a TextBlock folds single ones). */
function literalLines(text: string, extra: Record<string, unknown> = {}): CardElement[] {
  return text
    .replace(/\r\n?/g, '\n')
    .split('\n')
    .map((line, i) =>
      literalText(line.trim() === '' ? '\u00a0' : line, i === 0 ? extra : { ...extra, spacing: 'None' }),
    );
}

interface Ctx {
  mode: ActionMode;
  maxText: number;
  owner: CardOwner | undefined;
}

function action(ctx: Ctx, title: string, data: ActionData, style?: Choice['style']): CardElement {
  const payload: Record<string, string> = { actionId: data.actionId, value: data.value };
  if (ctx.owner) {
    payload.owner = ctx.owner.key;
    if (ctx.owner.name) payload.ownerName = truncate(stripMentionTags(ctx.owner.name), 80);
  }
  const el: CardElement =
    ctx.mode === 'execute'
      ? { type: 'Action.Execute', title, verb: data.actionId, data: payload }
      : { type: 'Action.Submit', title, data: payload };
  if (style === 'primary') el.style = 'positive';
  if (style === 'danger') el.style = 'destructive';
  return el;
}

/** A source as one Markdown line; only used when its title and citation are Markdown-safe (see sourceRuns). */
function sourceLine(source: SourceRef, index: number): string {
  const title = stripMentionTags(source.title);
  const url = safeUrl(source.url);
  const label = url ? `[${title}](${url})` : `**${title}**`;
  const citation = source.citation ? ` — ${stripMentionTags(source.citation)}` : '';
  return `${index + 1}. ${label}${citation}`;
}

const sourceSafe = (source: SourceRef): boolean =>
  isMarkdownSafe(stripMentionTags(source.title)) && isMarkdownSafe(stripMentionTags(source.citation ?? ''));

/** A source whose title or citation Markdown would change: TextRuns, the title linked with Action.OpenUrl. */
function sourceRuns(source: SourceRef, index: number): CardElement {
  const url = safeUrl(source.url);
  const title: CardElement = { type: 'TextRun', text: stripMentionTags(source.title), weight: 'Bolder' };
  if (url) title.selectAction = { type: 'Action.OpenUrl', url };
  const inlines: CardElement[] = [{ type: 'TextRun', text: `${index + 1}. ` }, title];
  if (source.citation) inlines.push({ type: 'TextRun', text: ` — ${stripMentionTags(source.citation)}` });
  for (const run of inlines) {
    run.size = 'Small';
    run.isSubtle = true;
  }
  return { type: 'RichTextBlock', inlines, spacing: 'None' };
}

const NOTICE_STYLE = { info: 'emphasis', warning: 'warning', error: 'attention' } as const;
const NOTICE_ICON = { info: 'ℹ️', warning: '⚠️', error: '⛔' } as const;

function blockToUnits(b: Block, ctx: Ctx): Unit[] {
  const { maxText } = ctx;
  switch (b.type) {
    case 'heading':
      return [{ element: literalText(b.text, { size: 'Medium', weight: 'Bolder' }), keepWithNext: true }];
    case 'markdown':
      return splitText(markdownToTeams(b.text), maxText).map((t) => ({ element: textBlock(t) }));
    case 'plain': {
      // Text a user typed, shown exactly. Several lines become a Container of one element per line.
      return splitText(b.text.trim(), maxText).map((t) => {
        const lines = literalLines(t);
        return { element: lines.length === 1 && lines[0] ? lines[0] : { type: 'Container', items: lines } };
      });
    }
    case 'fields':
      if (b.fields.length === 0) return [];
      return chunk(b.fields, 10).map((fields) => ({
        element: {
          type: 'FactSet',
          // Labels and values are the bot's own Markdown (as in Slack), never escaped.
          facts: fields.map((f) => ({ title: stripMentionTags(f.label), value: markdownToTeams(f.value) })),
        },
      }));
    case 'sources': {
      if (b.sources.length === 0) return [];
      if (!b.sources.every(sourceSafe)) {
        return chunk(b.sources, 10).map((group, g) => ({
          element: {
            type: 'Container',
            spacing: 'Medium',
            items: [
              textBlock(g === 0 ? 'Sources' : 'Sources (continued)', {
                size: 'Small',
                weight: 'Bolder',
                isSubtle: true,
              }),
              ...group.map((source, i) => sourceRuns(source, g * 10 + i)),
            ],
          },
        }));
      }
      const lines = b.sources.map(sourceLine);
      const groups: string[][] = [[]];
      let size = 0;
      for (const line of lines) {
        const current = groups[groups.length - 1] as string[];
        if (current.length > 0 && size + line.length + 1 > maxText) {
          groups.push([line]);
          size = line.length;
        } else {
          current.push(line);
          size += line.length + 1;
        }
      }
      return groups.map((group, i) => ({
        element: {
          type: 'Container',
          spacing: 'Medium',
          items: [
            textBlock(i === 0 ? 'Sources' : 'Sources (continued)', { size: 'Small', weight: 'Bolder', isSubtle: true }),
            textBlock(group.join('\n'), { size: 'Small', isSubtle: true, spacing: 'Small' }),
          ],
        },
      }));
    }
    case 'choices': {
      const units: Unit[] = [];
      if (b.prompt) units.push({ element: textBlock(markdownToTeams(b.prompt)), keepWithNext: true });
      for (const group of chunk(b.choices, MAX_ACTIONS_PER_SET)) {
        units.push({
          element: {
            type: 'ActionSet',
            actions: group.map((c) =>
              action(ctx, actionTitle(c.label), { actionId: c.actionId, value: c.value }, c.style),
            ),
          },
        });
      }
      return units;
    }
    case 'notice':
      return splitText(markdownToTeams(b.text), maxText).map((t, i) => ({
        element: {
          type: 'Container',
          style: NOTICE_STYLE[b.level],
          items: [textBlock(i === 0 ? `${NOTICE_ICON[b.level]} ${t}` : t)],
        },
      }));
    case 'copyable': {
      // One TextBlock per line: a single TextBlock would fold single newlines, and the text must keep its lines.
      const lines = b.text.replace(/\r\n?/g, '\n').split('\n');
      const groups: string[][] = [[]];
      let size = 0;
      for (const raw of lines) {
        for (const line of raw.length > maxText ? splitText(raw, maxText) : [raw]) {
          const current = groups[groups.length - 1] as string[];
          if (current.length > 0 && size + line.length > maxText) {
            groups.push([line]);
            size = line.length;
          } else {
            current.push(line);
            size += line.length;
          }
        }
      }
      return groups.map((group, i) => ({
        element: {
          type: 'Container',
          style: 'emphasis',
          items: [
            literalText(i === 0 ? b.title : `${b.title} (continued)`, { weight: 'Bolder' }),
            ...group.map((line) =>
              // A non-breaking space keeps empty lines visible (an empty TextBlock is dropped by renderers).
              literalText(line.trim() === '' ? '\u00a0' : line, { fontType: 'Monospace', spacing: 'None' }),
            ),
          ],
        },
      }));
    }
    case 'divider':
      return [];
    case 'input':
      // The answer typed into the card: Teams merges the input into the action's data (`text`), so a channel
      // member answers without mentioning the bot.
      return [
        {
          element: {
            type: 'Input.Text',
            id: ANSWER_INPUT_ID,
            label: stripMentionTags(b.label),
            ...(b.placeholder ? { placeholder: stripMentionTags(b.placeholder) } : {}),
            maxLength: MAX_FEEDBACK_REASON_CHARS,
            isRequired: true,
            errorMessage: 'Type your answer first.',
          },
          keepWithNext: true,
        },
        {
          element: {
            type: 'ActionSet',
            actions: [action(ctx, actionTitle(b.submitLabel), { actionId: b.actionId, value: b.value }, 'primary')],
          },
        },
      ];
    case 'feedback': {
      const value = (rating: 'up' | 'down') => feedbackValue(b.answerId, rating);
      return [
        {
          element: {
            type: 'ActionSet',
            spacing: 'Medium',
            actions: [
              action(ctx, '👍 Helpful', { actionId: CoreAction.Feedback, value: value('up') }),
              {
                type: 'Action.ShowCard',
                title: '👎 Not helpful',
                card: {
                  type: 'AdaptiveCard',
                  body: [
                    {
                      type: 'Input.Text',
                      id: FEEDBACK_REASON_INPUT_ID,
                      label: 'What was wrong or missing? (optional)',
                      isMultiline: true,
                      maxLength: MAX_FEEDBACK_REASON_CHARS,
                    },
                  ],
                  actions: [action(ctx, 'Send feedback', { actionId: CoreAction.Feedback, value: value('down') })],
                },
              },
            ],
          },
        },
      ];
    }
  }
}

function replyToUnits(reply: Reply, ctx: Ctx): Unit[] {
  const units: Unit[] = [];
  let separatorNext = false;
  for (const b of reply.blocks) {
    if (b.type === 'divider') {
      separatorNext = units.length > 0;
      continue;
    }
    const produced = blockToUnits(b, ctx);
    const first = produced[0];
    if (first && separatorNext) {
      first.element = { ...first.element, separator: true, spacing: 'Medium' };
      separatorNext = false;
    }
    units.push(...produced);
  }
  return units;
}

// ---------------------------------------------------------------------------------------------------------------
// Cards

const bytes = (value: unknown): number => Buffer.byteLength(JSON.stringify(value), 'utf8');

function card(body: CardElement[], fallbackText: string): AdaptiveCard {
  return {
    type: 'AdaptiveCard',
    $schema: ADAPTIVE_CARD_SCHEMA,
    version: ADAPTIVE_CARD_VERSION,
    fallbackText,
    body,
    msteams: { width: 'Full' },
  };
}

const continuedLabel = (part: number, total: number): CardElement =>
  textBlock(`(continued, part ${part} of ${total})`, { size: 'Small', isSubtle: true });

/**
 * Renders a Reply as one or more Adaptive Cards (one per Teams message). A reply too large for one message is
 * split between elements (long text was already cut into several TextBlocks), never rejected.
 */
export function replyToAdaptiveCards(reply: Reply, options: RenderOptions = {}): AdaptiveCard[] {
  const mode = options.actions ?? 'execute';
  const maxBytes = options.maxCardBytes ?? MAX_CARD_BYTES;
  const maxText = options.maxTextChars ?? MAX_TEXT_BLOCK_CHARS;
  const fallback = truncate(stripMentionTags(reply.fallbackText).trim(), MAX_FALLBACK_TEXT_CHARS) || 'MLOps Guide';

  let units = replyToUnits(reply, { mode, maxText, owner: options.owner });
  if (units.length === 0) units = [{ element: literalText(fallback) }];

  // Room for the card skeleton, the fallback text and a "(continued, part N of M)" line.
  const reserve = bytes(card([continuedLabel(999, 999)], fallback)) + 16;
  const budget = Math.max(maxBytes - reserve, 256);

  // Group units that must stay together (a heading with what follows), then pack groups greedily.
  const groups: CardElement[][] = [];
  let pending: CardElement[] = [];
  for (const unit of units) {
    pending.push(unit.element);
    if (!unit.keepWithNext) {
      groups.push(pending);
      pending = [];
    }
  }
  if (pending.length) groups.push(pending);

  const bodies: CardElement[][] = [];
  let current: CardElement[] = [];
  let currentSize = 0;
  const flush = () => {
    if (current.length) bodies.push(current);
    current = [];
    currentSize = 0;
  };
  for (const group of groups) {
    const groupSize = group.reduce((n, el) => n + bytes(el) + 1, 0);
    if (current.length && currentSize + groupSize > budget) flush();
    if (groupSize > budget) {
      // A group larger than a card (only a heading glued to a huge element): place its elements one by one.
      for (const el of group) {
        const size = bytes(el) + 1;
        if (current.length && currentSize + size > budget) flush();
        current.push(el);
        currentSize += size;
      }
      continue;
    }
    current.push(...group);
    currentSize += groupSize;
  }
  flush();

  const total = bodies.length;
  return bodies.map((body, i) => {
    if (i === 0) return card(body, fallback);
    const first = body[0];
    // A separator at the top of a continuation card would draw a line under nothing.
    let rest = body;
    if (first && 'separator' in first) {
      const { separator: _separator, spacing: _spacing, ...plain } = first;
      rest = [plain as CardElement, ...body.slice(1)];
    }
    return card(
      [continuedLabel(i + 1, total), ...rest],
      truncate(`${fallback} (part ${i + 1} of ${total})`, MAX_FALLBACK_TEXT_CHARS),
    );
  });
}

/** The Bot Framework attachment for a card. */
export function cardAttachment(card: AdaptiveCard): { contentType: string; content: AdaptiveCard } {
  return { contentType: ADAPTIVE_CARD_CONTENT_TYPE, content: card };
}
