// Slack platform limits, from https://docs.slack.dev/reference/block-kit/blocks and
// https://docs.slack.dev/reference/methods/chat.postMessage. Slack rejects a message that breaks any of them
// (`invalid_blocks`), so the renderer splits or truncates to stay inside.

/** Blocks in one message (chat.postMessage, chat.update, response_url). */
export const MAX_BLOCKS_PER_MESSAGE = 50;
/** Blocks in a Home tab or modal view. */
export const MAX_BLOCKS_PER_VIEW = 100;
/** Characters in a section block's `text`. */
export const MAX_SECTION_TEXT = 3000;
/** Characters in each of a section block's `fields`. */
export const MAX_FIELD_TEXT = 2000;
/** Fields in one section block. */
export const MAX_SECTION_FIELDS = 10;
/** Characters in a header block's plain_text. */
export const MAX_HEADER_TEXT = 150;
/** Elements in one context block. */
export const MAX_CONTEXT_ELEMENTS = 10;
/** Characters in a context element's text (text objects are capped at 3,000). */
export const MAX_CONTEXT_TEXT = 3000;
/** Elements in one actions block. */
export const MAX_ACTIONS_ELEMENTS = 25;
/** Characters in a button label. */
export const MAX_BUTTON_LABEL = 75;
/**
 * Characters of a choice's label shown on its button. Slack accepts 75 but shows about 30 before it cuts the
 * button text off (desktop and mobile), so longer labels are shortened by the renderer and the full title is kept
 * in the message text under the buttons.
 */
export const MAX_CHOICE_LABEL = 30;
/** Characters in a button's accessibility_label (read by screen readers instead of the text). */
export const MAX_ACCESSIBILITY_LABEL = 75;
/** Characters in a button value. */
export const MAX_BUTTON_VALUE = 2000;
/** Characters in an action_id (a block_id has the same limit; the renderer sets none). */
export const MAX_ACTION_ID = 255;
/** block_id of any block (an input block carries its Choice-like value there). */
export const MAX_BLOCK_ID = 255;
/** Characters in a message's top-level `text`; Slack truncates longer text. */
export const MAX_MESSAGE_TEXT = 40_000;
/** Characters in a modal's title, submit and close labels. */
export const MAX_MODAL_TITLE = 24;
/** Characters in a view's private_metadata. */
export const MAX_PRIVATE_METADATA = 3000;
/** Characters a plain_text_input may be configured to accept. */
export const MAX_INPUT_LENGTH = 3000;

/** Requests whose X-Slack-Request-Timestamp is older than this are rejected (replay protection). */
export const MAX_REQUEST_AGE_S = 300;

/**
 * A response_url (slash command or click) accepts at most 5 responses within 30 minutes
 * (https://docs.slack.dev/interactivity/handling-user-interaction#message_responses).
 */
export const MAX_RESPONSE_URL_USES = 5;

/**
 * Largest request body accepted from Slack. Its payloads are small: an event or a slash command is a few KB, the
 * largest (block_actions and view_submission carrying a whole message or view: ≤ 100 blocks of ≤ 3,000
 * characters) stay well under 1 MB. Bolt's own receiver allows 4 MB.
 */
export const MAX_BODY_BYTES = 1024 * 1024;
/**
 * The whole body must arrive within this. Slack sends its request at once and wants the ack within 3 s (or it retries the event, up to 3 times, and shows users an error),
 * so a body still arriving after 5 s is not from Slack (its signature is checked only after the body is read).
 */
export const BODY_READ_TIMEOUT_MS = 5000;
