import { describe, expect, it } from 'vitest';
import { createWorkQueue } from '../../../adapters/slack/work-queue.ts';
import { memoryLogger, until } from './harness.ts';

const deferred = () => {
  let resolve: () => void = () => {};
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
};

describe('work queue (work after the ack)', () => {
  it('runs at most `concurrency` jobs at once and all of them eventually', async () => {
    const q = createWorkQueue({ concurrency: 2, maxQueued: 10, logger: memoryLogger() });
    let running = 0;
    let peak = 0;
    const gates = Array.from({ length: 5 }, deferred);
    const done: number[] = [];
    for (const [i, g] of gates.entries()) {
      q.push(`job${i}`, async () => {
        running++;
        peak = Math.max(peak, running);
        await g.promise;
        running--;
        done.push(i);
      });
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

  it('refuses work beyond maxQueued and logs it', () => {
    const logger = memoryLogger();
    const q = createWorkQueue({ concurrency: 1, maxQueued: 1, logger });
    const never = () => new Promise<void>(() => {});
    expect(q.push('a', never)).toBe(true); // running
    expect(q.push('b', never)).toBe(true); // queued
    expect(q.push('c', never)).toBe(false);
    expect(logger.lines.some((l) => l.level === 'warn' && /queue full/.test(l.msg ?? ''))).toBe(true);
  });

  it('a failing job is logged and does not stop the queue', async () => {
    const logger = memoryLogger();
    const q = createWorkQueue({ concurrency: 1, maxQueued: 10, logger });
    let ran = false;
    q.push('bad', async () => {
      throw new Error('bug');
    });
    q.push('good', async () => {
      ran = true;
    });
    await q.drain(5000);
    expect(ran).toBe(true);
    expect(logger.lines.some((l) => l.level === 'error')).toBe(true);
  });

  it('drain returns at once when idle and gives up after its timeout', async () => {
    const q = createWorkQueue({ concurrency: 1, maxQueued: 10, logger: memoryLogger() });
    await q.drain(10);
    q.push('stuck', () => new Promise<void>(() => {}));
    await q.drain(10);
    expect(q.size).toBe(1);
  });
});
