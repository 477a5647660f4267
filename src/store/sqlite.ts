// Opening a better-sqlite3 database the way every store here needs it: directory created, WAL (readers run
// beside the one writer) with synchronous=NORMAL, a busy timeout (another process, e.g. `kb gaps`, may hold the lock briefly), and the
// schema applied. Any failure becomes StoreUnavailable with a remedy.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { ErrorCode, MlopsGuideError } from '../errors.ts';

export function openSqlite(path: string, schema: string, what: string): Database.Database {
  try {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    const db = new Database(path);
    db.pragma('journal_mode = WAL');
    // In WAL mode NORMAL never corrupts the database; it only skips the fsync per commit (a power cut may lose the
    // last commits: a rate-limit count, a conversation turn, an event). FULL's fsync per write was ~10 % of the
    // answer path's time under load.
    db.pragma('synchronous = NORMAL');
    db.pragma('busy_timeout = 5000');
    db.exec(schema);
    return db;
  } catch (err) {
    throw new MlopsGuideError(
      ErrorCode.StoreUnavailable,
      `Cannot open the ${what} at ${path}: ${err instanceof Error ? err.message : String(err)}`,
      {
        cause: err,
        remedy: 'Check that DATA_DIR exists and is writable by the bot, and that the file is not a damaged database.',
      },
    );
  }
}
