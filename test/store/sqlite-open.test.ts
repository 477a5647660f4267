// How every SQLite store opens its file: WAL with synchronous=NORMAL (no fsync per commit, never a corrupt file),
// the schema applied; a path that cannot be opened becomes StoreUnavailable with a remedy.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ErrorCode, MlopsGuideError } from '../../src/errors.ts';
import { openSqlite } from '../../src/store/sqlite.ts';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'mlops-guide-sqlite-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('openSqlite', () => {
  it('opens in WAL mode with synchronous=NORMAL and applies the schema', () => {
    const db = openSqlite(join(dir, 'state', 'x.db'), 'CREATE TABLE IF NOT EXISTS t (k TEXT PRIMARY KEY)', 'test db');
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    // 1 = NORMAL (0 OFF, 2 FULL, 3 EXTRA)
    expect(db.pragma('synchronous', { simple: true })).toBe(1);
    db.prepare('INSERT INTO t VALUES (?)').run('a');
    expect(db.prepare('SELECT count(*) AS n FROM t').get()).toEqual({ n: 1 });
    db.close();
  });

  it('turns a file that is not a database into StoreUnavailable with a remedy', () => {
    const path = join(dir, 'broken.db');
    writeFileSync(path, 'this is not a sqlite file, just text that is long enough to be read as a header');
    let err: unknown;
    try {
      openSqlite(path, 'CREATE TABLE IF NOT EXISTS t (k TEXT)', 'state database');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(MlopsGuideError);
    expect((err as MlopsGuideError).code).toBe(ErrorCode.StoreUnavailable);
    expect((err as MlopsGuideError).message).toMatch(/Cannot open the state database/);
  });
});
