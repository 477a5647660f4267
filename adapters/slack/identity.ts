// The bot's own identity (user id and bot id, from auth.test), looked up lazily and cached. Bolt runs `authorize`
// before it acknowledges an event, so authorize must never wait for this lookup: Slack wants its HTTP 200 within
// 3 s even when its Web API is slow or unreachable. Authorize uses whatever is known; listeners, which run after
// the ack, wait for the lookup if they need it.

export interface BotIdentity {
  botUserId?: string;
  botId?: string;
}

export interface BotIdentityCache {
  /** The identity when a lookup has succeeded; undefined before that. Never waits. */
  known(): BotIdentity | undefined;
  /**
   * Looks the identity up (once at a time; concurrent callers share the call) unless it is known. Rejects when the
   * lookup fails; the next call tries again.
   */
  load(): Promise<BotIdentity>;
}

export function createBotIdentityCache(lookup: () => Promise<BotIdentity>): BotIdentityCache {
  let cached: BotIdentity | undefined;
  let pending: Promise<BotIdentity> | undefined;
  return {
    known: () => cached,
    load() {
      if (cached) return Promise.resolve(cached);
      pending ??= lookup().then(
        (identity) => {
          cached = identity;
          pending = undefined;
          return identity;
        },
        (err: unknown) => {
          pending = undefined;
          throw err;
        },
      );
      return pending;
    },
  };
}
