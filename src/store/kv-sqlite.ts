// KeyValueStore on SQLite (better-sqlite3): the embedded default in DATA_DIR/state.sqlite. One process at a time
// writes it (several replicas share state through Redis instead). WAL lets readers run beside the writer.
import type Database from 'better-sqlite3';
import type { Clock } from '../base/index.ts';
import { ErrorCode, MlopsGuideError } from '../errors.ts';
import { openSqlite } from './sqlite.ts';
import { createSqliteBatcher } from './sqlite-batch.ts';
import type { KeyValueStore } from './types.ts';

// An ordinary (rowid) table with the key in its own index. It was a WITHOUT ROWID table, which keeps whole rows in
// the key's b-tree: with random keys (event ids, UUIDs) and values of a few kB (a shareable reply, a remembered
// answer) an insert rewrote leaf pages full of other rows' values, and the state database took ~19 % of the main
// thread under load (432 µs per group commit of ~12 writes, bench:load --overload, issue 12). Now a row is appended
// to the table and only the short key goes into the index: ~30 % less CPU per write (bench/kv-write.ts), and 312 µs
// per group commit in the same load run.
const KV_SCHEMA = `CREATE TABLE IF NOT EXISTS kv (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL,
  expires_at INTEGER
);
CREATE INDEX IF NOT EXISTS kv_expires ON kv (expires_at) WHERE expires_at IS NOT NULL;`;

/** A state database written before the change keeps its rows: they are copied into the new table once, at open. */
function migrateWithoutRowid(db: Database.Database): void {
  const table = db.prepare("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'kv'").get() as
    | { sql: string }
    | undefined;
  if (!table || !/WITHOUT\s+ROWID/i.test(table.sql)) return;
  db.transaction(() => {
    db.exec('ALTER TABLE kv RENAME TO kv_without_rowid');
    db.exec('DROP INDEX IF EXISTS kv_expires');
    db.exec(KV_SCHEMA);
    db.exec('INSERT INTO kv (key, value, expires_at) SELECT key, value, expires_at FROM kv_without_rowid');
    db.exec('DROP TABLE kv_without_rowid');
  }).immediate();
}

/** Expired rows are deleted on every this-many writes (reads already ignore them). */
const PURGE_EVERY_WRITES = 200;

interface Row {
  value: string;
  expires_at: number | null;
}

export function createSqliteKeyValueStore(path: string, clock: Clock = Date.now): KeyValueStore {
  const db = openSqlite(path, KV_SCHEMA, 'state database');
  try {
    migrateWithoutRowid(db);
  } catch (err) {
    db.close();
    throw new MlopsGuideError(
      ErrorCode.StoreUnavailable,
      `Cannot upgrade the state database at ${path}: ${err instanceof Error ? err.message : String(err)}`,
      {
        cause: err,
        remedy: 'Check that DATA_DIR is writable and has free space; the old table is kept until it works.',
      },
    );
  }

  const selectStmt = db.prepare<[string, number], Row>(
    'SELECT value, expires_at FROM kv WHERE key = ? AND (expires_at IS NULL OR expires_at > ?)',
  );
  const upsertStmt = db.prepare<[string, string, number | null]>(
    'INSERT INTO kv (key, value, expires_at) VALUES (?, ?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at',
  );
  const deleteStmt = db.prepare<[string]>('DELETE FROM kv WHERE key = ?');
  const purgeStmt = db.prepare<[number]>('DELETE FROM kv WHERE expires_at IS NOT NULL AND expires_at <= ?');
  const pingStmt = db.prepare('SELECT 1');

  let closed = false;
  let writes = 0;
  const assertOpen = () => {
    if (closed || !db.open) throw new MlopsGuideError(ErrorCode.StoreUnavailable, `state database ${path} is closed`);
  };
  const wrapError = (err: unknown) =>
    err instanceof MlopsGuideError
      ? err
      : new MlopsGuideError(ErrorCode.StoreUnavailable, `state database error: ${(err as Error).message}`, {
          cause: err,
        });
  // Writes of one event-loop turn share one transaction (sqlite-batch.ts); reads go straight to the file unless
  // writes are pending.
  const batch = createSqliteBatcher(db, wrapError);
  /** Runs `op` through the batcher, failing fast (and again at run time) when the database is closed. */
  const guarded = <T>(op: () => T, options: { read?: boolean; alone?: () => T } = {}): Promise<T> => {
    try {
      assertOpen();
    } catch (err) {
      return Promise.reject(err);
    }
    const checked =
      <R>(f: () => R) =>
      () => {
        assertOpen();
        return f();
      };
    return batch.run(checked(op), {
      ...(options.read ? { read: true } : {}),
      ...(options.alone ? { alone: checked(options.alone) } : {}),
    });
  };
  const write = <T>(op: () => T, alone?: () => T): Promise<T> => guarded(op, alone ? { alone } : {});
  const read = <T>(op: () => T): Promise<T> => guarded(op, { read: true });
  const afterWrite = () => {
    writes += 1;
    if (writes % PURGE_EVERY_WRITES === 0) purgeStmt.run(clock());
  };
  /** Encoded when called (a caller may change the object before the batch commits). */
  const encode = (value: unknown): string => {
    try {
      return JSON.stringify(value === undefined ? null : value);
    } catch (err) {
      throw wrapError(err);
    }
  };
  const expiry = (ttlMs: number | undefined): number | null => (ttlMs === undefined ? null : clock() + ttlMs);

  // Check-then-write must be atomic: inside a group commit the batch's transaction holds it; run on its own, an
  // IMMEDIATE transaction takes the write lock first so another process can't slip in between.
  const setIfAbsentOp = (key: string, value: string, expiresAt: number): boolean => {
    if (selectStmt.get(key, clock())) return false;
    upsertStmt.run(key, value, expiresAt);
    return true;
  };
  const incrementOp = (key: string, ttlMs: number): number => {
    const row = selectStmt.get(key, clock());
    if (!row) {
      upsertStmt.run(key, '1', clock() + ttlMs);
      return 1;
    }
    const next = Number(JSON.parse(row.value)) + 1;
    upsertStmt.run(key, String(next), row.expires_at);
    return next;
  };
  const setIfAbsentTx = db.transaction(setIfAbsentOp);
  const incrementTx = db.transaction(incrementOp);

  return {
    async get<T>(key: string) {
      return read(() => {
        const row = selectStmt.get(key, clock());
        return row === undefined ? undefined : (JSON.parse(row.value) as T);
      });
    },
    async set<T>(key: string, value: T, ttlMs?: number) {
      const encoded = encode(value);
      const expiresAt = expiry(ttlMs);
      await write(() => {
        upsertStmt.run(key, encoded, expiresAt);
        afterWrite();
      });
    },
    async delete(key: string) {
      await write(() => {
        deleteStmt.run(key);
      });
    },
    async setIfAbsent<T>(key: string, value: T, ttlMs: number) {
      const encoded = encode(value);
      const expiresAt = clock() + ttlMs;
      const after = (set: boolean) => {
        afterWrite();
        return set;
      };
      return write(
        () => after(setIfAbsentOp(key, encoded, expiresAt)),
        () => after(setIfAbsentTx.immediate(key, encoded, expiresAt)),
      );
    },
    async increment(key: string, ttlMs: number) {
      const after = (n: number) => {
        afterWrite();
        return n;
      };
      return write(
        () => after(incrementOp(key, ttlMs)),
        () => after(incrementTx.immediate(key, ttlMs)),
      );
    },
    async ping() {
      await read(() => pingStmt.get());
    },
    async close() {
      if (closed) return;
      // What this turn wrote is committed first.
      batch.flush();
      closed = true;
      // Clean up expired rows and fold the WAL back into the main file before closing.
      try {
        purgeStmt.run(clock());
      } finally {
        db.close();
      }
    },
  };
}
