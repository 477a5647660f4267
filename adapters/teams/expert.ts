// "Ask an expert" on Teams: the core's escalation post goes to the configured channel (EXPERT_CHANNEL_TEAMS) as a
// proactive message through the Bot Connector of the click's own turn: POST {serviceUrl}/v3/conversations/
// {channel id}/activities starts a new post in a Teams channel (learn.microsoft.com/microsoftteams/platform/bots/
// how-to/conversations/send-proactive-messages), in the same tenant and region as the click. The bot must be
// installed in that team. Kept apart from handler.ts: the handler only passes replies through here.
import type { Activity, TurnContext } from 'botbuilder';
import type { Logger } from '../../src/base/index.ts';
import { claimEscalation } from '../../src/core/escalation-once.ts';
import { block, type Reply } from '../../src/core/reply.ts';
import { asCodedError, ErrorCode } from '../../src/errors.ts';
import type { KeyValueStore } from '../../src/store/types.ts';
import { connectorStatus, deliver, type Sleep } from './delivery.ts';
import { MAX_SUMMARY_CHARS } from './limits.ts';
import { cardAttachment, type RenderOptions, replyToAdaptiveCards, truncate } from './render.ts';

interface ConversationsLike {
  sendToConversation(conversationId: string, activity: Partial<Activity>): Promise<unknown>;
}

export interface EscalationDeps {
  /** Where a posted escalation is remembered, so a repeated click or a redelivered activity posts once. */
  kv: KeyValueStore;
  logger: Logger;
  sleep: Sleep;
  render: RenderOptions;
}

/** Who asked, for the experts (Teams has no link to a personal chat that others could open). */
function askedBy(activity: Activity): string {
  const name = activity.from?.name?.trim() || 'A Teams user';
  const type = activity.conversation?.conversationType;
  const where =
    type === 'personal' ? 'in a personal chat with the bot' : type === 'channel' ? 'in a channel' : 'in a group chat';
  return `Asked by ${name} ${where}.`;
}

/**
 * Delivers a reply's escalation, if it has one, and returns what the clicking user is told: where it went, or that
 * nothing was posted (logged with the connector's status). Any other reply passes through unchanged.
 */
export async function deliverEscalation(context: TurnContext, reply: Reply, deps: EscalationDeps): Promise<Reply> {
  const escalation = reply.escalation;
  if (!escalation) return reply;
  const connector = context.turnState.get(context.adapter.ConnectorClientKey) as
    | { conversations?: ConversationsLike }
    | undefined;
  const conversations = connector?.conversations;
  // Teams has no ephemeral message: the outcome is a message the user keeps in the chat (not an invoke card that
  // would replace the answer they clicked on in their own view).
  const failed: Reply = { ...escalation.failed, ephemeral: false };
  if (!conversations) {
    deps.logger.warn({ code: ErrorCode.PlatformApi }, 'expert escalation not delivered: no connector for this turn');
    return failed;
  }
  const post: Reply = {
    ...escalation.post,
    blocks: [...escalation.post.blocks, block.plain(askedBy(context.activity))],
  };
  const claim = await claimEscalation(deps.kv, escalation, deps.logger);
  if (!claim.fresh) return { ...escalation.already, ephemeral: false };
  let sent = 0;
  try {
    for (const card of replyToAdaptiveCards(post, deps.render)) {
      await deliver(
        'sendToConversation',
        () =>
          conversations.sendToConversation(escalation.to, {
            type: 'message',
            summary: truncate(card.fallbackText, MAX_SUMMARY_CHARS),
            attachments: [cardAttachment(card)],
          }),
        { sleep: deps.sleep, logger: deps.logger },
      );
      sent += 1;
    }
  } catch (err) {
    // Nothing posted: the next click tries again. A partial post stays (posting it all again repeats its start).
    await (sent === 0 ? claim.release() : claim.posted());
    const coded = asCodedError(err, ErrorCode.PlatformApi);
    deps.logger.warn(
      { code: coded.code, status: connectorStatus(err), err: coded.message },
      'expert escalation not delivered',
    );
    return failed;
  }
  await claim.posted();
  deps.logger.info({}, 'expert escalation delivered');
  return { ...escalation.delivered, ephemeral: false };
}
