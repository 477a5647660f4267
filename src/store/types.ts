// Storage contracts. Implementations: memory (tests, single process), SQLite in DATA_DIR (the default),
// Redis (REDIS_URL, several replicas). Callers depend on these interfaces only.

/**
 * Key/value state with expiry: walkthrough state, Slack threads the bot answered, event de-duplication,
 * rate-limit counters. Keys are namespaced by the caller, e.g. `flow:slack:C123:U456`.
 */
export interface KeyValueStore {
  get<T>(key: string): Promise<T | undefined>;
  /** ttlMs omitted = no expiry. */
  set<T>(key: string, value: T, ttlMs?: number): Promise<void>;
  delete(key: string): Promise<void>;
  /** Sets the key only if it is absent (or expired). True when this call set it: used to answer a retried event once. */
  setIfAbsent<T>(key: string, value: T, ttlMs: number): Promise<boolean>;
  /** Increments a counter that expires ttlMs after its first increment; returns the new count (rate limits). */
  increment(key: string, ttlMs: number): Promise<number>;
  /** Throws StoreUnavailable when the store cannot be reached (readiness). */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** What the bot records for maintainers (feedback, knowledge gaps, stats). User ids are stored hashed. */
export type BotEvent =
  | {
      type: 'question';
      at: number;
      platform: string;
      userHash: string;
      /** undefined when STORE_QUESTION_TEXT=false */
      text?: string;
      answerId: string;
      abstained: boolean;
      /** An abstain that offered the closest entries (in the domain, but no entry was sure); absent in old records. */
      soft?: boolean;
      confidence: number;
      topSourceId?: string;
    }
  | {
      type: 'feedback';
      at: number;
      platform: string;
      userHash: string;
      answerId: string;
      rating: 'up' | 'down';
      reason?: string;
      /** The question that was answered, when known (and stored). */
      question?: string;
    }
  | {
      type: 'walkthrough';
      at: number;
      platform: string;
      userHash: string;
      flow: string;
      event: 'started' | 'finished' | 'cancelled';
      /** e.g. the recommendation made */
      outcome?: string;
    }
  | {
      type: 'catalog-miss';
      at: number;
      platform: string;
      userHash: string;
      query?: string;
    };

export type BotEventType = BotEvent['type'];

export interface EventStore {
  record(event: BotEvent): Promise<void>;
  list(filter?: { since?: number; types?: BotEventType[] }): Promise<BotEvent[]>;
  /** Deletes records older than the given time; returns how many. */
  purgeOlderThan(at: number): Promise<number>;
  ping(): Promise<void>;
  /**
   * Writes a tiny probe record outside the events (readiness): throws StoreUnavailable when the store can be read
   * but not written (disk full, read-only file system, corrupted file, Redis out of memory or read-only).
   */
  probeWrite(): Promise<void>;
  close(): Promise<void>;
}
