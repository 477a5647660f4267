// Identifiers the Slack adapter puts into Block Kit and reads back from interaction payloads.
// Slack requires every action_id to be unique within its block (https://docs.slack.dev/reference/block-kit/block-elements/button-element),
// while the core may offer several choices with the same Choice.actionId: the renderer appends `::<index>`
// and the inbound side strips it again, so the core sees its own actionId.

/** Button on an ephemeral slash-command reply that posts the same content to the channel. */
export const SHARE_ACTION_ID = 'mlops_share';
/** The 👎 reason modal. */
export const FEEDBACK_CALLBACK_ID = 'mlops_feedback';
export const REASON_BLOCK_ID = 'reason';
export const REASON_ACTION_ID = 'reason';

const SUFFIX = /::\d+$/;

export function encodeActionId(actionId: string, index: number): string {
  return `${actionId}::${index}`;
}

export function decodeActionId(slackActionId: string): string {
  return slackActionId.replace(SUFFIX, '');
}
