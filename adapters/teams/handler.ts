// The Teams turn: an authenticated Activity in, the bot's Reply out as Adaptive Cards. Built on botbuilder's
// TeamsActivityHandler (learn.microsoft.com/microsoftteams/platform/bots/bot-basics) and Universal Actions
// (learn.microsoft.com/microsoftteams/platform/task-modules-and-cards/cards/universal-actions-for-adaptive-cards).
//
// Teams facts this file relies on:
// - Replies go to the connector at the activity's `serviceUrl`; `sendActivity` posts into the same conversation
//   (and reply chain), `updateActivity` replaces a message the bot sent (PUT …/activities/{id}).
// - An Action.Submit click arrives as a new message whose `replyToId` is the card's message id: updating that
//   message is how a walkthrough card changes in place.
// - An Action.Execute click is an invoke whose `replyToId` is the card's message id; the HTTP response carries `{ statusCode, type, value }`: with
//   `application/vnd.microsoft.card.adaptive` the card is replaced by `value`, with
//   `application/vnd.microsoft.activity.message` the card stays and `value` (a string) is shown briefly.
import {
  type Activity,
  type ConversationReference,
  type InvokeResponse,
  TeamsActivityHandler,
  TurnContext,
} from 'botbuilder';
import type { Logger } from '../../src/base/index.ts';
import type { Actor, Inbound } from '../../src/core/inbound.ts';
import { CoreAction, noticeReply as coreNotice, type Reply } from '../../src/core/reply.ts';
import type { Bot } from '../../src/core/types.ts';
import { asCodedError, ErrorCode } from '../../src/errors.ts';
import type { KeyValueStore } from '../../src/store/types.ts';
import { deliver, realSleep, type Sleep } from './delivery.ts';
import { deliverEscalation } from './expert.ts';
import {
  ADAPTIVE_CARD_ACTION_INVOKE,
  activityToInbound,
  type ClickedCardOwner,
  type ParsedActivity,
} from './inbound.ts';
import { ADAPTIVE_CARD_CONTENT_TYPE, MAX_SUMMARY_CHARS } from './limits.ts';
import { type AdaptiveCard, cardAttachment, type RenderOptions, replyToAdaptiveCards, truncate } from './render.ts';

export interface TeamsHandlerDeps {
  bot: Bot;
  kv: KeyValueStore;
  logger: Logger;
  /** Hashes the conversation id in store keys: the store never holds raw Teams ids. */
  hashId: (id: string) => string;
  /** Waits between delivery retries (tests inject one that does not wait). */
  sleep?: Sleep;
  /**
   * Acknowledge typed questions (and command buttons) at once and send the answer afterwards, proactively: set when
   * answers can be slow (an LLM is configured), so the Bot Framework's 15 s limit for answering a request is never
   * reached. Needs `proactive`.
   */
  answerInBackground?: boolean;
  /** Sends outside the request's turn with a conversation reference (CloudAdapter.continueConversationAsync). */
  proactive?: (
    reference: Partial<ConversationReference>,
    logic: (context: TurnContext) => Promise<void>,
  ) => Promise<void>;
  /** Registers background work, so a graceful stop waits for it (and counts what it abandons). */
  track?: (work: Promise<void>) => void;
}

/** What the invoke response says while the answer is prepared and sent as a new message. */
export const WORKING_TEXT = 'Working on it — the answer follows in this chat.';

/** How long an activity id is remembered so a redelivered activity is answered once. */
const DEDUPE_TTL_MS = 10 * 60_000;

const MESSAGE_RESPONSE_TYPE = 'application/vnd.microsoft.activity.message';
const ERROR_RESPONSE_TYPE = 'application/vnd.microsoft.error';

const WELCOME_TEXT = '👋 **Thanks for adding me!** Ask me anything about MLOps here — in a channel, mention me first.';
const INVALID_CLICK_TEXT =
  'I could not read that button click — it may come from an old card. Type `help` to see what I can do.';

/** Card actions per client: Teams sends Action.Execute as invokes; the Emulator and Web Chat only do Action.Submit. */
export const renderOptionsFor = (channelId: string | undefined, owner?: RenderOptions['owner']): RenderOptions => ({
  actions: channelId === 'msteams' ? 'execute' : 'submit',
  ...(owner ? { owner } : {}),
});

const cardActivity = (card: AdaptiveCard): Partial<Activity> => ({
  type: 'message',
  summary: truncate(card.fallbackText, MAX_SUMMARY_CHARS),
  attachments: [cardAttachment(card)],
});

const noticeReply = (text: string): Reply => coreNotice('info', text);

/**
 * Whether the reply replaces the clicked card. Teams has no "visible to one user only" message, so an `ephemeral`
 * reply (meant for the clicking user only, e.g. a click on someone else's walkthrough card) is a normal reply: it
 * never changes the clicked card, which others may see.
 */
const replacesCard = (reply: Reply): boolean => reply.replaceOriginal === true && reply.ephemeral !== true;

const nonEmptyString = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() !== '' ? v : undefined);

const invokeBody = (type: string, value: unknown, statusCode = 200): InvokeResponse => ({
  status: statusCode,
  body: { statusCode, type, value },
});

export class MlopsGuideTeamsHandler extends TeamsActivityHandler {
  readonly #deps: TeamsHandlerDeps;

  constructor(deps: TeamsHandlerDeps) {
    super();
    this.#deps = deps;
    this.onMessage(async (context, next) => {
      await this.#onMessage(context);
      await next();
    });
    // `MembersAdded` (not `TeamsMembersAdded`): the Teams variant looks every member up through the connector first.
    this.onMembersAdded(async (context, next) => {
      await this.#onMembersAdded(context);
      await next();
    });
  }

  protected override async onInvokeActivity(context: TurnContext): Promise<InvokeResponse> {
    if (context.activity.name === ADAPTIVE_CARD_ACTION_INVOKE) return this.#onCardAction(context);
    return super.onInvokeActivity(context);
  }

  async #onMessage(context: TurnContext): Promise<void> {
    const parsed = activityToInbound(context.activity);
    if (parsed.type === 'ignore' || parsed.type === 'welcome') {
      this.#deps.logger.debug(
        { reason: parsed.type === 'ignore' ? parsed.reason : 'welcome' },
        'teams activity ignored',
      );
      return;
    }
    if (parsed.type === 'invalid') {
      this.#deps.logger.info({ reason: parsed.reason }, 'teams card action not understood');
      await this.#send(context, noticeReply(INVALID_CLICK_TEXT));
      return;
    }
    const inbound = parsed.inbound;
    const foreign = this.#markOthersCard(inbound, parsed.cardOwner);
    const replyToId = parsed.source === 'submit' && !foreign ? parsed.replyToId : undefined;
    const options = this.#renderOptions(context, inbound.user);
    if (this.#inBackground(inbound)) {
      await this.#once(context, async () => {
        if (inbound.kind === 'message') await this.#typing(context);
        this.#answerLater(context, inbound, options);
      });
      return;
    }
    await this.#once(context, async () => {
      // A question can take seconds (retrieval, an LLM): show "typing…" meanwhile.
      if (inbound.kind === 'message') await this.#typing(context);
      const reply = await this.#handle(context, inbound);
      const cards = replyToAdaptiveCards(reply, options);
      if (replyToId && replacesCard(reply)) {
        const [first, ...rest] = cards;
        if (first && (await this.#update(context, replyToId, first))) {
          await this.#sendCards(context, rest);
          return;
        }
      }
      await this.#sendCards(context, cards);
    });
  }

  async #onMembersAdded(context: TurnContext): Promise<void> {
    const parsed: ParsedActivity = activityToInbound(context.activity);
    if (parsed.type !== 'welcome') return;
    const help: Inbound = {
      kind: 'command',
      user: parsed.user,
      conversation: parsed.conversation,
      command: 'help',
      text: '',
    };
    await this.#once(context, async () => {
      const reply = await this.#deps.bot.handle(help);
      const welcome: Reply = { ...reply, blocks: [{ type: 'markdown', text: WELCOME_TEXT }, ...reply.blocks] };
      await this.#sendCards(context, replyToAdaptiveCards(welcome, this.#renderOptions(context, parsed.user)));
    });
  }

  async #onCardAction(context: TurnContext): Promise<InvokeResponse> {
    const parsed = activityToInbound(context.activity);
    if (parsed.type !== 'inbound') {
      const reason = parsed.type === 'invalid' || parsed.type === 'ignore' ? parsed.reason : 'unexpected activity';
      this.#deps.logger.info({ reason }, 'teams card action not understood');
      return invokeBody(ERROR_RESPONSE_TYPE, { code: 'BadRequest', message: INVALID_CLICK_TEXT }, 400);
    }
    const inbound = parsed.inbound;
    const foreign = this.#markOthersCard(inbound, parsed.cardOwner);
    const options = this.#renderOptions(context, inbound.user);
    if (this.#inBackground(inbound)) {
      const response = await this.#once(context, async () => {
        this.#answerLater(context, inbound, options);
        return invokeBody(MESSAGE_RESPONSE_TYPE, WORKING_TEXT);
      });
      return response ?? invokeBody(MESSAGE_RESPONSE_TYPE, 'Already done.');
    }
    const response = await this.#once(context, () => this.#answerCardAction(context, inbound, options, foreign));
    return response ?? invokeBody(MESSAGE_RESPONSE_TYPE, 'Already done.');
  }

  async #answerCardAction(
    context: TurnContext,
    inbound: Inbound,
    options: RenderOptions,
    foreign: boolean,
  ): Promise<InvokeResponse> {
    const reply = await this.#handle(context, inbound);
    const cards = replyToAdaptiveCards(reply, options);
    const [first, ...rest] = cards;
    // A click on another member's card never edits that message, whatever the reply says.
    if (replacesCard(reply) && first && !foreign) {
      // The invoke response changes the card in the clicking client only. Editing the message itself is what
      // other members, the user's other devices and the chat history see ("up-to-date views" in
      // learn.microsoft.com/microsoftteams/platform/task-modules-and-cards/cards/universal-actions-for-adaptive-cards/
      // up-to-date-views). A failed edit is logged; the clicking user still gets the card.
      const cardMessageId = nonEmptyString(context.activity.replyToId);
      if (cardMessageId) await this.#update(context, cardMessageId, first);
      await this.#sendCards(context, rest);
      return invokeBody(ADAPTIVE_CARD_CONTENT_TYPE, first);
    }
    // For the clicking user only (someone else's walkthrough card, a stale step): the invoke response's card shows
    // in the clicker's client alone — a user-specific view; the message other members see stays as it is. Teams
    // has no ephemeral message, so this is the one way to answer one member of a channel privately.
    if (first && rest.length === 0 && (reply.ephemeral === true || (foreign && reply.replaceOriginal === true))) {
      return invokeBody(ADAPTIVE_CARD_CONTENT_TYPE, first);
    }
    // A short acknowledgement (feedback thanks, "please wait") shows on the card; anything else is a new message.
    if (reply.kind === 'notice' && cards.length === 1) {
      return invokeBody(MESSAGE_RESPONSE_TYPE, truncate(reply.fallbackText, MAX_SUMMARY_CHARS));
    }
    await this.#sendCards(context, cards);
    return invokeBody(MESSAGE_RESPONSE_TYPE, truncate(reply.fallbackText, MAX_SUMMARY_CHARS));
  }

  /**
   * Runs `work` once per activity id: undefined when this activity was answered already (the channel redelivered
   * it). The id is claimed before the work (so two concurrent deliveries answer once) and released when the work
   * fails, so de-duplication only sticks once the reply was delivered: a redelivery after a failed send is answered.
   */
  async #once<T>(context: TurnContext, work: () => Promise<T>): Promise<T | undefined> {
    const { id, conversation } = context.activity;
    const key = id ? `teams:activity:${this.#deps.hashId(`${conversation.id}:${id}`)}` : undefined;
    let claimed = false;
    if (key) {
      try {
        if (!(await this.#deps.kv.setIfAbsent(key, 1, DEDUPE_TTL_MS))) {
          this.#deps.logger.info({ activityId: id }, 'teams activity redelivered; answered already');
          return undefined;
        }
        claimed = true;
      } catch (err) {
        // Without the store we can't tell a redelivery apart: answering twice beats not answering.
        const coded = asCodedError(err, ErrorCode.StoreUnavailable);
        this.#deps.logger.warn({ code: coded.code, err: coded.message }, 'teams de-duplication skipped');
      }
    }
    try {
      return await work();
    } catch (err) {
      if (key && claimed) {
        await this.#deps.kv.delete(key).catch((e: unknown) => {
          const coded = asCodedError(e, ErrorCode.StoreUnavailable);
          this.#deps.logger.warn({ code: coded.code }, 'teams de-duplication not released; a redelivery is ignored');
        });
      }
      throw err;
    }
  }

  /** The bot's reply; an "Ask an expert" escalation in it is delivered first (expert.ts). */
  async #handle(context: TurnContext, inbound: Inbound): Promise<Reply> {
    const reply = await this.#deps.bot.handle(inbound);
    return deliverEscalation(context, reply, {
      ...this.#delivery(),
      kv: this.#deps.kv,
      render: renderOptionsFor(context.activity.channelId),
    });
  }

  /** "typing…" is a courtesy: a refused indicator is logged, never retried, and never fails the answer. */
  async #typing(context: TurnContext): Promise<void> {
    try {
      await context.sendActivity({ type: 'typing' });
    } catch (err) {
      this.#deps.logger.debug({ code: asCodedError(err, ErrorCode.PlatformApi).code }, 'teams typing indicator failed');
    }
  }

  /** The card owner key: a salted hash of the Teams user id (cards are visible to every member; no raw id in them). */
  #ownerKey(user: Actor): string {
    return this.#deps.hashId(`card-owner:${user.id}`);
  }

  #renderOptions(context: TurnContext, user: Actor): RenderOptions {
    return renderOptionsFor(context.activity.channelId, {
      key: this.#ownerKey(user),
      ...(user.name ? { name: user.name } : {}),
    });
  }

  /** True (and the inbound marked for the core) when the clicked card was made for another user. */
  #markOthersCard(inbound: Inbound, owner: ClickedCardOwner | undefined): boolean {
    if (inbound.kind !== 'action' || !owner || owner.key === this.#ownerKey(inbound.user)) return false;
    inbound.othersCard = owner.name ? { ownerName: owner.name } : {};
    return true;
  }

  /** Typed questions and command buttons may reach the LLM: with one configured they are answered after the ack. */
  #inBackground(inbound: Inbound): boolean {
    if (!this.#deps.answerInBackground || !this.#deps.proactive) return false;
    return inbound.kind === 'message' || (inbound.kind === 'action' && inbound.actionId === CoreAction.Command);
  }

  /**
   * Answers after this turn has ended (and the request was acknowledged): the conversation reference is taken from
   * the activity now, the reply sent later through the connector with it, with the same retries as any reply. It
   * lands in the same conversation and reply chain. A reply that still cannot be delivered is logged as an error:
   * Teams does not redeliver an acknowledged activity.
   */
  #answerLater(context: TurnContext, inbound: Inbound, options: RenderOptions): void {
    const proactive = this.#deps.proactive;
    if (!proactive) return;
    const reference = TurnContext.getConversationReference(context.activity);
    const work = (async () => {
      const reply = await this.#deps.bot.handle(inbound);
      const cards = replyToAdaptiveCards(reply, options);
      await proactive(reference, (later) => this.#sendCards(later, cards));
    })().catch((err: unknown) => {
      const coded = asCodedError(err, ErrorCode.PlatformApi);
      this.#deps.logger.error({ code: coded.code, err: coded.message }, 'teams answer sent after the ack failed');
    });
    this.#deps.track?.(work);
  }

  #delivery() {
    return { sleep: this.#deps.sleep ?? realSleep, logger: this.#deps.logger };
  }

  async #send(context: TurnContext, reply: Reply): Promise<void> {
    await this.#sendCards(context, replyToAdaptiveCards(reply, renderOptionsFor(context.activity.channelId)));
  }

  async #sendCards(context: TurnContext, cards: AdaptiveCard[]): Promise<void> {
    // One message per card, in order, each retried on its own (a retry never repeats a card already delivered).
    for (const card of cards) {
      await deliver('sendActivity', () => context.sendActivity(cardActivity(card)), this.#delivery());
    }
  }

  /** Replaces the clicked card (PUT …/activities/{id}). False (logged) when Teams refuses, e.g. the message was deleted. */
  async #update(context: TurnContext, activityId: string, card: AdaptiveCard): Promise<boolean> {
    try {
      await deliver(
        'updateActivity',
        () => context.updateActivity({ ...cardActivity(card), id: activityId }),
        this.#delivery(),
      );
      return true;
    } catch (err) {
      const coded = asCodedError(err, ErrorCode.PlatformApi);
      // Action.Submit then sends the card as a new message; Action.Execute has shown it to the clicker already.
      this.#deps.logger.warn({ code: coded.code, err: coded.message, activityId }, 'teams card update failed');
      return false;
    }
  }
}
