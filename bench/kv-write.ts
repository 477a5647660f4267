// Write cost of the SQLite state database (DATA_DIR/state.sqlite) under the write mix of an answered Slack mention,
// measured while `bench:load --overload` ran (issue 12): per mention an event de-duplication key (tiny), a
// remembered answer (~2.3 kB: the "More" text and its sources), the conversation context (~0.6 kB) and a thread
// record, with ~12 writes per group commit (two mentions per event-loop turn). Random keys (event ids, UUIDs),
// as in the service. Prints main-thread CPU per mention for the table layouts and for the store itself.
//   node bench/kv-write.ts [--mentions N]   (default 30,000; figures only, nothing asserted)
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { createSqliteKeyValueStore } from '../src/store/kv-sqlite.ts';

const { values } = parseArgs({ options: { mentions: { type: 'string', default: '30000' } } });
const N = Number(values.mentions);
const PER_COMMIT = 2;
const answer = {
  question: 'How do we version training data?',
  more: 'w'.repeat(2000),
  sources: [{ id: 'x', title: 't'.repeat(60) }],
};
const context = {
  turns: [{ question: 'q'.repeat(80), entryIds: ['guideline-data-versioning', 'glossary-data-versioning'] }],
  pad: 'c'.repeat(400),
};
const dir = mkdtempSync(join(tmpdir(), 'bench-kv-'));
const out = (s: string) => process.stdout.write(`${s}\n`);
const cpuUs = (c: NodeJS.CpuUsage) => c.user + c.system;

function layout(name: string, ddl: string) {
  const db = new Database(join(dir, `${name}.sqlite`));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec(ddl);
  const select = db.prepare(
    'SELECT value, expires_at FROM kv WHERE key = ? AND (expires_at IS NULL OR expires_at > ?)',
  );
  const upsert = db.prepare(
    'INSERT INTO kv (key, value, expires_at) VALUES (?, ?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at',
  );
  const a = JSON.stringify(answer);
  const c = JSON.stringify(context);
  const commit = db.transaction((i: number) => {
    for (let m = 0; m < PER_COMMIT; m++) {
      const event = `slack:event:${randomUUID()}`;
      if (!select.get(event, Date.now())) upsert.run(event, '1', Date.now() + 3_600_000);
      upsert.run(`answer:${randomUUID()}`, a, Date.now() + 86_400_000);
      upsert.run(`ctx:${(i + m) % 3000}`, c, Date.now() + 86_400_000);
      upsert.run(`slack:thread:${randomUUID()}`, '{"askers":["u"]}', Date.now() + 86_400_000);
    }
  });
  // The first half fills the table; the second is measured (a state database is never empty for long).
  for (let i = 0; i < N / 2; i += PER_COMMIT) commit(i);
  const t = process.cpuUsage();
  for (let i = N / 2; i < N; i += PER_COMMIT) commit(i);
  const us = cpuUs(process.cpuUsage(t)) / (N / 2);
  db.close();
  return us;
}

const TABLE = 'CREATE TABLE kv (key TEXT PRIMARY KEY, value TEXT NOT NULL, expires_at INTEGER)';
const without = layout('without-rowid', `${TABLE} WITHOUT ROWID`);
const rowid = layout('rowid', TABLE);
out(`table layout, raw statements (${N.toLocaleString('en-US')} mentions, ${PER_COMMIT * 4} writes per commit):`);
out(`  WITHOUT ROWID (before 3 Dec 2026)  ${without.toFixed(1)} µs CPU per mention`);
out(
  `  rowid table + key index (now)      ${rowid.toFixed(1)} µs CPU per mention (${((100 * (rowid - without)) / without).toFixed(0)} %)`,
);

const store = createSqliteKeyValueStore(join(dir, 'state.sqlite'));
async function mention(i: number) {
  const event = `slack:event:${randomUUID()}`;
  await store.setIfAbsent(event, 1, 3_600_000);
  await Promise.all([
    store.set(`answer:${randomUUID()}`, answer, 86_400_000),
    store.set(`ctx:${i % 3000}`, context, 86_400_000),
    store.set(`slack:thread:${randomUUID()}`, { askers: ['u'] }, 86_400_000),
  ]);
}
for (let i = 0; i < N / 2; i += PER_COMMIT) await Promise.all([mention(i), mention(i + 1)]);
const t = process.cpuUsage();
for (let i = N / 2; i < N; i += PER_COMMIT) await Promise.all([mention(i), mention(i + 1)]);
out(
  `the store (group commits, ${PER_COMMIT} mentions at a time): ${(cpuUs(process.cpuUsage(t)) / (N / 2)).toFixed(1)} µs CPU per mention`,
);
await store.close();
rmSync(dir, { recursive: true, force: true });
