// Storage faults degrade, not stop: with a state store and an event store that cannot be written (or not reached
// at all), `help`, commands and answers still work — the rate limit fails open, records are skipped with a log
// line and mlops_guide_store_errors_total{op} — walkthroughs say clearly that they can't continue, and /readyz
// does a real write probe and reports 503 with the reason. Runs the real app (knowledge, walkthroughs) on fakes
// that throw the coded StoreUnavailable the real stores throw.
import nock from 'nock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type App, createApp } from '../../src/app.ts';
import { type Service, startService } from '../../src/cli/serve.ts';
import { WALKTHROUGH_UNAVAILABLE_TEXT } from '../../src/core/bot.ts';
import type { Inbound } from '../../src/core/inbound.ts';
import type { Block, Reply } from '../../src/core/reply.ts';
import { ErrorCode, MlopsGuideError } from '../../src/errors.ts';
import { createMetrics, type Metrics } from '../../src/metrics.ts';
import { createMemoryEventStore } from '../../src/store/events-memory.ts';
import { createMemoryKeyValueStore } from '../../src/store/kv-memory.ts';
import type { EventStore, KeyValueStore } from '../../src/store/types.ts';
import { captureLogger } from '../adapters/teams/helpers.ts';
import { type TempDirs, tempDirs, testConfig } from '../helpers/app.ts';

type Mode = 'ok' | 'no-writes' | 'down';
const down = (what: string) => new MlopsGuideError(ErrorCode.StoreUnavailable, `${what}: disk I/O error (fake)`);

/** A memory store that refuses writes ('no-writes': a full disk) or everything ('down'), as the real ones do. */
function faultyKv(): KeyValueStore & { mode: Mode } {
  const inner = createMemoryKeyValueStore();
  const store = {
    mode: 'ok' as Mode,
    read<T>(call: () => Promise<T>) {
      if (store.mode === 'down') throw down('state store');
      return call();
    },
    write<T>(call: () => Promise<T>) {
      if (store.mode !== 'ok') throw down('state store');
      return call();
    },
  };
  return Object.assign(store, {
    get: <T>(key: string) => store.read(() => inner.get<T>(key)),
    set: <T>(key: string, value: T, ttlMs?: number) => store.write(() => inner.set(key, value, ttlMs)),
    delete: (key: string) => store.write(() => inner.delete(key)),
    setIfAbsent: <T>(key: string, value: T, ttlMs: number) => store.write(() => inner.setIfAbsent(key, value, ttlMs)),
    increment: (key: string, ttlMs: number) => store.write(() => inner.increment(key, ttlMs)),
    ping: () => store.read(() => inner.ping()),
    close: () => inner.close(),
  });
}

function faultyEvents(): EventStore & { mode: Mode } {
  const inner = createMemoryEventStore();
  const events = {
    mode: 'ok' as Mode,
    record: async (e: Parameters<EventStore['record']>[0]) => {
      if (events.mode !== 'ok') throw down('event store');
      return inner.record(e);
    },
    list: async (f?: Parameters<EventStore['list']>[0]) => {
      if (events.mode === 'down') throw down('event store');
      return inner.list(f);
    },
    purgeOlderThan: (at: number) => inner.purgeOlderThan(at),
    ping: async () => {
      if (events.mode === 'down') throw down('event store');
    },
    probeWrite: async () => {
      if (events.mode !== 'ok') throw down('event store');
    },
    close: () => inner.close(),
  };
  return events;
}

const user = { platform: 'slack' as const, id: 'U0FAULTS' };
const conversation = { platform: 'slack' as const, id: 'D0FAULTS', isDirect: true };
const msg = (text: string): Inbound => ({ kind: 'message', user, conversation, text });
const cmd = (command: string, text = ''): Inbound => ({ kind: 'command', user, conversation, command, text });
const textOf = (r: Reply) => r.blocks.map((b: Block) => ('text' in b ? b.text : '')).join('\n');

async function counter(metrics: Metrics, name: string, labels: Record<string, string> = {}): Promise<number> {
  const values = (await metrics.registry.getSingleMetric(name)?.get())?.values ?? [];
  return values
    .filter((v) => Object.entries(labels).every(([k, x]) => v.labels[k] === x))
    .reduce((a, v) => a + v.value, 0);
}

let dirs: TempDirs;
beforeAll(() => {
  dirs = tempDirs();
});
afterAll(() => {
  dirs?.cleanup();
  nock.cleanAll();
});

describe('the bot when its stores fail', () => {
  let app: App;
  let kv: ReturnType<typeof faultyKv>;
  let events: ReturnType<typeof faultyEvents>;
  let metrics: Metrics;
  let logger: ReturnType<typeof captureLogger>;

  beforeAll(async () => {
    kv = faultyKv();
    events = faultyEvents();
    metrics = createMetrics({ defaultMetrics: false });
    logger = captureLogger();
    app = await createApp(testConfig(dirs, { USER_HASH_SALT: 'test-salt', RATE_LIMIT_PER_MINUTE: '30' }), {
      kv,
      events,
      observer: metrics.observer,
      logger,
    });
  });
  afterAll(async () => {
    await app?.close();
  });

  it('cannot write (disk full): help, commands and answers work; the rate limit fails open; records are skipped and counted', async () => {
    kv.mode = 'no-writes';
    events.mode = 'no-writes';
    const help = await app.bot.handle(cmd('help'));
    expect(help.kind).not.toBe('error');
    expect(textOf(help)).not.toMatch(/storage is not reachable/);

    const properties = await app.bot.handle(cmd('properties'));
    expect(properties.kind).not.toBe('error');

    const answer = await app.bot.handle(msg('How do we version training data?'));
    expect(answer.kind).toBe('answer');
    expect(textOf(answer)).toMatch(/version/i);
    // No walkthrough was active (state can still be read): no walkthrough notice on a plain answer.
    expect(textOf(answer)).not.toContain(WALKTHROUGH_UNAVAILABLE_TEXT);

    expect(await counter(metrics, 'mlops_guide_store_errors_total', { op: 'rate_limit' })).toBeGreaterThanOrEqual(3);
    expect(await counter(metrics, 'mlops_guide_store_errors_total', { op: 'event_record' })).toBe(1);
    expect(logger.lines.some((l) => l.level === 'warn' && /store unavailable; carrying on/.test(l.msg ?? ''))).toBe(
      true,
    );
  });

  it('a walkthrough says clearly that it cannot continue', async () => {
    kv.mode = 'no-writes';
    const started = await app.bot.handle(cmd('infra'));
    expect(started.kind).not.toBe('error');
    expect(textOf(started)).toBe(WALKTHROUGH_UNAVAILABLE_TEXT);
    expect(await counter(metrics, 'mlops_guide_store_errors_total', { op: 'walkthrough' })).toBeGreaterThanOrEqual(1);
  });

  it('cannot be reached at all: questions are still answered and say that walkthroughs cannot continue', async () => {
    kv.mode = 'down';
    events.mode = 'down';
    expect((await app.bot.handle(cmd('help'))).kind).not.toBe('error');
    const answer = await app.bot.handle(msg('How do we version training data?'));
    expect(answer.kind).toBe('answer');
    expect(textOf(answer)).toMatch(/version/i);
    expect(textOf(answer)).toContain(WALKTHROUGH_UNAVAILABLE_TEXT);
    expect(await counter(metrics, 'mlops_guide_store_errors_total', { op: 'context_read' })).toBeGreaterThanOrEqual(1);
  });

  it('works normally again when the store is back', async () => {
    kv.mode = 'ok';
    events.mode = 'ok';
    const step = await app.bot.handle(cmd('infra'));
    expect(step.kind).toBe('walkthrough');
    const before = (await events.list()).length;
    await app.bot.handle(msg('How do we version training data?'));
    expect((await events.list()).length).toBeGreaterThan(before);
  });
});

describe('/readyz probes writes', () => {
  let service: Service;
  let kv: ReturnType<typeof faultyKv>;
  let events: ReturnType<typeof faultyEvents>;

  beforeAll(async () => {
    kv = faultyKv();
    events = faultyEvents();
    service = await startService(testConfig(dirs, { USER_HASH_SALT: 'test-salt' }), {
      logger: captureLogger(),
      kv,
      events,
    });
  });
  afterAll(async () => {
    await service?.stop();
  });

  const readyz = async () => {
    const res = await fetch(`http://127.0.0.1:${service.port}/readyz`);
    return { status: res.status, json: (await res.json()) as Record<string, unknown> };
  };

  it('is 503 with the reason when the state store can be read but not written, and 200 again after', async () => {
    expect(await readyz()).toMatchObject({ status: 200, json: { status: 'ready' } });
    kv.mode = 'no-writes';
    const notReady = await readyz();
    expect(notReady.status).toBe(503);
    expect(String(notReady.json.reason)).toMatch(/^state store unreachable or not writable: .*disk I\/O error/);
    kv.mode = 'ok';
    expect((await readyz()).status).toBe(200);
  });

  it('is 503 with the reason when the event store cannot be written', async () => {
    events.mode = 'no-writes';
    const notReady = await readyz();
    expect(notReady.status).toBe(503);
    expect(String(notReady.json.reason)).toMatch(/^event store unreachable or not writable/);
    events.mode = 'ok';
    expect((await readyz()).status).toBe(200);
  });
});
