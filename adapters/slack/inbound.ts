// Slack payloads → Inbound. Payload shapes follow https://docs.slack.dev/reference/events (app_mention, message.*),
// https://docs.slack.dev/interactivity/implementing-slash-commands and
// https://docs.slack.dev/reference/interaction-payloads. Pure functions: anything malformed returns undefined
// (the caller logs it), never throws.
import { z } from 'zod';
import type { ConversationRef, InboundAction, InboundCommand, InboundMessage } from '../../src/core/inbound.ts';
import { CoreAction, parseFeedbackValue } from '../../src/core/reply.ts';
import { decodeActionId, REASON_ACTION_ID, REASON_BLOCK_ID } from './ids.ts';

const id = z.string().min(1);

/**
 * Slack message text → what the user meant, as plain text: the bot's own mention is removed, other control
 * sequences become readable (`<@U1>` → `@U1`, `<#C1|general>` → `#general`, `<!here>` → `@here`,
 * `<https://x|label>` → `label`) and `&amp;`, `&lt;`, `&gt;` are unescaped.
 */
export function slackTextToPlain(text: string, botUserId?: string): string {
  let s = text;
  if (botUserId) s = s.replace(new RegExp(`<@${botUserId}(\\|[^>]*)?>`, 'g'), ' ');
  s = s
    .replace(/<@([A-Z0-9]+)(?:\|[^>]*)?>/g, '@$1')
    .replace(/<#([A-Z0-9]+)\|([^>]*)>/g, (_m, cid: string, name: string) => `#${name || cid}`)
    .replace(/<#([A-Z0-9]+)>/g, '#$1')
    .replace(/<!subteam\^[A-Z0-9]+(?:\|([^>]*))?>/g, (_m, name?: string) => name ?? '@group')
    .replace(/<!(here|channel|everyone)(?:\|[^>]*)?>/g, '@$1')
    .replace(/<!date\^[^|>]*\|([^>]*)>/g, '$1')
    .replace(/<([a-z][a-z0-9+.-]*:[^|>]*)\|([^>]*)>/gi, (_m, url: string, label: string) => label || url)
    .replace(/<([a-z][a-z0-9+.-]*:[^>]*)>/gi, '$1');
  s = s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
  return s.replace(/[ \t]+/g, ' ').trim();
}

// ---------------------------------------------------------------------------------------------------------------
// Events API

const messageEvent = z.object({
  type: z.enum(['app_mention', 'message']),
  user: z.string().optional(),
  text: z.string().optional(),
  ts: id,
  thread_ts: z.string().optional(),
  channel: id,
  channel_type: z.string().optional(),
  subtype: z.string().optional(),
  bot_id: z.string().optional(),
});
export type SlackMessageEvent = z.infer<typeof messageEvent>;

/** Subtypes that still carry a person's words; all others (edits, joins, deletions, bot posts) are ignored. */
/** Conversations with several people, where the bot answers mentions and addressed thread follow-ups only. */
const THREADED_CHANNEL_TYPES = new Set(['channel', 'group', 'mpim']);

const ANSWERABLE_SUBTYPES = new Set(['file_share', 'thread_broadcast']);

export type EventRoute =
  | { route: 'mention'; event: SlackMessageEvent }
  | { route: 'dm'; event: SlackMessageEvent }
  | { route: 'thread'; event: SlackMessageEvent; threadTs: string }
  | { route: 'ignore'; reason: string };

/**
 * Decides what an `app_mention` or `message` event is: a mention to answer in a thread, a DM, a possible
 * follow-up in a thread (the caller checks that the bot answered there), or something to ignore.
 */
export function routeEvent(raw: unknown, botUserId: string | undefined): EventRoute {
  const parsed = messageEvent.safeParse(raw);
  if (!parsed.success) return { route: 'ignore', reason: 'malformed' };
  const event = parsed.data;
  // Never answer bots (including ourselves): two bots answering each other never stop.
  if (event.bot_id || event.subtype === 'bot_message') return { route: 'ignore', reason: 'bot' };
  if (!event.user) return { route: 'ignore', reason: 'no user' };
  if (botUserId && event.user === botUserId) return { route: 'ignore', reason: 'self' };
  if (event.subtype && !ANSWERABLE_SUBTYPES.has(event.subtype)) return { route: 'ignore', reason: 'subtype' };
  if (!slackTextToPlain(event.text ?? '', botUserId)) return { route: 'ignore', reason: 'empty' };
  if (event.type === 'app_mention') {
    return event.channel.startsWith('D') ? { route: 'ignore', reason: 'mention in dm' } : { route: 'mention', event };
  }
  if (event.channel_type === 'im') return { route: 'dm', event };
  // A group DM (`mpim`) is several people talking, like a small private channel: the bot answers there when
  // mentioned, and in a thread it answered only messages addressed to it (the thread rule, README "Connect to Slack").
  if (!THREADED_CHANNEL_TYPES.has(event.channel_type ?? '')) return { route: 'ignore', reason: 'channel type' };
  // A message that mentions the bot also arrives as app_mention; answer it there only.
  if (botUserId && (event.text ?? '').includes(`<@${botUserId}`)) return { route: 'ignore', reason: 'mention' };
  if (!event.thread_ts || event.thread_ts === event.ts) return { route: 'ignore', reason: 'not in a thread' };
  return { route: 'thread', event, threadTs: event.thread_ts };
}

/**
 * Whether Slack message text mentions someone other than the bot: a user (`<@U…>`), a user group
 * (`<!subteam^…>`) or everyone (`<!here>`, `<!channel>`, `<!everyone>`). Such a message is meant for them.
 */
export function mentionsSomeoneElse(text: string, botUserId: string | undefined): boolean {
  for (const m of text.matchAll(/<@([A-Z0-9]+)(?:\|[^>]*)?>/g)) if (m[1] !== botUserId) return true;
  return /<!(subteam\^|here|channel|everyone)/.test(text);
}

/** The thread the bot answers in: the event's own thread, or a new one under a top-level mention. */
export function replyThreadTs(route: Extract<EventRoute, { event: SlackMessageEvent }>): string | undefined {
  if (route.route === 'dm') return route.event.thread_ts;
  return route.event.thread_ts ?? route.event.ts;
}

export function eventToInbound(
  route: Extract<EventRoute, { event: SlackMessageEvent }>,
  botUserId: string | undefined,
): InboundMessage {
  const { event } = route;
  const conversation: ConversationRef = { platform: 'slack', id: event.channel };
  const threadTs = replyThreadTs(route);
  if (threadTs) conversation.threadId = threadTs;
  if (route.route === 'dm') conversation.isDirect = true;
  return {
    kind: 'message',
    user: { platform: 'slack', id: event.user ?? '' },
    conversation,
    text: slackTextToPlain(event.text ?? '', botUserId),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Slash commands

const commandBody = z.object({
  command: z.string(),
  text: z.string().optional().default(''),
  user_id: id,
  user_name: z.string().optional(),
  channel_id: id,
  channel_name: z.string().optional(),
});

/** `/mlops property drift` → `{ command: 'property', text: 'drift' }`; `/mlops` alone → command ''. */
export function commandToInbound(raw: unknown): InboundCommand | undefined {
  const parsed = commandBody.safeParse(raw);
  if (!parsed.success) return undefined;
  const body = parsed.data;
  const words = slackTextToPlain(body.text);
  const match = /^(\S+)\s*([\s\S]*)$/.exec(words);
  const conversation: ConversationRef = { platform: 'slack', id: body.channel_id };
  if (body.channel_id.startsWith('D') || body.channel_name === 'directmessage') conversation.isDirect = true;
  const user = body.user_name
    ? { platform: 'slack' as const, id: body.user_id, name: body.user_name }
    : { platform: 'slack' as const, id: body.user_id };
  return {
    kind: 'command',
    user,
    conversation,
    command: (match?.[1] ?? '').toLowerCase(),
    text: (match?.[2] ?? '').trim(),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Interactivity

const blockActionsBody = z.object({
  type: z.literal('block_actions'),
  user: z.object({ id, username: z.string().optional(), name: z.string().optional() }),
  channel: z.object({ id }).optional(),
  container: z
    .object({
      type: z.string(),
      channel_id: z.string().optional(),
      message_ts: z.string().optional(),
      thread_ts: z.string().optional(),
      is_ephemeral: z.boolean().optional(),
    })
    .optional(),
  message: z.object({ ts: z.string(), thread_ts: z.string().optional() }).optional(),
  actions: z
    .array(
      z.object({
        action_id: id,
        type: z.string().optional(),
        block_id: z.string().optional(),
        value: z.string().optional(),
      }),
    )
    .min(1),
  trigger_id: z.string().optional(),
  response_url: z.string().optional(),
});
export type BlockActionsBody = z.infer<typeof blockActionsBody>;

export function parseBlockActions(raw: unknown): BlockActionsBody | undefined {
  const parsed = blockActionsBody.safeParse(raw);
  return parsed.success ? parsed.data : undefined;
}

/** Where a clicked message lives; undefined for a click in a view (App Home), which has no conversation. */
export function actionConversation(body: BlockActionsBody): ConversationRef | undefined {
  const channel = body.channel?.id ?? body.container?.channel_id;
  if (!channel) return undefined;
  const conversation: ConversationRef = { platform: 'slack', id: channel };
  const threadTs = body.message?.thread_ts ?? body.container?.thread_ts;
  if (threadTs) conversation.threadId = threadTs;
  if (channel.startsWith('D')) conversation.isDirect = true;
  return conversation;
}

/**
 * A click → InboundAction. `conversation` overrides where the click happened (the adapter passes the user's
 * DM for clicks in the App Home).
 */
export function actionToInbound(body: BlockActionsBody, conversation?: ConversationRef): InboundAction | undefined {
  const action = body.actions[0];
  const where = conversation ?? actionConversation(body);
  if (!action || !where) return undefined;
  const name = body.user.username ?? body.user.name;
  const inbound: InboundAction = {
    kind: 'action',
    user: name ? { platform: 'slack', id: body.user.id, name } : { platform: 'slack', id: body.user.id },
    conversation: where,
    actionId: decodeActionId(action.action_id),
    value: action.value ?? '',
  };
  // Enter in a text field (render.ts `input`): the typed text is the action's value, the core's value its block_id.
  if (action.type === 'plain_text_input') {
    inbound.value = action.block_id ?? '';
    const typed = action.value?.trim();
    if (typed) inbound.text = typed;
  }
  return inbound;
}

/** What the 👎 modal carries through Slack and back (private_metadata). */
export interface FeedbackMetadata {
  /** The feedback button's value (FeedbackValue JSON). */
  value: string;
  channel: string;
  threadTs?: string;
}

const feedbackMetadata = z.object({ value: z.string(), channel: id, threadTs: z.string().optional() });

const viewBody = z.object({
  type: z.enum(['view_submission', 'view_closed']),
  user: z.object({ id, username: z.string().optional(), name: z.string().optional() }),
  view: z.object({
    private_metadata: z.string().optional(),
    state: z
      .object({
        values: z.record(z.string(), z.record(z.string(), z.object({ value: z.string().nullish() }))),
      })
      .optional(),
  }),
});

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    // Not JSON: the caller treats undefined as a malformed payload and logs it.
    return undefined;
  }
}

/** The 👎 modal submitted (with an optional reason) or closed → the feedback action, forwarded once. */
export function feedbackViewToInbound(
  raw: unknown,
): { inbound: InboundAction; metadata: FeedbackMetadata } | undefined {
  const parsed = viewBody.safeParse(raw);
  if (!parsed.success) return undefined;
  const meta = feedbackMetadata.safeParse(parseJson(parsed.data.view.private_metadata ?? ''));
  if (!meta.success) return undefined;
  const metadata: FeedbackMetadata = { value: meta.data.value, channel: meta.data.channel };
  if (meta.data.threadTs) metadata.threadTs = meta.data.threadTs;
  const conversation: ConversationRef = { platform: 'slack', id: metadata.channel };
  if (metadata.threadTs) conversation.threadId = metadata.threadTs;
  if (metadata.channel.startsWith('D')) conversation.isDirect = true;
  const { user } = parsed.data;
  const name = user.username ?? user.name;
  const inbound: InboundAction = {
    kind: 'action',
    user: name ? { platform: 'slack', id: user.id, name } : { platform: 'slack', id: user.id },
    conversation,
    actionId: CoreAction.Feedback,
    value: metadata.value,
  };
  const reason =
    parsed.data.type === 'view_submission'
      ? parsed.data.view.state?.values[REASON_BLOCK_ID]?.[REASON_ACTION_ID]?.value?.trim()
      : undefined;
  if (reason) inbound.text = reason;
  return { inbound, metadata };
}

/** Reads the rating out of a feedback button value; undefined when it isn't the core's FeedbackValue JSON. */
export function feedbackRating(value: string): 'up' | 'down' | undefined {
  return parseFeedbackValue(value)?.rating;
}
