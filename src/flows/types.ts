import type { Platform } from '../core/inbound.ts';
import type { Choice, Reply } from '../core/reply.ts';

/** Whose walkthrough: state is keyed by platform, conversation (and thread) and user. */
export interface FlowKey {
  platform: Platform;
  conversationId: string;
  threadId?: string;
  userId: string;
  /** A channel or group chat (not part of the store key): steps then say how to answer there. */
  shared?: boolean;
}

export type FlowTextResult =
  /** The text answered the current step (or was back/restart/cancel): show this reply. */
  | { handled: true; reply: Reply }
  /**
   * The text is not an answer to the step (e.g. a question). The bot answers it as a question and appends
   * `resume` so the user can continue where they stopped. `undefined` resume = no walkthrough active.
   */
  | { handled: false; resume?: Choice };

/** What else a click carries besides its value. */
export interface ActionInput {
  text?: string;
  othersCard?: { ownerName?: string };
}

/** The walkthrough service the core calls. Implemented in src/flows/. */
export interface Walkthroughs {
  /** Ids of the available walkthroughs, e.g. ['infra', 'data-owner']. */
  ids(): string[];
  /** Starts (or restarts) a walkthrough; `text` pre-fills the first step (e.g. `data-owner coating logs`). */
  start(key: FlowKey, flowId: string, text?: string): Promise<Reply>;
  /** True when this action id belongs to walkthroughs (so the core routes clicks here). */
  ownsAction(actionId: string): boolean;
  /**
   * A click on a walkthrough choice. Old/expired clicks get a friendly reply. `input.text`: what the user typed
   * into the card's answer field; `input.othersCard`: the card belongs to another user's walkthrough.
   */
  onAction(key: FlowKey, actionId: string, value: string, input?: ActionInput): Promise<Reply>;
  /** Free text while a walkthrough may be active. */
  onText(key: FlowKey, text: string): Promise<FlowTextResult>;
}
