import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/errors.ts';
import { createWalkthroughs, type FlowKey } from '../../src/flows/index.ts';
import { createSqliteKeyValueStore } from '../../src/store/kv-sqlite.ts';
import type { KeyValueStore } from '../../src/store/types.ts';
import { fixtureKnowledge } from '../fixtures/flows/kb.ts';
import { copyable, definitions, optionChoice, stepOf } from '../flows/helpers.ts';

let dir: string;
let now: number;
const clock = () => now;
const open: KeyValueStore[] = [];
const openStore = (path = join(dir, 'nested', 'state.sqlite')) => {
  const s = createSqliteKeyValueStore(path, clock);
  open.push(s);
  return s;
};

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'kv-sqlite-'));
  now = 1_000_000;
});
afterEach(async () => {
  for (const s of open.splice(0)) await s.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('SQLite key/value store', () => {
  it('creates its directory and stores, reads and deletes JSON values', async () => {
    const s = openStore();
    expect(await s.get('missing')).toBeUndefined();
    await s.set('k', { a: 1, list: ['x', null], nested: { ok: true } });
    expect(await s.get('k')).toEqual({ a: 1, list: ['x', null], nested: { ok: true } });
    await s.set('k', 'replaced');
    expect(await s.get('k')).toBe('replaced');
    await s.set('zero', 0);
    expect(await s.get('zero')).toBe(0);
    await s.delete('k');
    expect(await s.get('k')).toBeUndefined();
    await s.delete('never-there');
  });

  it('ignores expired values and keeps values without a ttl', async () => {
    const s = openStore();
    await s.set('short', 1, 1000);
    await s.set('forever', 2);
    now += 999;
    expect(await s.get('short')).toBe(1);
    now += 1;
    expect(await s.get('short')).toBeUndefined();
    now += 10 ** 9;
    expect(await s.get('forever')).toBe(2);
  });

  it('setIfAbsent sets only when the key is absent or expired', async () => {
    const s = openStore();
    expect(await s.setIfAbsent('event:1', true, 1000)).toBe(true);
    expect(await s.setIfAbsent('event:1', true, 1000)).toBe(false);
    now += 1000;
    expect(await s.setIfAbsent('event:1', true, 1000)).toBe(true);
  });

  it('increments a counter that expires ttl after its first increment', async () => {
    const s = openStore();
    expect(await s.increment('rate:u1', 60_000)).toBe(1);
    now += 30_000;
    expect(await s.increment('rate:u1', 60_000)).toBe(2);
    expect(await s.increment('rate:u2', 60_000)).toBe(1);
    now += 30_000;
    expect(await s.increment('rate:u1', 60_000)).toBe(1);
  });

  it('answers setIfAbsent once for concurrent callers on two connections to the same file', async () => {
    const a = openStore();
    const b = openStore();
    const results = await Promise.all([
      a.setIfAbsent('dup', 1, 1000),
      b.setIfAbsent('dup', 2, 1000),
      a.setIfAbsent('dup', 3, 1000),
    ]);
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await a.increment('n', 1000)).toBe(1);
    expect(await b.increment('n', 1000)).toBe(2);
  });

  it('purges expired rows occasionally without losing live ones', async () => {
    const s = openStore();
    for (let i = 0; i < 250; i++) await s.set(`old:${i}`, i, 10);
    await s.set('live', 'yes', 10 ** 9);
    now += 100;
    for (let i = 0; i < 250; i++) await s.set(`new:${i}`, i);
    expect(await s.get('live')).toBe('yes');
    expect(await s.get('old:1')).toBeUndefined();
    expect(await s.get('new:249')).toBe(249);
  });

  it('pings while open and throws StoreUnavailable once closed', async () => {
    const s = openStore();
    await s.ping();
    await s.close();
    await s.close(); // closing twice is harmless
    await expect(s.ping()).rejects.toMatchObject({ code: ErrorCode.StoreUnavailable });
    await expect(s.get('k')).rejects.toMatchObject({ code: ErrorCode.StoreUnavailable });
    await expect(s.set('k', 1)).rejects.toMatchObject({ code: ErrorCode.StoreUnavailable });
  });

  it('reports a path it cannot open as StoreUnavailable with a remedy', () => {
    const file = join(dir, 'a-file');
    writeFileSync(file, 'not a directory');
    expect(() => createSqliteKeyValueStore(join(file, 'state.sqlite'), clock)).toThrow(
      expect.objectContaining({ code: ErrorCode.StoreUnavailable, remedy: expect.stringContaining('DATA_DIR') }),
    );
    const garbage = join(dir, 'garbage.sqlite');
    writeFileSync(garbage, 'this is not a database, just text long enough to not look like an empty file'.repeat(20));
    expect(() => createSqliteKeyValueStore(garbage, clock)).toThrow(
      expect.objectContaining({ code: ErrorCode.StoreUnavailable }),
    );
  });

  it('upgrades a state database of the old WITHOUT ROWID layout in place, keeping its rows and expiries', async () => {
    const path = join(dir, 'old.sqlite');
    const old = new Database(path);
    old.exec(
      'CREATE TABLE kv (key TEXT PRIMARY KEY, value TEXT NOT NULL, expires_at INTEGER) WITHOUT ROWID; ' +
        'CREATE INDEX kv_expires ON kv (expires_at) WHERE expires_at IS NOT NULL;',
    );
    const insert = old.prepare('INSERT INTO kv (key, value, expires_at) VALUES (?, ?, ?)');
    insert.run('flow:abc', JSON.stringify({ step: 'classification' }), null);
    insert.run('rate:u:1', '3', now + 60_000);
    insert.run('gone', '"expired"', now - 1);
    old.close();

    const s = openStore(path);
    expect(await s.get('flow:abc')).toEqual({ step: 'classification' });
    expect(await s.increment('rate:u:1', 60_000)).toBe(4);
    expect(await s.get('gone')).toBeUndefined();
    await s.set('new', { x: 1 }, 1000);
    await s.close();

    const check = new Database(path, { readonly: true });
    const sql = (name: string) =>
      (check.prepare('SELECT sql FROM sqlite_master WHERE name = ?').get(name) as { sql: string } | undefined)?.sql;
    expect(sql('kv')).not.toMatch(/WITHOUT ROWID/i);
    expect(sql('kv_expires')).toBeDefined();
    expect(sql('kv_without_rowid')).toBeUndefined();
    check.close();
    // Opening again changes nothing.
    const again = openStore(path);
    expect(await again.get('new')).toEqual({ x: 1 });
    expect(await again.get('flow:abc')).toEqual({ step: 'classification' });
  });

  it('reports an upgrade that cannot run as StoreUnavailable and keeps the old rows', () => {
    const path = join(dir, 'stuck.sqlite');
    const old = new Database(path);
    old.exec('CREATE TABLE kv (key TEXT PRIMARY KEY, value TEXT NOT NULL, expires_at INTEGER) WITHOUT ROWID;');
    old.prepare('INSERT INTO kv (key, value, expires_at) VALUES (?, ?, ?)').run('flow:abc', '1', null);
    // A table in the way of the rename (as another tool might leave behind): the upgrade fails and rolls back.
    old.exec('CREATE TABLE kv_without_rowid (x)');
    old.close();
    expect(() => createSqliteKeyValueStore(path, clock)).toThrow(
      expect.objectContaining({ code: ErrorCode.StoreUnavailable, remedy: expect.stringContaining('DATA_DIR') }),
    );
    const check = new Database(path, { readonly: true });
    expect(check.prepare('SELECT value FROM kv WHERE key = ?').get('flow:abc')).toEqual({ value: '1' });
    check.close();
  });

  it('keeps a walkthrough across a process restart (close, reopen the same file, continue)', async () => {
    const path = join(dir, 'data', 'state.sqlite');
    const kb = fixtureKnowledge();
    const key: FlowKey = { platform: 'slack', conversationId: 'C1', threadId: '1700000000.000100', userId: 'U1' };
    const defs = await definitions();

    const first = createSqliteKeyValueStore(path, clock);
    const before = createWalkthroughs({ definitions: defs, store: first, knowledge: () => kb, clock });
    const q1 = await before.start(key, 'infra');
    const q2 = await before.onAction(
      key,
      optionChoice(q1, 'confidential').actionId,
      optionChoice(q1, 'confidential').value,
    );
    expect(stepOf(q2)).toBe('policy');
    await first.close();

    now += 60 * 60 * 1000;
    const second = openStore(path);
    const after = createWalkthroughs({ definitions: defs, store: second, knowledge: () => kb, clock });
    const no = optionChoice(q2, 'not-allowed');
    const q3 = await after.onAction(key, no.actionId, no.value);
    expect(stepOf(q3)).toBe('overclassified');
    let reply = q3;
    for (const answer of ['no', 'anywhere', 'none', 'yes', 'high', 'api']) {
      const r = await after.onText(key, answer);
      if (!r.handled) throw new Error(`not handled: ${answer}`);
      reply = r.reply;
    }
    // The option's label as the walkthrough definition words it (a maintainer may reword it).
    const confidential = defs
      .find((d) => d.id === 'infra')
      ?.steps.find((s) => s.id === stepOf(q1))
      ?.options?.find((o) => o.value === 'confidential')?.label;
    expect(confidential).toBeTruthy();
    expect(copyable(reply, 'Decision record')).toContain(`- Data classification: ${confidential}`);
  });
});
