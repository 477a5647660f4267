// Microsoft Teams and Adaptive Card limits the renderer stays within, as named constants.
// Sources: learn.microsoft.com/microsoftteams/platform (bots/how-to/format-your-bot-messages, "Message size";
// task-modules-and-cards/cards/cards-format; cards/universal-actions-for-adaptive-cards; resources/schema/manifest-schema),
// adaptivecards.io/explorer for element versions.

/**
 * The one Adaptive Card schema version every card declares.
 * 1.5 is what Teams desktop and web render; Teams mobile renders 1.5 cards too but ignores elements it does not know
 * (we use none above 1.4). Action.Execute (Universal Actions, `invoke adaptiveCard/action`) needs 1.4 or later;
 * Container styles (`warning`, `attention`), ActionSet, `fontType: Monospace` need 1.2. Pinning one version keeps
 * every card valid for the same hosts and lets tests compare exact JSON.
 */
export const ADAPTIVE_CARD_VERSION = '1.5';
export const ADAPTIVE_CARD_SCHEMA = 'http://adaptivecards.io/schemas/adaptive-card.json';
export const ADAPTIVE_CARD_CONTENT_TYPE = 'application/vnd.microsoft.card.adaptive';

/**
 * Teams rejects a bot message larger than about 28 KB (the whole activity: text, card JSON, envelope) with
 * 413 "MessageSizeTooBig". Cards are packed to MAX_CARD_BYTES so the envelope (ids, conversation, summary)
 * always fits in the rest.
 */
export const MAX_MESSAGE_BYTES = 28 * 1024;
export const MAX_CARD_BYTES = 24 * 1024;

/**
 * Teams shows at most 6 actions side by side (its host config `maxActions`); more are cut off or moved to an
 * overflow menu depending on the client. Choices are rendered as ActionSets of at most this many buttons.
 */
export const MAX_ACTIONS_PER_SET = 6;

/**
 * Authenticating a request may fetch the Bot Framework OpenID metadata and keys (cached 24 h); past this the
 * request is answered 503 "teams authentication unavailable" instead of waiting on a hanging key server.
 */
export const AUTH_TIMEOUT_MS = 10_000;

/**
 * The whole request body must arrive within this once the request passed the endpoint's guard (an Authorization
 * header is present). The token is verified only after the body is read (botbuilder checks it against the
 * activity's serviceUrl), so until then the sender is anonymous: the Bot Connector sends an activity (a few KB, at
 * most MAX_REQUEST_BYTES) at once, and a body still arriving after 5 s is answered 408 and its connection closed
 * instead of holding a socket and its buffers until the server's request timeout (issue 12).
 */
export const BODY_READ_TIMEOUT_MS = 5000;

/** Button titles: Teams has no documented cap, but long titles are cut off on mobile. Same cap as Slack's 75. */
export const MAX_ACTION_TITLE_CHARS = 75;

/**
 * Longest text put into one TextBlock. Teams documents no hard cap per TextBlock; long blocks are slow to render
 * on mobile and cannot be split between messages, so long Markdown is cut at paragraph/line/word boundaries.
 */
export const MAX_TEXT_BLOCK_CHARS = 3000;

/** `fallbackText` (shown by hosts that cannot render the card, and read by screen readers) and `summary`. */
export const MAX_FALLBACK_TEXT_CHARS = 1000;
/** Activity `summary`: the preview in notifications and the chat list. */
export const MAX_SUMMARY_CHARS = 200;

/** Input.Text for the 👎 reason; the core keeps at most 1,000 characters of it. */
export const MAX_FEEDBACK_REASON_CHARS = 1000;

/**
 * Deadline for one Bot Connector call (sending, updating a reply). botbuilder's connector client sets none, so a
 * hanging connector held a turn, its HTTP request and a graceful shutdown without limit (issue 12).
 */
export const CONNECTOR_TIMEOUT_MS = 15_000;
