// Reply → Slack Block Kit (https://docs.slack.dev/reference/block-kit/blocks), pure: no I/O, no clock.
// Text rules (https://docs.slack.dev/messaging/formatting-message-text): `&`, `<` and `>` must be escaped as
// `&amp;`, `&lt;`, `&gt;`; everything between `<` and `>` is a control sequence (`<!channel>`, `<@U123>`,
// `<url|label>`). Escaping every piece of text before the renderer adds its own links means nothing a user
// typed can ping a channel or inject a link. `plain` blocks go out as plain_text, which Slack never parses.
import { chunk } from '../../src/base/index.ts';
import {
  type Block,
  type Choice,
  CoreAction,
  feedbackValue,
  type Reply,
  type SourceRef,
} from '../../src/core/reply.ts';
import { encodeActionId, FEEDBACK_CALLBACK_ID, REASON_ACTION_ID, REASON_BLOCK_ID, SHARE_ACTION_ID } from './ids.ts';
import {
  MAX_ACCESSIBILITY_LABEL,
  MAX_ACTION_ID,
  MAX_ACTIONS_ELEMENTS,
  MAX_BLOCK_ID,
  MAX_BLOCKS_PER_MESSAGE,
  MAX_BLOCKS_PER_VIEW,
  MAX_BUTTON_LABEL,
  MAX_BUTTON_VALUE,
  MAX_CHOICE_LABEL,
  MAX_CONTEXT_ELEMENTS,
  MAX_CONTEXT_TEXT,
  MAX_FIELD_TEXT,
  MAX_HEADER_TEXT,
  MAX_INPUT_LENGTH,
  MAX_MESSAGE_TEXT,
  MAX_MODAL_TITLE,
  MAX_PRIVATE_METADATA,
  MAX_SECTION_FIELDS,
  MAX_SECTION_TEXT,
} from './limits.ts';

export interface PlainText {
  type: 'plain_text';
  text: string;
  emoji?: boolean;
}
export interface MrkdwnText {
  type: 'mrkdwn';
  text: string;
}
export type SlackText = PlainText | MrkdwnText;

export interface SlackButton {
  type: 'button';
  text: PlainText;
  action_id: string;
  value: string;
  style?: 'primary' | 'danger';
  accessibility_label?: string;
}

export type SlackBlock =
  | { type: 'header'; text: PlainText }
  | { type: 'section'; text: SlackText }
  | { type: 'section'; fields: SlackText[] }
  | { type: 'context'; elements: SlackText[] }
  | { type: 'actions'; elements: SlackButton[] }
  | { type: 'divider' }
  | {
      type: 'input';
      block_id: string;
      optional?: boolean;
      /** In a message: the field sends block_actions itself (on Enter). */
      dispatch_action?: boolean;
      label: PlainText;
      element: {
        type: 'plain_text_input';
        action_id: string;
        multiline?: boolean;
        max_length: number;
        placeholder?: PlainText;
        dispatch_action_config?: { trigger_actions_on: ('on_enter_pressed' | 'on_character_entered')[] };
      };
    };

/** One Slack message: `text` is the notification / screen-reader fallback (mrkdwn-escaped). */
export interface SlackMessage {
  text: string;
  blocks: SlackBlock[];
}

export interface RenderOptions {
  /** Adds a "Share in channel" button whose value is this (an id the adapter resolves). */
  shareValue?: string;
  /** Slack user id of the person who shared this reply into the channel. */
  sharedBy?: string;
}

// ---------------------------------------------------------------------------------------------------------------
// Text helpers

/** Escapes the three characters Slack treats as control characters in mrkdwn and `text`. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

const SAFE_URL = /^(https?:\/\/|mailto:)[^\s]+$/i;

function linkTo(url: string, label: string): string {
  const cleanLabel = label.replace(/\*\*|__/g, '');
  if (!SAFE_URL.test(url)) return `${escapeMrkdwn(cleanLabel)} (${escapeMrkdwn(url)})`;
  // `|` ends the URL part of a Slack link; percent-encode it so the label can't be forged.
  return `<${escapeMrkdwn(url).replace(/\|/g, '%7C')}|${escapeMrkdwn(cleanLabel)}>`;
}

/**
 * Converts the core's Markdown subset to Slack mrkdwn: `**b**` → `*b*`, `*i*` → `_i_`, `[label](url)` →
 * `<url|label>`, `# heading` → `*heading*`, `- item` → `• item`, `~~s~~` → `~s~`. All other text is escaped.
 */
export function markdownToMrkdwn(markdown: string): string {
  const held: string[] = [];
  const hold = (s: string) => `\uE000${held.push(s) - 1}\uE000`;
  // Private-use markers must not come from the input.
  let s = markdown.replace(/[\uE000\uE001]/g, '');
  s = s.replace(/```([\s\S]*?)```/g, (_m, code: string) => hold(`\`\`\`${escapeMrkdwn(code)}\`\`\``));
  s = s.replace(/`([^`\n]+)`/g, (_m, code: string) => hold(`\`${escapeMrkdwn(code)}\``));
  s = s.replace(/\[([^\]\n]+)\]\(([^()\s]+)\)/g, (_m, label: string, url: string) => hold(linkTo(url, label)));
  s = escapeMrkdwn(s);
  s = s.replace(/^([ \t]*)[-*+][ \t]+/gm, '$1• ');
  s = s.replace(/\*\*(?=\S)([^\n]+?)(?<=\S)\*\*/g, '\uE001$1\uE001');
  s = s.replace(/(^|[^\w])__(?=\S)([^\n]+?)(?<=\S)__(?!\w)/g, '$1\uE001$2\uE001');
  s = s.replace(/(^|[^\w*])\*(?=\S)([^*\n]+?)(?<=\S)\*(?![\w*])/g, '$1_$2_');
  s = s.replace(/~~(?=\S)([^\n]+?)(?<=\S)~~/g, '~$1~');
  s = s.replace(/^#{1,6}[ \t]+(.+?)[ \t]*#*[ \t]*$/gm, (_m, t: string) => `\uE001${t.replace(/\uE001/g, '')}\uE001`);
  s = s.replace(/\uE001/g, '*');
  return s.replace(/\uE000(\d+)\uE000/g, (_m, i: string) => held[Number(i)] ?? '');
}

/** Moves a cut position out of a `<…>` control sequence, an `&…;` entity or a surrogate pair. */
function safeCut(s: string, cut: number): number {
  let c = cut;
  const open = s.lastIndexOf('<', c - 1);
  if (open > s.lastIndexOf('>', c - 1) && open > 0) c = open;
  const amp = s.lastIndexOf('&', c - 1);
  if (amp >= 0 && c - amp < 6 && !s.slice(amp, c).includes(';') && amp > 0) c = amp;
  const code = s.charCodeAt(c - 1);
  if (code >= 0xd800 && code <= 0xdbff && c > 1) c -= 1;
  return c;
}

/**
 * Splits text into pieces of at most `max` characters, preferring paragraph, then line, then word boundaries,
 * never inside a Slack control sequence or entity. Nothing is dropped. (Teams splits its own way: no control
 * sequences to keep whole, and its pieces may break at a third of the limit where Slack's break at a half.)
 */
export function splitText(text: string, max: number): string[] {
  const pieces: string[] = [];
  let rest = text;
  while (rest.length > max) {
    let cut = -1;
    let skip = 0;
    for (const sep of ['\n\n', '\n', ' ']) {
      const at = rest.lastIndexOf(sep, max - 1);
      if (at >= max / 2) {
        cut = at;
        skip = sep.length;
        break;
      }
    }
    if (cut < 0) cut = max;
    const safe = safeCut(rest, cut);
    if (safe !== cut) skip = 0;
    const head = rest.slice(0, safe).trimEnd();
    if (head) pieces.push(head);
    rest = rest.slice(safe + skip);
  }
  if (rest.trim()) pieces.push(rest.trimEnd());
  return pieces;
}

/**
 * Cuts text to `max` characters (ending in "…"), never inside a control sequence or entity. Not shared with the
 * Teams renderer: Slack's `<…>` sequences and `&…;` entities must stay whole, Teams has neither.
 */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  return `${text.slice(0, safeCut(text, max - 1))}…`;
}

const plain = (text: string, max: number, emoji = true): PlainText => ({
  type: 'plain_text',
  text: truncate(text, max),
  emoji,
});
const mrkdwn = (text: string): MrkdwnText => ({ type: 'mrkdwn', text });

// ---------------------------------------------------------------------------------------------------------------
// Blocks

function sections(text: string): SlackBlock[] {
  return splitText(text, MAX_SECTION_TEXT).map((t) => ({ type: 'section', text: mrkdwn(t) }));
}

function button(actionId: string, label: string, value: string, style?: 'primary' | 'danger'): SlackButton {
  const b: SlackButton = {
    type: 'button',
    text: plain(label, MAX_BUTTON_LABEL),
    action_id: actionId.slice(0, MAX_ACTION_ID),
    value: value.slice(0, MAX_BUTTON_VALUE),
  };
  if (style) b.style = style;
  return b;
}

/**
 * Labels for a set of buttons, each at most MAX_CHOICE_LABEL characters. A prefix every label shares ("ML property: ")
 * is dropped first when that is what makes a label too long (the buttons sit under a prompt that says it); what is
 * still too long is cut at a word boundary with "…".
 */
export function shortLabels(labels: readonly string[], max = MAX_CHOICE_LABEL): string[] {
  let clean = labels.map((l) => l.replace(/\s+/g, ' ').trim());
  const prefix = /^[^:]{1,40}:\s/.exec(clean[0] ?? '')?.[0];
  if (
    prefix &&
    clean.length > 1 &&
    clean.some((l) => l.length > max) &&
    clean.every((l) => l.startsWith(prefix) && l.length > prefix.length)
  ) {
    clean = clean.map((l) => l.slice(prefix.length));
  }
  return clean.map((l) => {
    if (l.length <= max) return l;
    const cut = l.slice(0, max - 1);
    const space = cut.lastIndexOf(' ');
    return `${(space >= max / 2 ? cut.slice(0, space) : cut).replace(/[\s,.;:–—-]+$/, '')}…`;
  });
}

function choiceButtons(choices: Choice[]): SlackBlock[] {
  const labels = shortLabels(choices.map((c) => c.label));
  const buttons = choices.map((c, i) => {
    const b = button(encodeActionId(c.actionId, i), labels[i] ?? c.label, c.value, c.style);
    // Screen readers read the whole title.
    if (labels[i] !== c.label) b.accessibility_label = truncate(c.label, MAX_ACCESSIBILITY_LABEL);
    return b;
  });
  const blocks: SlackBlock[] = chunk(buttons, MAX_ACTIONS_ELEMENTS).map((elements) => ({ type: 'actions', elements }));
  // The full title of every cut button stays readable in the message, right under the buttons.
  const full: SlackText[] = [];
  for (const [i, c] of choices.entries()) {
    const shown = labels[i] ?? c.label;
    if (shown !== c.label && shown.endsWith('…'))
      full.push(mrkdwn(truncate(`• ${escapeMrkdwn(c.label)}`, MAX_CONTEXT_TEXT)));
  }
  for (const elements of chunk(full, MAX_CONTEXT_ELEMENTS)) blocks.push({ type: 'context', elements });
  return blocks;
}

export function sourceLine(source: SourceRef, n: number): string {
  const title = source.url ? linkTo(source.url, source.title) : `*${escapeMrkdwn(source.title)}*`;
  const citation = source.citation ? ` — ${escapeMrkdwn(source.citation)}` : '';
  return truncate(`[${n}] ${title}${citation}`, MAX_CONTEXT_TEXT);
}

const NOTICE_EMOJI = { info: ':information_source:', warning: ':warning:', error: ':x:' } as const;

function codeSections(text: string): SlackBlock[] {
  // A literal ``` inside would close the code block early; a zero-width space keeps it visible but inert.
  const body = escapeMrkdwn(text.replace(/```/g, '`\u200b`\u200b`'));
  return splitText(body, MAX_SECTION_TEXT - 8).map((t) => ({ type: 'section', text: mrkdwn(`\`\`\`\n${t}\n\`\`\``) }));
}

/** One neutral block → zero or more Block Kit blocks (long text becomes several sections). */
export function blockToSlack(block: Block): SlackBlock[] {
  switch (block.type) {
    case 'heading':
      return block.text.trim() ? [{ type: 'header', text: plain(block.text, MAX_HEADER_TEXT) }] : [];
    case 'markdown':
      return sections(markdownToMrkdwn(block.text));
    case 'plain':
      return splitText(block.text, MAX_SECTION_TEXT).map((t) => ({
        type: 'section',
        text: { type: 'plain_text', text: t, emoji: false },
      }));
    case 'fields': {
      const fields = block.fields.map((f) =>
        mrkdwn(truncate(`*${escapeMrkdwn(f.label)}*\n${markdownToMrkdwn(f.value)}`, MAX_FIELD_TEXT)),
      );
      return chunk(fields, MAX_SECTION_FIELDS).map((fs) => ({ type: 'section', fields: fs }));
    }
    case 'sources': {
      const lines = block.sources.map((s, i) => mrkdwn(sourceLine(s, i + 1)));
      return chunk(lines, MAX_CONTEXT_ELEMENTS).map((elements) => ({ type: 'context', elements }));
    }
    case 'choices': {
      const prompt = block.prompt?.trim() ? sections(markdownToMrkdwn(block.prompt)) : [];
      return [...prompt, ...choiceButtons(block.choices)];
    }
    case 'notice': {
      const [first, ...rest] = splitText(markdownToMrkdwn(block.text), MAX_SECTION_TEXT - 25);
      if (first === undefined) return [];
      return [
        { type: 'section', text: mrkdwn(`${NOTICE_EMOJI[block.level]} ${first}`) },
        ...rest.map((t): SlackBlock => ({ type: 'section', text: mrkdwn(t) })),
      ];
    }
    case 'copyable':
      return [...sections(`*${escapeMrkdwn(block.title)}*`), ...codeSections(block.text)];
    case 'divider':
      return [{ type: 'divider' }];
    case 'input':
      // A plain_text_input that dispatches on Enter (docs.slack.dev/reference/block-kit/blocks/input-block): the
      // block_actions payload carries the typed text as the action's `value` and this block's id, which holds the
      // core's value (inbound.ts reads both). A value too long for a block_id gets no field: typing still works.
      if (block.value.length > MAX_BLOCK_ID) return [];
      return [
        {
          type: 'input',
          block_id: block.value,
          dispatch_action: true,
          label: plain(block.label, MAX_BUTTON_LABEL),
          element: {
            type: 'plain_text_input',
            action_id: encodeActionId(block.actionId, 0),
            max_length: MAX_INPUT_LENGTH,
            ...(block.placeholder ? { placeholder: plain(block.placeholder, 150) } : {}),
            dispatch_action_config: { trigger_actions_on: ['on_enter_pressed'] },
          },
        },
      ];
    case 'feedback':
      return [
        {
          type: 'actions',
          elements: [
            button(encodeActionId(CoreAction.Feedback, 0), '👍 Helpful', feedbackValue(block.answerId, 'up')),
            button(encodeActionId(CoreAction.Feedback, 1), '👎 Not helpful', feedbackValue(block.answerId, 'down')),
          ],
        },
      ];
  }
}

const SLACK_USER_ID = /^[UW][A-Z0-9]{2,}$/;

/**
 * Renders a Reply as one or more Slack messages (more than one only when it needs over 50 blocks). Never
 * throws and never drops content: long text is split, labels are truncated.
 */
export function replyToBlockKit(reply: Reply, options: RenderOptions = {}): SlackMessage[] {
  const blocks: SlackBlock[] = [];
  if (options.sharedBy) {
    const who = SLACK_USER_ID.test(options.sharedBy) ? `<@${options.sharedBy}>` : escapeMrkdwn(options.sharedBy);
    blocks.push({ type: 'context', elements: [mrkdwn(`Shared by ${who}`)] });
  }
  for (const b of reply.blocks) blocks.push(...blockToSlack(b));
  if (options.shareValue !== undefined) {
    blocks.push({ type: 'actions', elements: [button(SHARE_ACTION_ID, 'Share in channel', options.shareValue)] });
  }
  const fallback = escapeMrkdwn(reply.fallbackText.trim() || 'MLOps Guide');
  const text = truncate(fallback, MAX_MESSAGE_TEXT);
  if (blocks.length === 0) return [{ text, blocks: [] }];
  const parts = chunk(blocks, MAX_BLOCKS_PER_MESSAGE);
  return parts.map((part, i) => ({
    text: i === 0 ? text : `(continued ${i + 1}/${parts.length})`,
    blocks: part,
  }));
}

// ---------------------------------------------------------------------------------------------------------------
// Views

export interface HomeView {
  type: 'home';
  blocks: SlackBlock[];
}

/** The App Home tab: the core's home reply (homeReply in src/core/commands.ts) as a view. */
export function homeView(home: Reply): HomeView {
  const blocks = home.blocks.flatMap((b) => blockToSlack(b));
  return { type: 'home', blocks: blocks.slice(0, MAX_BLOCKS_PER_VIEW) };
}

export interface FeedbackModal {
  type: 'modal';
  callback_id: string;
  notify_on_close: boolean;
  private_metadata: string;
  title: PlainText;
  submit: PlainText;
  close: PlainText;
  blocks: SlackBlock[];
}

/** The small modal a 👎 opens: an optional reason. `privateMetadata` comes back in the submission. */
export function feedbackModal(privateMetadata: string): FeedbackModal {
  return {
    type: 'modal',
    callback_id: FEEDBACK_CALLBACK_ID,
    // view_closed tells us the user skipped the reason, so the 👎 is still recorded exactly once.
    notify_on_close: true,
    private_metadata: privateMetadata.slice(0, MAX_PRIVATE_METADATA),
    title: plain('Feedback', MAX_MODAL_TITLE),
    submit: plain('Send', MAX_MODAL_TITLE),
    close: plain('Skip', MAX_MODAL_TITLE),
    blocks: [
      {
        type: 'input',
        block_id: REASON_BLOCK_ID,
        optional: true,
        label: plain('What was wrong or missing? (optional)', 2000),
        element: {
          type: 'plain_text_input',
          action_id: REASON_ACTION_ID,
          multiline: true,
          max_length: MAX_INPUT_LENGTH,
        },
      },
    ],
  };
}
