// Group commit (src/store/sqlite-batch.ts): the writes of one event-loop turn share one transaction, in call order;
// a failing batch is re-run operation by operation so each caller gets its own result. Through the real stores too.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ErrorCode, MlopsGuideError } from '../../src/errors.ts';
import { createSqliteEventStore } from '../../src/store/events-sqlite.ts';
import { createSqliteKeyValueStore } from '../../src/store/kv-sqlite.ts';
import { createSqliteBatcher } from '../../src/store/sqlite-batch.ts';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'sqlite-batch-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const wrap = (err: unknown) => new MlopsGuideError(ErrorCode.StoreUnavailable, String(err));

function openDb() {
  const db = new Database(join(dir, 'b.sqlite'));
  db.pragma('journal_mode = WAL');
  db.exec('CREATE TABLE t (k TEXT PRIMARY KEY, v INTEGER NOT NULL)');
  // Counts commits as SQLite sees them: total_changes is per connection, the commit hook is not exposed, so the
  // data_version of a second connection moves once per commit made by the first.
  const watcher = new Database(join(dir, 'b.sqlite'));
  const version = () => Number(watcher.pragma('data_version', { simple: true }));
  return { db, watcher, version };
}

describe('SQLite group commit', () => {
  it('writes made in one turn commit together, once, and each caller gets its own result', async () => {
    const { db, watcher, version } = openDb();
    const batch = createSqliteBatcher(db, wrap);
    const insert = db.prepare('INSERT INTO t (k, v) VALUES (?, ?)');
    const before = version();
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => batch.run(() => insert.run(`k${i}`, i).changes)),
    );
    expect(results).toEqual(Array(20).fill(1));
    expect(batch.commits).toBe(1);
    expect(version() - before).toBe(1);
    expect(db.prepare('SELECT count(*) AS n FROM t').get()).toEqual({ n: 20 });
    db.close();
    watcher.close();
  });

  it('keeps call order: a read called after a pending write sees it', async () => {
    const { db, watcher } = openDb();
    const batch = createSqliteBatcher(db, wrap);
    const insert = db.prepare('INSERT INTO t (k, v) VALUES (?, ?)');
    const select = db.prepare<[string], { v: number }>('SELECT v FROM t WHERE k = ?');
    const write = batch.run(() => insert.run('a', 1));
    const read = batch.run(() => select.get('a')?.v, { read: true });
    await write;
    expect(await read).toBe(1);
    // Nothing pending: a read runs at once.
    expect(await batch.run(() => select.get('a')?.v, { read: true })).toBe(1);
    db.close();
    watcher.close();
  });

  it('a failing operation fails alone: the batch is rolled back and the others run on their own', async () => {
    const { db, watcher } = openDb();
    const batch = createSqliteBatcher(db, wrap);
    const insert = db.prepare('INSERT INTO t (k, v) VALUES (?, ?)');
    const [a, dup, b] = await Promise.allSettled([
      batch.run(() => insert.run('a', 1).changes),
      batch.run(() => insert.run('a', 2).changes), // primary key violation
      batch.run(() => insert.run('b', 3).changes),
    ]);
    expect(a).toEqual({ status: 'fulfilled', value: 1 });
    expect(b).toEqual({ status: 'fulfilled', value: 1 });
    expect(dup.status).toBe('rejected');
    expect((dup as PromiseRejectedResult).reason).toMatchObject({ code: ErrorCode.StoreUnavailable });
    expect(db.prepare('SELECT k, v FROM t ORDER BY k').all()).toEqual([
      { k: 'a', v: 1 },
      { k: 'b', v: 3 },
    ]);
    db.close();
    watcher.close();
  });

  it('the key/value store: concurrent setIfAbsent and increment in one turn stay atomic and ordered', async () => {
    const kv = createSqliteKeyValueStore(join(dir, 'state.sqlite'));
    const sets = await Promise.all(Array.from({ length: 5 }, () => kv.setIfAbsent('event:1', 1, 60_000)));
    expect(sets.filter(Boolean)).toHaveLength(1);
    expect(sets[0]).toBe(true);
    const counts = await Promise.all(Array.from({ length: 5 }, () => kv.increment('rate:x', 60_000)));
    expect(counts).toEqual([1, 2, 3, 4, 5]);
    // Set then get without awaiting the set: the get sees it (call order kept).
    const set = kv.set('k', { a: 1 });
    const got = kv.get('k');
    await set;
    expect(await got).toEqual({ a: 1 });
    // A value changed after set() was called is stored as it was at the call.
    const value = { n: 1 };
    const pending = kv.set('snapshot', value);
    value.n = 2;
    await pending;
    expect(await kv.get('snapshot')).toEqual({ n: 1 });
    // Close commits what is pending.
    void kv.set('last', 1);
    await kv.close();
    const again = createSqliteKeyValueStore(join(dir, 'state.sqlite'));
    expect(await again.get('last')).toBe(1);
    await again.close();
  });

  it('the event store: events recorded in one turn are listed afterwards, in order', async () => {
    const events = createSqliteEventStore(join(dir, 'events.sqlite'));
    const base = { type: 'walkthrough' as const, platform: 'slack', userHash: 'h', flow: 'infra' };
    await Promise.all([
      events.record({ ...base, at: 1, event: 'started' }),
      events.record({ ...base, at: 2, event: 'finished' }),
    ]);
    void events.record({ ...base, at: 3, event: 'cancelled' });
    expect((await events.list()).map((e) => e.at)).toEqual([1, 2, 3]);
    await events.close();
  });
});
