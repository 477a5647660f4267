// SQLite EventStore (the default, in DATA_DIR): one table, JSON payload, indexed by time and type.
// WAL lets the server write while `kb gaps` / `admin stats` read; better-sqlite3 is synchronous, which is fine
// for single-row inserts (tens of microseconds) and keeps ordering simple.
import type { Clock } from '../base/index.ts';
import { ErrorCode, MlopsGuideError } from '../errors.ts';
import { validateEvent, validateFilter, validateTime } from './events-schema.ts';
import { openSqlite } from './sqlite.ts';
import { createSqliteBatcher } from './sqlite-batch.ts';
import type { BotEvent, EventStore } from './types.ts';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS bot_events (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  at INTEGER NOT NULL,
  type TEXT NOT NULL,
  payload TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS bot_events_at ON bot_events (at);
CREATE INDEX IF NOT EXISTS bot_events_type_at ON bot_events (type, at);
CREATE TABLE IF NOT EXISTS write_probe (id INTEGER PRIMARY KEY, at INTEGER NOT NULL);
`;

const unavailable = (message: string, cause?: unknown) =>
  new MlopsGuideError(ErrorCode.StoreUnavailable, message, {
    cause,
    remedy: 'Check that DATA_DIR exists, is writable and is on a local disk (SQLite WAL needs one).',
  });

/** `path` is a file (its directory is created) or ':memory:'. `clock` stamps events recorded without `at`. */
export function createSqliteEventStore(path: string, options: { clock?: Clock } = {}): EventStore {
  const clock = options.clock ?? Date.now;
  const db = openSqlite(path, SCHEMA, 'event store');

  const insert = db.prepare('INSERT INTO bot_events (at, type, payload) VALUES (?, ?, ?)');
  const purge = db.prepare('DELETE FROM bot_events WHERE at < ?');
  const ping = db.prepare('SELECT 1');
  // One row, rewritten: a real write through the same file and WAL as the events, without touching them.
  const probe = db.prepare(
    'INSERT INTO write_probe (id, at) VALUES (1, ?) ON CONFLICT(id) DO UPDATE SET at = excluded.at',
  );

  // Any SQLite failure (closed handle, disk full, file removed) becomes StoreUnavailable; our own coded errors
  // (invalid input) pass through unchanged.
  const run = <T>(what: string, fn: () => T): T => {
    if (!db.open) throw unavailable(`event store at ${path} is closed`);
    try {
      return fn();
    } catch (err) {
      if (err instanceof MlopsGuideError) throw err;
      throw unavailable(`event store ${what} failed: ${err instanceof Error ? err.message : String(err)}`, err);
    }
  };

  // Events recorded in one event-loop turn share one transaction (sqlite-batch.ts): one commit, not one each.
  const batch = createSqliteBatcher(db, (err) =>
    err instanceof MlopsGuideError
      ? err
      : unavailable(`event store record failed: ${err instanceof Error ? err.message : String(err)}`, err),
  );

  return {
    async record(event) {
      // Validated and encoded now (invalid input is refused at once; a caller may change the object later).
      const e = validateEvent(event, clock());
      const payload = JSON.stringify(e);
      if (!db.open) throw unavailable(`event store at ${path} is closed`);
      await batch.run(() => {
        if (!db.open) throw unavailable(`event store at ${path} is closed`);
        insert.run(e.at, e.type, payload);
      });
    },
    async list(filter) {
      return run('list', () => {
        validateFilter(filter);
        // Events recorded just before are part of the answer.
        batch.flush();
        const where: string[] = [];
        const params: (number | string)[] = [];
        if (filter?.since !== undefined) {
          where.push('at >= ?');
          params.push(filter.since);
        }
        if (filter?.types?.length) {
          where.push(`type IN (${filter.types.map(() => '?').join(', ')})`);
          params.push(...filter.types);
        }
        const sql = `SELECT payload FROM bot_events ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY at, id`;
        const rows = db.prepare(sql).all(...params) as { payload: string }[];
        return rows.map((r) => JSON.parse(r.payload) as BotEvent);
      });
    },
    async purgeOlderThan(at) {
      return run('purge', () => {
        validateTime(at, 'purgeOlderThan');
        return purge.run(at).changes;
      });
    },
    async ping() {
      run('ping', () => ping.get());
    },
    async probeWrite() {
      run('write probe', () => probe.run(clock()));
    },
    async close() {
      if (!db.open) return;
      batch.flush();
      db.close();
    },
  };
}
