import { describe, expect, it } from 'vitest';
import { createWorkQueue, type DropReason, type WorkJob } from '../../../adapters/slack/work-queue.ts';
import { memoryLogger, until } from './harness.ts';

const deferred = () => {
  let resolve: () => void = () => {};
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
};

/** A job that records whether it ran or was answered "busy" (and why). */
const job = (name: string, run: () => Promise<void>, busy: (reason: DropReason) => void = () => {}): WorkJob => ({
  name,
  run,
  busy: async (reason) => {
    busy(reason);
    return true;
  },
});

const never = () => new Promise<void>(() => {});

describe('work queue (work after the ack)', () => {
  it('runs at most `concurrency` jobs at once and all of them eventually', async () => {
    const q = createWorkQueue({ concurrency: 2, maxQueued: 10, maxWaitMs: 60_000, logger: memoryLogger() });
    let running = 0;
    let peak = 0;
    const gates = Array.from({ length: 5 }, deferred);
    const done: number[] = [];
    for (const [i, g] of gates.entries()) {
      q.push(
        job(`job${i}`, async () => {
          running++;
          peak = Math.max(peak, running);
          await g.promise;
          running--;
          done.push(i);
        }),
      );
    }
    expect(q.size).toBe(5);
    await until(() => running === 2, 'two running jobs');
    gates[0]?.resolve();
    await until(() => done.length === 1 && running === 2, 'the next job to start');
    for (const g of gates) g.resolve();
    await q.drain(5000);
    expect(peak).toBe(2);
    expect(done.sort()).toEqual([0, 1, 2, 3, 4]);
    expect(q.size).toBe(0);
  });

  it('a lower `limit` caps the running jobs while it holds; raised again, waiting jobs start', async () => {
    let cap = 1;
    const q = createWorkQueue({
      concurrency: 3,
      limit: () => cap,
      maxQueued: 10,
      maxWaitMs: 60_000,
      logger: memoryLogger(),
    });
    let running = 0;
    let peak = 0;
    const gates = Array.from({ length: 4 }, deferred);
    for (const [i, g] of gates.entries()) {
      q.push(
        job(`job${i}`, async () => {
          running++;
          peak = Math.max(peak, running);
          await g.promise;
          running--;
        }),
      );
    }
    await until(() => running === 1, 'one running job');
    expect(q.saturated).toBe(true);
    cap = 3;
    gates[0]?.resolve();
    await until(() => running === 3, 'three running once the cap is raised');
    for (const g of gates) g.resolve();
    await q.drain(5000);
    expect(peak).toBe(3);
    expect(q.size).toBe(0);
  });

  it('refuse(): work refused before queueing gets its busy reply, is counted and drained', async () => {
    const dropped: DropReason[] = [];
    const q = createWorkQueue({
      concurrency: 1,
      maxQueued: 10,
      maxWaitMs: 60_000,
      logger: memoryLogger(),
      observer: { dropped: (r) => dropped.push(r) },
    });
    const told = deferred();
    q.refuse(
      'message',
      async () => {
        await told.promise;
        return true;
      },
      'loop_lag',
    );
    expect(q.size).toBe(1);
    told.resolve();
    await q.drain(5000);
    expect(dropped).toEqual(['loop_lag']);
    q.abandon();
    q.refuse('message', async () => true, 'loop_lag');
    expect(q.size).toBe(0);
  });

  it('answers "busy" beyond maxQueued instead of dropping, counts it, and logs "queue full" once per interval', async () => {
    const logger = memoryLogger();
    const dropped: DropReason[] = [];
    const depths: number[] = [];
    let now = 0;
    const q = createWorkQueue({
      concurrency: 1,
      maxQueued: 1,
      maxWaitMs: 60_000,
      logger,
      clock: () => now,
      logIntervalMs: 1000,
      observer: { dropped: (r) => dropped.push(r), depth: (d) => depths.push(d) },
    });
    const busy: string[] = [];
    expect(q.push(job('a', never))).toBe(true); // running
    expect(q.full).toBe(false);
    expect(q.push(job('b', never))).toBe(true); // waiting
    expect(q.full).toBe(true);
    for (const name of ['c', 'd', 'e']) expect(q.push(job(name, never, () => busy.push(name)))).toBe(false);
    await until(() => busy.length === 3, 'three busy replies');
    expect(busy).toEqual(['c', 'd', 'e']);
    expect(dropped).toEqual(['queue_full', 'queue_full', 'queue_full']);
    const fullLines = () => logger.lines.filter((l) => /queue full/.test(l.msg ?? ''));
    expect(fullLines()).toHaveLength(1);
    now = 1001;
    q.push(job('f', never, () => busy.push('f')));
    expect(fullLines()).toHaveLength(2);
    expect(fullLines()[1]?.obj).toMatchObject({ refused: 3 });
    expect(depths.at(-1)).toBe(1);
  });

  it('a busy fallback that finds nothing to answer is not counted as dropped', async () => {
    const dropped: DropReason[] = [];
    const q = createWorkQueue({
      concurrency: 1,
      maxQueued: 1,
      maxWaitMs: 60_000,
      logger: memoryLogger(),
      observer: { dropped: (r) => dropped.push(r) },
    });
    q.push(job('a', never));
    q.push(job('b', never));
    let asked = false;
    q.push({
      name: 'ignored',
      run: never,
      busy: async () => {
        asked = true;
        return false;
      },
    });
    await until(() => asked, 'the busy fallback');
    await new Promise((r) => setImmediate(r));
    expect(dropped).toEqual([]);
  });

  it('a job that waited longer than maxWaitMs gets its busy reply even while every worker is stuck', async () => {
    const dropped: DropReason[] = [];
    const q = createWorkQueue({
      concurrency: 1,
      maxQueued: 10,
      maxWaitMs: 1,
      logger: memoryLogger(),
      observer: { dropped: (r) => dropped.push(r) },
    });
    let ran = false;
    const reasons: DropReason[] = [];
    q.push(job('stuck', never));
    q.push(
      job(
        'late',
        async () => {
          ran = true;
        },
        (r) => reasons.push(r),
      ),
    );
    // Event-driven: the expiry timer fires whenever the machine gets to it; nothing here asserts how fast.
    await until(() => reasons.length === 1, 'the busy reply of the expired job');
    expect(reasons).toEqual(['queue_timeout']);
    expect(ran).toBe(false);
    await until(() => dropped.length === 1, 'the drop to be counted');
    expect(dropped).toEqual(['queue_timeout']);
  });

  it('a failing job is logged and does not stop the queue', async () => {
    const logger = memoryLogger();
    const q = createWorkQueue({ concurrency: 1, maxQueued: 10, maxWaitMs: 60_000, logger });
    let ran = false;
    q.push(
      job('bad', async () => {
        throw new Error('bug');
      }),
    );
    q.push(
      job('good', async () => {
        ran = true;
      }),
    );
    await q.drain(5000);
    expect(ran).toBe(true);
    expect(logger.lines.some((l) => l.level === 'error')).toBe(true);
  });

  it('drain returns at once when idle and gives up after its timeout', async () => {
    const q = createWorkQueue({ concurrency: 1, maxQueued: 10, maxWaitMs: 60_000, logger: memoryLogger() });
    await q.drain(10);
    q.push(job('stuck', never));
    await q.drain(10);
    expect(q.size).toBe(1);
  });

  it('abandon() at the shutdown deadline: waiting jobs never start, later pushes are ignored, all are counted', async () => {
    const q = createWorkQueue({ concurrency: 1, maxQueued: 10, maxWaitMs: 60_000, logger: memoryLogger() });
    const started: string[] = [];
    const busy: string[] = [];
    const gate = deferred();
    for (const name of ['a', 'b', 'c']) {
      q.push(
        job(
          name,
          async () => {
            started.push(name);
            await gate.promise;
          },
          () => busy.push(name),
        ),
      );
    }
    await until(() => started.length === 1, 'the first job to start');
    expect(q.abandon()).toBe(3);
    expect(q.push(job('d', async () => void started.push('d')))).toBe(false);
    // The running job finishing must not start the dropped ones (they would meet closed stores).
    gate.resolve();
    await q.drain(5000);
    expect(started).toEqual(['a']);
    expect(busy).toEqual([]);
    expect(q.size).toBe(0);
  });
});
