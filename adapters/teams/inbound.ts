// Teams Activities → Inbound. Pure: the raw activity JSON in, a decision out; no botbuilder, no I/O.
// Follows the Bot Framework Activity schema (learn.microsoft.com/azure/bot-service/rest-api/bot-framework-rest-connector-api-reference)
// and Teams' conversation basics (learn.microsoft.com/microsoftteams/platform/bots/how-to/conversations/conversation-basics).
//
// Teams facts this file relies on:
// - `conversation.conversationType` is `personal` (1:1 chat with the bot), `groupChat` or `channel`. In channels and
//   group chats a bot only receives messages that @mention it (unless it has RSC permissions, which we don't ask for).
// - A mention arrives twice: as `<at>Name</at>` inside `text` and as an entity `{ type: 'mention', mentioned: { id },
//   text: '<at>Name</at>' }`. The bot is `recipient`; its id is `28:<app id>`.
// - In a channel, a reply chain is part of the conversation id: `19:…@thread.tacv2;messageid=1712…`.
// - Action.Submit arrives as a `message` with the action's data (and the card's inputs) in `value` and the card's
//   message id in `replyToId`; Action.Execute arrives as `invoke` named `adaptiveCard/action` with
//   `value.action = { type: 'Action.Execute', verb, data }`.
import type { Actor, ConversationRef, Inbound } from '../../src/core/inbound.ts';

/** The parts of an Activity this adapter reads. Everything is optional: it is untrusted JSON. */
export interface TeamsActivityLike {
  type?: unknown;
  id?: unknown;
  name?: unknown;
  text?: unknown;
  value?: unknown;
  replyToId?: unknown;
  channelId?: unknown;
  serviceUrl?: unknown;
  from?: unknown;
  recipient?: unknown;
  conversation?: unknown;
  entities?: unknown;
  membersAdded?: unknown;
}

export type ActivitySource = 'text' | 'submit' | 'execute';

/** Whom a clicked card was made for, as render.ts put it into every action's data. */
export interface ClickedCardOwner {
  key: string;
  name?: string;
}

export type ParsedActivity =
  /**
   * Something for the core. `replyToId`: the card that was clicked (Action.Submit), to update it in place;
   * `cardOwner`: whom the clicked card was made for (absent on cards older than this field).
   */
  | { type: 'inbound'; inbound: Inbound; source: ActivitySource; replyToId?: string; cardOwner?: ClickedCardOwner }
  /** The bot was added to a chat, channel or team: send a welcome. */
  | { type: 'welcome'; user: Actor; conversation: ConversationRef }
  /** Nothing to do (a channel message not meant for the bot, typing, reactions, other members joining…). */
  | { type: 'ignore'; reason: string }
  /** A click whose data this bot did not produce: tell the user instead of guessing. */
  | { type: 'invalid'; source: ActivitySource; reason: string };

export const ADAPTIVE_CARD_ACTION_INVOKE = 'adaptiveCard/action';

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const nonEmpty = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() !== '' ? v : undefined);

/**
 * Checks the envelope every activity needs before anyone acts on it (the HTTP layer answers 400 when this returns
 * a problem). Only `type` is required of all; messages, invokes and conversation updates also need the ids to reply.
 */
export function activityEnvelopeProblem(body: unknown): string | undefined {
  if (!isRecord(body)) return 'the request body must be a JSON object (a Bot Framework Activity)';
  if (!nonEmpty(body.type)) return 'the activity has no "type"';
  const type = body.type as string;
  if (type !== 'message' && type !== 'invoke' && type !== 'conversationUpdate') return undefined;
  if (!nonEmpty(body.serviceUrl) || !/^https?:\/\//i.test(body.serviceUrl as string))
    return 'the activity has no valid "serviceUrl"';
  if (!isRecord(body.conversation) || !nonEmpty(body.conversation.id)) return 'the activity has no "conversation.id"';
  if (!isRecord(body.from) || !nonEmpty(body.from.id)) return 'the activity has no "from.id"';
  if (!isRecord(body.recipient) || !nonEmpty(body.recipient.id)) return 'the activity has no "recipient.id"';
  return undefined;
}

/** `19:abc@thread.tacv2;messageid=123` → id `19:abc@thread.tacv2`, thread `123`. */
export function conversationOf(activity: TeamsActivityLike): ConversationRef {
  const conv = isRecord(activity.conversation) ? activity.conversation : {};
  const rawId = str(conv.id) ?? '';
  const m = /^(.*?);messageid=(.+)$/i.exec(rawId);
  const ref: ConversationRef = { platform: 'teams', id: m?.[1] ?? rawId };
  if (m?.[2]) ref.threadId = m[2];
  const kind = str(conv.conversationType);
  // The Bot Framework Emulator and Web Chat send no conversationType: they are one-to-one.
  ref.isDirect = kind === 'personal' || (kind === undefined && conv.isGroup !== true);
  return ref;
}

export function actorOf(activity: TeamsActivityLike): Actor {
  const from = isRecord(activity.from) ? activity.from : {};
  const actor: Actor = { platform: 'teams', id: str(from.id) ?? '' };
  const name = nonEmpty(from.name);
  if (name) actor.name = name;
  return actor;
}

const recipientId = (activity: TeamsActivityLike): string | undefined =>
  isRecord(activity.recipient) ? str(activity.recipient.id) : undefined;

interface MentionEntity {
  text: string | undefined;
}

/** Mention entities that point at the bot. */
function botMentions(activity: TeamsActivityLike): MentionEntity[] {
  const botId = recipientId(activity);
  if (!botId || !Array.isArray(activity.entities)) return [];
  return activity.entities
    .filter(
      (e): e is Record<string, unknown> =>
        isRecord(e) && e.type === 'mention' && isRecord(e.mentioned) && e.mentioned.id === botId,
    )
    .map((e) => ({ text: str(e.text) }));
}

const HTML_ENTITIES: Record<string, string> = {
  nbsp: ' ',
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
  '#39': "'",
};

/**
 * The text the user typed: the bot's own mention removed, other mentions reduced to the name, the few HTML entities
 * Teams uses decoded, whitespace trimmed.
 */
export function messageText(activity: TeamsActivityLike): string {
  let text = str(activity.text) ?? '';
  for (const mention of botMentions(activity)) {
    if (mention.text) text = text.split(mention.text).join(' ');
  }
  const botName = isRecord(activity.recipient) ? str(activity.recipient.name) : undefined;
  if (botName) text = text.split(`<at>${botName}</at>`).join(' ');
  return text
    .replace(/<\/?at\b[^>]*>/gi, '')
    .replace(/&(nbsp|amp|lt|gt|quot|apos|#39);/g, (_m, name: string) => HTML_ENTITIES[name] ?? '')
    .replace(/[ \t\u00a0]+/g, ' ')
    .trim();
}

interface ActionDataRead {
  actionId: string;
  value: string;
  text?: string;
  owner?: ClickedCardOwner;
}

/** Reads `{ actionId, value, text?, owner?, ownerName? }` from Action.Submit `value` or Action.Execute `data`. */
function actionData(data: unknown): ActionDataRead | undefined {
  if (!isRecord(data)) return undefined;
  const actionId = nonEmpty(data.actionId);
  if (!actionId) return undefined;
  const raw = data.value;
  let value: string;
  if (typeof raw === 'string') value = raw;
  else if (raw === undefined || raw === null) value = '';
  else if (typeof raw === 'number' || typeof raw === 'boolean') value = String(raw);
  else value = JSON.stringify(raw);
  const out: ActionDataRead = { actionId, value };
  const text = nonEmpty(data.text)?.trim();
  if (text) out.text = text;
  const owner = nonEmpty(data.owner);
  if (owner) {
    const name = nonEmpty(data.ownerName)?.trim().slice(0, 80);
    out.owner = name ? { key: owner.slice(0, 100), name } : { key: owner.slice(0, 100) };
  }
  return out;
}

/** Decides what an activity means for the bot. */
export function activityToInbound(activity: TeamsActivityLike): ParsedActivity {
  const type = str(activity.type);
  const user = actorOf(activity);
  const conversation = conversationOf(activity);

  if (type === 'message') {
    if (activity.value !== undefined && activity.value !== null) {
      const data = actionData(activity.value);
      if (!data) return { type: 'invalid', source: 'submit', reason: 'the card action has no actionId' };
      const inbound: Inbound = { kind: 'action', user, conversation, actionId: data.actionId, value: data.value };
      if (data.text) inbound.text = data.text;
      const replyToId = nonEmpty(activity.replyToId);
      return {
        type: 'inbound',
        inbound,
        source: 'submit',
        ...(replyToId ? { replyToId } : {}),
        ...(data.owner ? { cardOwner: data.owner } : {}),
      };
    }
    if (!conversation.isDirect && botMentions(activity).length === 0) {
      return { type: 'ignore', reason: 'channel or group message that does not mention the bot' };
    }
    // Typed text is a message; the core decides whether it is a command (one routing place for every platform).
    const inbound: Inbound = { kind: 'message', user, conversation, text: messageText(activity) };
    return { type: 'inbound', inbound, source: 'text' };
  }

  if (type === 'invoke') {
    if (activity.name !== ADAPTIVE_CARD_ACTION_INVOKE)
      return { type: 'ignore', reason: `invoke ${String(activity.name)}` };
    const value = isRecord(activity.value) ? activity.value : undefined;
    const act = value && isRecord(value.action) ? value.action : undefined;
    if (act?.type !== 'Action.Execute') {
      return { type: 'invalid', source: 'execute', reason: 'adaptiveCard/action without an Action.Execute action' };
    }
    const data = actionData(
      isRecord(act.data) ? { actionId: nonEmpty(act.verb), ...act.data } : { actionId: act.verb },
    );
    if (!data) return { type: 'invalid', source: 'execute', reason: 'the card action has no actionId or verb' };
    const inbound: Inbound = { kind: 'action', user, conversation, actionId: data.actionId, value: data.value };
    if (data.text) inbound.text = data.text;
    return { type: 'inbound', inbound, source: 'execute', ...(data.owner ? { cardOwner: data.owner } : {}) };
  }

  if (type === 'conversationUpdate') {
    const botId = recipientId(activity);
    const added = Array.isArray(activity.membersAdded) ? activity.membersAdded : [];
    if (botId && added.some((m) => isRecord(m) && m.id === botId)) return { type: 'welcome', user, conversation };
    return { type: 'ignore', reason: 'conversationUpdate without the bot being added' };
  }

  return { type: 'ignore', reason: `activity type ${String(type)}` };
}
