// Opening a better-sqlite3 database the way every store here needs it: directory created, WAL (readers run
// beside the one writer), a busy timeout (another process, e.g. `kb gaps`, may hold the lock briefly), and the
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
