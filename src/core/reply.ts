// The platform-neutral reply model. The core returns a Reply; adapters/slack/render.ts turns it into Block Kit
// and adapters/teams/render.ts into an Adaptive Card. Text in `markdown` blocks is authored by the bot (a small
// Markdown subset: **bold**, _italic_, `code`, [label](url), "- " lists, blank-line paragraphs). Anything a user
// typed that the bot echoes goes into a `plain` block or a choice label and is escaped by the renderer.
import { parseJsonObject } from '../base/index.ts';

export interface SourceRef {
  /** Knowledge entry id. */
  id: string;
  title: string;
  type: string;
  /** Citation text, e.g. "Haug et al. 2025, MLOps Adoption in the Manufacturing Industry (slides)". */
  citation?: string;
  url?: string;
  score?: number;
}

export interface Choice {
  /** What the adapter sends back in InboundAction.actionId when clicked. */
  actionId: string;
  /** What the adapter sends back in InboundAction.value (opaque string, at most 2,000 characters). */
  value: string;
  label: string;
  style?: 'primary' | 'danger';
}

export type Block =
  | { type: 'heading'; text: string }
  | { type: 'markdown'; text: string }
  /** Literal text (user input echoed back, data from the catalog): never interpreted as markup. */
  | { type: 'plain'; text: string }
  | { type: 'fields'; fields: { label: string; value: string }[] }
  | { type: 'sources'; sources: SourceRef[] }
  | { type: 'choices'; prompt?: string; choices: Choice[] }
  | { type: 'notice'; level: 'info' | 'warning' | 'error'; text: string }
  /** Text the user should copy as-is (decision record, access request). Markdown inside is not rendered. */
  | { type: 'copyable'; title: string; text: string }
  | { type: 'divider' }
  /**
   * A text field to answer in the message itself (a walkthrough's free-text step): in a channel nobody has to
   * mention the bot to answer. Submitting sends InboundAction { actionId, value, text: what was typed }.
   */
  | { type: 'input'; actionId: string; value: string; label: string; placeholder?: string; submitLabel: string }
  /** 👍 / 👎 buttons for the answer with this id. */
  | { type: 'feedback'; answerId: string };

export type ReplyKind = 'answer' | 'abstain' | 'command' | 'walkthrough' | 'notice' | 'error' | 'admin';

export interface Reply {
  kind: ReplyKind;
  blocks: Block[];
  /** Plain text for notifications, screen readers and clients that can't render blocks. */
  fallbackText: string;
  /**
   * When the reply answers a click on a walkthrough step, adapters update the message that was clicked
   * instead of posting a new one.
   */
  replaceOriginal?: boolean;
  /** Show only to the user who acted (Slack: ephemeral; elsewhere: a normal reply). */
  ephemeral?: boolean;
  /** Identifies an answer for feedback (also in the `feedback` block). */
  answerId?: string;
  /**
   * May be posted for everyone to see when the user asks (Slack's "Share in channel" under a private reply).
   * Decided by the core (bot.handle); a reply without it is never offered for sharing.
   */
  shareable?: boolean;
  /**
   * Something the user asked the bot to post elsewhere ("Ask an expert"): the adapter delivers `post` to `to`, then
   * shows the user `delivered` or, when the platform refused, `failed` (both only to them). The reply's own blocks are
   * what a platform that cannot deliver shows.
   */
  escalation?: Escalation;
}

/** A question handed on to people (README "Ask an expert"): decided by the core, delivered by an adapter. */
export interface Escalation {
  /** The platform conversation to post into: the expert channel, or a data steward's channel (Slack `#name`). */
  to: string;
  /** What the experts read: the question and what the bot knew. The adapter adds who asked and a link back. */
  post: Reply;
  /** Tells the user where it went. */
  delivered: Reply;
  /** Tells the user nothing was posted, and what to do instead. */
  failed: Reply;
  /** Tells the user it was posted already (a repeated click, or a platform's redelivery of the click). */
  already: Reply;
  /**
   * Names this escalation for de-duplication (see escalation-once.ts): the same user asking about the same question,
   * answer or data set, to the same place. A salted hash: no user id or question text in the store key.
   */
  key?: string;
}

/** Small builders so callers don't assemble block objects by hand. */
export const block = {
  heading: (text: string): Block => ({ type: 'heading', text }),
  markdown: (text: string): Block => ({ type: 'markdown', text }),
  plain: (text: string): Block => ({ type: 'plain', text }),
  notice: (level: 'info' | 'warning' | 'error', text: string): Block => ({ type: 'notice', level, text }),
  choices: (choices: Choice[], prompt?: string): Block =>
    prompt === undefined ? { type: 'choices', choices } : { type: 'choices', prompt, choices },
  sources: (sources: SourceRef[]): Block => ({ type: 'sources', sources }),
  fields: (fields: { label: string; value: string }[]): Block => ({ type: 'fields', fields }),
  copyable: (title: string, text: string): Block => ({ type: 'copyable', title, text }),
  divider: (): Block => ({ type: 'divider' }),
  input: (field: {
    actionId: string;
    value: string;
    label: string;
    placeholder?: string;
    submitLabel: string;
  }): Block => ({ type: 'input', ...field }),
  feedback: (answerId: string): Block => ({ type: 'feedback', answerId }),
};

/**
 * Action ids the core understands (besides walkthrough actions, which src/flows owns via `ownsAction`).
 * - `command`: value is a command line, e.g. `property drift` or `infra` (suggestion buttons).
 * - `feedback`: value is JSON `{"answerId": "...", "rating": "up" | "down"}`; InboundAction.text may carry a reason.
 */
export const CoreAction = {
  Command: 'command',
  Feedback: 'feedback',
  /** "Ask an expert" / "Notify the data steward": value is ExpertValue JSON (see expertValue). */
  Expert: 'expert',
} as const;

/**
 * What an "Ask an expert" button carries, so nothing has to be stored for it: the question (`q`, from an abstain),
 * the answer judged unhelpful (`a`, after 👎), or the data set of an access request (`d`).
 */
export interface ExpertValue {
  q?: string;
  a?: string;
  d?: string;
}

/** Platforms cap a button value (Slack: 2,000 characters); a longer question is cut, the experts see it ends "…". */
export const MAX_EXPERT_QUESTION_CHARS = 1_800;

export function expertValue(value: ExpertValue): string {
  const q =
    value.q && value.q.length > MAX_EXPERT_QUESTION_CHARS
      ? `${value.q.slice(0, MAX_EXPERT_QUESTION_CHARS - 1)}…`
      : value.q;
  return JSON.stringify({ ...value, ...(q === undefined ? {} : { q }) });
}

export function parseExpertValue(raw: string): ExpertValue | undefined {
  const obj = parseJsonObject(raw);
  if (!obj) return undefined;
  const out: ExpertValue = {};
  for (const k of ['q', 'a', 'd'] as const) {
    const v = obj[k];
    if (typeof v === 'string' && v.trim()) out[k] = v.slice(0, MAX_EXPERT_QUESTION_CHARS);
  }
  return out.q || out.a || out.d ? out : undefined;
}

export interface FeedbackValue {
  answerId: string;
  rating: 'up' | 'down';
}

/** The value of a 👍 / 👎 button: the one encoding both renderers put on it and the core reads back. */
export function feedbackValue(answerId: string, rating: FeedbackValue['rating']): string {
  const value: FeedbackValue = { answerId, rating };
  return JSON.stringify(value);
}

/** Reads a feedback button value back; undefined when it is not one (a platform hands values back verbatim). */
export function parseFeedbackValue(raw: string): FeedbackValue | undefined {
  const { answerId, rating } = parseJsonObject(raw) ?? {};
  if (typeof answerId !== 'string' || (rating !== 'up' && rating !== 'down')) return undefined;
  return { answerId, rating };
}

/** A reply that is one notice: its text is also the fallback text. */
export function noticeReply(
  level: 'info' | 'warning' | 'error',
  text: string,
  kind: Extract<ReplyKind, 'notice' | 'error'> = 'notice',
): Reply {
  return { kind, blocks: [block.notice(level, text)], fallbackText: text };
}

/**
 * Whether a reply may be shared: answers, command output and walkthrough steps may; errors (about this user's
 * request) and admin output (maintainers' reports) may not.
 */
export function isShareable(reply: Reply): boolean {
  return reply.kind !== 'error' && reply.kind !== 'admin';
}
