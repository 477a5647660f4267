// The suite's one polling helper. Work the code under test does after it answered (Slack work after the ack, a
// reload after a file change, a reconnect after Redis returns) is waited for by polling with a generous bound,
// never by a fixed sleep, so a slow or busy machine makes a test slower, not red.

export interface UntilOptions {
  /** Give up after this long (default 5 s); generous, since it only matters when the test fails anyway. */
  timeoutMs?: number;
  /** Pause between probes (default 10 ms). */
  intervalMs?: number;
  /** Extra context for the timeout message (e.g. nock's pending mocks). */
  detail?: () => string;
}

/**
 * Polls `probe` until it returns something other than `undefined` or `false` and resolves with that value; throws
 * "timed out waiting for <what>" when the bound passes first.
 */
export async function until<T>(
  probe: () => T | undefined | false | Promise<T | undefined | false>,
  what = 'condition',
  options: UntilOptions = {},
): Promise<Exclude<T, undefined | false>> {
  const { timeoutMs = 5000, intervalMs = 10 } = options;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value as Exclude<T, undefined | false>;
    if (Date.now() > deadline) {
      const detail = options.detail?.();
      throw new Error(`timed out waiting for ${what}${detail ? `; ${detail}` : ''}`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
