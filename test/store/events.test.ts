import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ErrorCode, MlopsGuideError } from '../../src/errors.ts';
import { createMemoryEventStore } from '../../src/store/events-memory.ts';
import { createSqliteEventStore } from '../../src/store/events-sqlite.ts';
import type { BotEvent, EventStore } from '../../src/store/types.ts';

const question = (at: number, text?: string, extra: Partial<BotEvent> = {}): BotEvent =>
  ({
    type: 'question',
    at,
    platform: 'slack',
    userHash: 'u1',
    answerId: `a${at}`,
    abstained: false,
    confidence: 0.8,
    ...(text === undefined ? {} : { text }),
    ...extra,
  }) as BotEvent;
const feedback = (at: number): BotEvent => ({
  type: 'feedback',
  at,
  platform: 'teams',
  userHash: 'u2',
  answerId: 'a1',
  rating: 'down',
  reason: 'outdated',
});
const walk = (at: number): BotEvent => ({
  type: 'walkthrough',
  at,
  platform: 'slack',
  userHash: 'u1',
  flow: 'infra',
  event: 'finished',
  outcome: 'cloud',
});
const miss = (at: number): BotEvent => ({
  type: 'catalog-miss',
  at,
  platform: 'cli',
  userHash: 'u3',
  query: 'wafer maps',
});

const codeOf = async (p: Promise<unknown>) => {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(MlopsGuideError);
  return (err as MlopsGuideError).code;
};

let tmp: string;
beforeEach(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'events-'));
});
afterEach(async () => {
  await rm(tmp, { recursive: true, force: true });
});

const stores: [string, (clock?: () => number) => EventStore][] = [
  ['memory', (clock) => createMemoryEventStore(clock)],
  ['sqlite', (clock) => createSqliteEventStore(join(tmp, 'events.db'), clock ? { clock } : {})],
];

describe.each(stores)('%s event store', (_name, make) => {
  let store: EventStore;
  beforeEach(() => {
    store = make();
  });
  afterEach(async () => {
    await store.close();
  });

  it('records events and lists them oldest first, payloads intact', async () => {
    await store.record(walk(300));
    await store.record(question(100, 'What is drift?', { topSourceId: 'property-drift' }));
    await store.record(feedback(200));
    await store.record(miss(300));
    expect(await store.list()).toEqual([
      question(100, 'What is drift?', { topSourceId: 'property-drift' }),
      feedback(200),
      walk(300),
      miss(300),
    ]);
  });

  it('filters by time (inclusive) and by types', async () => {
    for (const e of [question(100, 'q'), feedback(200), walk(300), miss(400)]) await store.record(e);
    expect((await store.list({ since: 200 })).map((e) => e.at)).toEqual([200, 300, 400]);
    expect((await store.list({ types: ['feedback', 'catalog-miss'] })).map((e) => e.type)).toEqual([
      'feedback',
      'catalog-miss',
    ]);
    expect((await store.list({ since: 250, types: ['question', 'walkthrough'] })).map((e) => e.at)).toEqual([300]);
    expect(await store.list({ types: [] })).toHaveLength(4);
  });

  it('keeps question events without text (STORE_QUESTION_TEXT=false)', async () => {
    await store.record(question(1));
    const [stored] = await store.list();
    expect(stored).toEqual(question(1));
    expect(stored && 'text' in stored).toBe(false);
  });

  it('purges records older than a time and says how many', async () => {
    for (const at of [100, 200, 300]) await store.record(question(at, 'q'));
    expect(await store.purgeOlderThan(250)).toBe(2);
    expect((await store.list()).map((e) => e.at)).toEqual([300]);
    expect(await store.purgeOlderThan(250)).toBe(0);
  });

  it('is not changed when the caller mutates a recorded or listed event', async () => {
    const e = question(1, 'original') as Extract<BotEvent, { type: 'question' }>;
    await store.record(e);
    e.text = 'changed';
    const [listed] = (await store.list()) as Extract<BotEvent, { type: 'question' }>[];
    expect(listed?.text).toBe('original');
    if (listed) listed.text = 'changed again';
    expect(((await store.list())[0] as { text?: string }).text).toBe('original');
  });

  it('stamps an event recorded without a time with the clock', async () => {
    await store.close();
    store = make(() => 4242);
    const { at: _drop, ...withoutAt } = question(0, 'q');
    await store.record(withoutAt as BotEvent);
    expect((await store.list())[0]?.at).toBe(4242);
  });

  it('refuses malformed events and filters with InputInvalid, storing nothing', async () => {
    expect(await codeOf(store.record({ type: 'question', at: 1 } as BotEvent))).toBe(ErrorCode.InputInvalid);
    expect(await codeOf(store.record({ ...feedback(1), rating: 'meh' } as unknown as BotEvent))).toBe(
      ErrorCode.InputInvalid,
    );
    expect(await codeOf(store.record({ ...miss(1), type: 'unknown' } as unknown as BotEvent))).toBe(
      ErrorCode.InputInvalid,
    );
    expect(await codeOf(store.record(null as unknown as BotEvent))).toBe(ErrorCode.InputInvalid);
    expect(await codeOf(store.record({ ...miss(1), at: Number.NaN }))).toBe(ErrorCode.InputInvalid);
    expect(await codeOf(store.list({ types: ['nope' as 'question'] }))).toBe(ErrorCode.InputInvalid);
    expect(await codeOf(store.list({ since: Number.NaN }))).toBe(ErrorCode.InputInvalid);
    expect(await codeOf(store.purgeOlderThan(Number.NaN))).toBe(ErrorCode.InputInvalid);
    expect(await store.list()).toEqual([]);
  });

  it('pings while open and reports StoreUnavailable once closed (close twice is fine)', async () => {
    await expect(store.ping()).resolves.toBeUndefined();
    // The readiness write probe writes without adding an event.
    await expect(store.probeWrite()).resolves.toBeUndefined();
    expect(await store.list()).toEqual([]);
    await store.close();
    await store.close();
    expect(await codeOf(store.ping())).toBe(ErrorCode.StoreUnavailable);
    expect(await codeOf(store.probeWrite())).toBe(ErrorCode.StoreUnavailable);
    expect(await codeOf(store.record(miss(1)))).toBe(ErrorCode.StoreUnavailable);
    expect(await codeOf(store.list())).toBe(ErrorCode.StoreUnavailable);
  });
});

describe('SQLite event store on disk', () => {
  it('creates the directory and keeps events across a reopen', async () => {
    const path = join(tmp, 'nested', 'data', 'events.db');
    const first = createSqliteEventStore(path);
    await first.record(question(1, 'kept?'));
    await first.record(walk(2));
    await first.close();
    const second = createSqliteEventStore(path);
    expect(await second.list()).toEqual([question(1, 'kept?'), walk(2)]);
    await second.close();
  });

  it('throws StoreUnavailable with a remedy when the path cannot be a database', async () => {
    const blocker = join(tmp, 'file');
    await writeFile(blocker, 'not a directory');
    let err: unknown;
    try {
      createSqliteEventStore(join(blocker, 'events.db'));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(MlopsGuideError);
    expect((err as MlopsGuideError).code).toBe(ErrorCode.StoreUnavailable);
    expect((err as MlopsGuideError).remedy).toMatch(/DATA_DIR/);
  });

  it('throws StoreUnavailable for a file that is not a SQLite database', async () => {
    const path = join(tmp, 'garbage.db');
    await writeFile(path, 'this is not sqlite '.repeat(100));
    expect(() => createSqliteEventStore(path)).toThrow(MlopsGuideError);
  });

  it('works in memory (":memory:")', async () => {
    const store = createSqliteEventStore(':memory:');
    await store.record(miss(5));
    expect(await store.list()).toEqual([miss(5)]);
    await store.close();
  });
});
