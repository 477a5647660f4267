// Limits of the web console, as named constants (the browser has none of Slack's or Teams' limits; these protect
// the server and keep pages readable).

/** Turns of a web conversation kept and shown on the chat page (older ones drop off the top). */
export const MAX_TRANSCRIPT_TURNS = 40;
/** Longest 👎 reason accepted (the core keeps the first 1,000 characters). */
export const MAX_FEEDBACK_REASON_CHARS = 1000;
/** Longest form body accepted (a question, a button value and a reason fit many times over). */
export const MAX_FORM_BYTES = 16 * 1024;
/** Login attempts per client address per minute (a shared token must not be guessable by brute force). */
export const MAX_LOGIN_ATTEMPTS_PER_MINUTE = 10;
/** How long a console session (its cookie) lasts. */
export const SESSION_TTL_MS = 12 * 3_600_000;
/** Longest user name accepted from the SSO proxy's header. */
export const MAX_USER_NAME_CHARS = 200;
/** Gap groups shown on the gaps page (exports hold all). */
export const MAX_GAP_GROUPS_SHOWN = 100;
