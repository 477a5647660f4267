// What every channel (Slack, Teams, the terminal) turns its payloads into. Adapters normalise at the edge;
// the core only ever sees this union.

export type Platform = 'slack' | 'teams' | 'cli' | 'console' | 'test';

export interface Actor {
  platform: Platform;
  /** The platform's user id (Slack `U…`, Teams `29:…`, `local` in the terminal and the console on loopback). */
  id: string;
  name?: string;
}

/**
 * A user as a value: the platform and its user id, never joined into one `platform:userId` string (a Teams id holds
 * colons itself, `29:…`). Used for MAINTAINERS and for the hashed user in records.
 */
export interface UserRef {
  platform: Platform;
  userId: string;
}

export function userRefOf(actor: Actor): UserRef {
  return { platform: actor.platform, userId: actor.id };
}

/** Whether `user` is one of `users` (same platform and id). */
export function includesUser(users: readonly UserRef[], user: UserRef): boolean {
  return users.some((u) => u.platform === user.platform && u.userId === user.userId);
}

export interface ConversationRef {
  platform: Platform;
  /** Channel / conversation id. */
  id: string;
  /** Thread (Slack `thread_ts`, Teams reply chain) when the message is inside one. */
  threadId?: string;
  /** A one-to-one chat with the bot (Slack DM, Teams personal chat, the terminal). */
  isDirect?: boolean;
}

interface InboundBase {
  user: Actor;
  conversation: ConversationRef;
}

/** Free text the user typed (a mention with the mention stripped, a DM, a thread follow-up, a terminal line). */
export interface InboundMessage extends InboundBase {
  kind: 'message';
  text: string;
}

/** An explicit command: Slack `/mlops <command> [text]`, or a command the adapter recognised. */
export interface InboundCommand extends InboundBase {
  kind: 'command';
  /** e.g. `help`, `ask`, `property`, `infra`, `data-owner`, `admin`. Empty string = no command given. */
  command: string;
  text: string;
}

/** A click on a choice the bot offered (Slack block_actions, Teams Action.Submit / adaptiveCard/action). */
export interface InboundAction extends InboundBase {
  kind: 'action';
  /** The Choice.actionId that was clicked. */
  actionId: string;
  /** The Choice.value that was clicked (opaque to adapters). */
  value: string;
  /** Extra text the user typed into a form (e.g. a 👎 reason, a walkthrough answer typed into the card). */
  text?: string;
  /**
   * The click was on a card the bot made for another user (a walkthrough step in a shared channel or group chat).
   * Set by adapters that can tell (Teams cards carry their owner); the core decides what that means.
   */
  othersCard?: { ownerName?: string };
}

export type Inbound = InboundMessage | InboundCommand | InboundAction;
