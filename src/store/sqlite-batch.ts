// Group commit for the SQLite stores: every write issued during one turn of the event loop goes into one
// transaction (one WAL commit) instead of one commit each. A Slack mention writes ~6 times (de-duplication, rate
// count, event, remembered answer, context, thread); under load each commit cost 0.1–0.3 ms of the main thread,
// about a quarter of its time per answered message (profile of `bench:load --overload`, issue 12).
//
// Order is kept: while writes are pending, reads join the same queue, so every operation still sees the effects of
// the ones called before it, as when each ran at once. Each caller's promise settles after the commit that holds its
// operation. When the batch fails (disk full, a locked or damaged file), it is rolled back and each operation runs
// again on its own, so every caller gets its own result or error exactly as without batching.
import type Database from 'better-sqlite3';

export interface SqliteBatcher {
  /**
   * Runs `op` in the next group commit (or at once when nothing is pending and `op` only reads). `alone` runs the
   * operation outside a batch (its own transaction when it needs one); default `op`.
   */
  run<T>(op: () => T, options?: { read?: boolean; alone?: () => T }): Promise<T>;
  /** Commits what is pending now (before close). */
  flush(): void;
  /** Commits so far (tests: writes of one turn share one). */
  readonly commits: number;
}

interface Pending {
  op: () => unknown;
  alone: () => unknown;
  resolve(value: unknown): void;
  reject(err: unknown): void;
}

export function createSqliteBatcher(db: Database.Database, wrapError: (err: unknown) => unknown): SqliteBatcher {
  let pending: Pending[] = [];
  let scheduled = false;
  let commits = 0;

  const runAlone = (p: Pending) => {
    try {
      p.resolve(p.alone());
    } catch (err) {
      p.reject(wrapError(err));
    }
  };

  const flush = () => {
    scheduled = false;
    const batch = pending;
    pending = [];
    if (batch.length === 0) return;
    if (batch.length === 1) {
      runAlone(batch[0] as Pending);
      if (db.open) commits++;
      return;
    }
    let results: unknown[];
    try {
      results = db.transaction(() => batch.map((p) => p.op())).immediate();
      commits++;
    } catch {
      // Rolled back: each operation again on its own, so each caller gets its own outcome.
      for (const p of batch) runAlone(p);
      return;
    }
    for (const [i, p] of batch.entries()) p.resolve(results[i]);
  };

  return {
    run<T>(op: () => T, options: { read?: boolean; alone?: () => T } = {}): Promise<T> {
      if (options.read && pending.length === 0) {
        try {
          return Promise.resolve(op());
        } catch (err) {
          return Promise.reject(wrapError(err));
        }
      }
      return new Promise<T>((resolve, reject) => {
        pending.push({ op, alone: options.alone ?? op, resolve: resolve as (v: unknown) => void, reject });
        if (!scheduled) {
          scheduled = true;
          setImmediate(flush);
        }
      });
    },
    flush,
    get commits() {
      return commits;
    },
  };
}
