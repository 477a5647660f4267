// Work that runs after Slack's ack (answering, posting). Slack wants the HTTP 200 within 3 seconds and retries
// otherwise, so acks must not wait behind a burst of answers: each job starts on a later turn of the event loop
// (setImmediate lets pending requests be read and acked first) and at most `concurrency` jobs run at once (which
// also caps the load on an LLM backend).
//
// Slack does not retry work it got its 200 for, so a job that cannot be run must not vanish: the queue is bounded
// by count (`maxQueued`) and by age (`maxWaitMs`: an answer after minutes helps nobody), and a job refused by
// either bound runs its `busy` fallback instead (a short "I'm busy" reply, one Web API call), counted by reason.
// Under a flood the "queue full" warning is logged once per `logIntervalMs` with the number refused meanwhile, not
// once per message (a flood of log lines is a second outage).
import type { Clock, Logger } from '../../src/base/index.ts';

/** Why a job was not run; the `reason` label of mlops_guide_dropped_total. */
export type DropReason = 'queue_full' | 'queue_timeout' | 'loop_lag';

export interface WorkJob {
  name: string;
  run(): Promise<void>;
  /**
   * Tells the user the bot is busy instead of running the job. Resolves true when a user was told (false when the
   * work turned out to need no reply, e.g. a message the bot would have ignored anyway): only those are counted.
   */
  busy(reason: DropReason): Promise<boolean>;
}

/** Hooks for metrics; all optional. */
export interface WorkQueueObserver {
  dropped?(reason: DropReason): void;
  /** Jobs waiting to start (not counting running ones), after every change. */
  depth?(waiting: number): void;
}

export interface WorkQueueOptions {
  concurrency: number;
  /**
   * A lower cap on running jobs for now, asked before each start (default: none). Under overload fewer answers at
   * once keep each turn of the event loop short, so acks are not held behind sixteen answers' work.
   */
  limit?: () => number;
  /** Jobs that may wait; beyond this a new job gets its busy reply at once. */
  maxQueued: number;
  /** A job that waited longer than this gets its busy reply instead of running. */
  maxWaitMs: number;
  logger: Logger;
  observer?: WorkQueueObserver;
  clock?: Clock;
  /** At most one "queue full" warning per this interval (default 60 s). */
  logIntervalMs?: number;
}

export interface WorkQueue {
  /**
   * Queues a job. False when the queue is full: the job's busy fallback runs instead (tracked, so drain waits for
   * it). A caller that can answer "busy" itself (a slash command's ack) checks `full` first.
   */
  push(job: WorkJob): boolean;
  /** True when a push now would be refused. */
  readonly full: boolean;
  /** True when every worker is busy (a new job would wait). */
  readonly saturated: boolean;
  /** Jobs waiting for a worker (not counting running ones). */
  readonly waiting: number;
  /**
   * Refuses work without queueing it (the caller decided early, e.g. shed.ts before Bolt): `busy` runs as a tracked
   * busy reply, counted by `reason` when it resolves true. Ignored after abandon().
   */
  refuse(name: string, busy: () => Promise<boolean>, reason: DropReason): void;
  /** Resolves when every queued and running job (and busy reply) has finished, or after timeoutMs. */
  drain(timeoutMs: number): Promise<void>;
  /** Running and waiting jobs and busy replies in flight. */
  readonly size: number;
  /**
   * Shutdown after the drain deadline: waiting jobs are dropped without running (they would meet closed stores) and
   * later pushes are ignored. Returns how many were given up, running ones included (they cannot be cancelled).
   */
  abandon(): number;
}

export const DEFAULT_LOG_INTERVAL_MS = 60_000;

interface Waiting {
  job: WorkJob;
  enqueuedAt: number;
}

export function createWorkQueue(options: WorkQueueOptions): WorkQueue {
  const { concurrency, maxQueued, maxWaitMs, logger } = options;
  const clock = options.clock ?? Date.now;
  const logIntervalMs = options.logIntervalMs ?? DEFAULT_LOG_INTERVAL_MS;
  const observer = options.observer ?? {};
  const queue: Waiting[] = [];
  let running = 0;
  /** Busy replies in flight: tracked for drain, but they take no worker. */
  let replying = 0;
  let idle: (() => void)[] = [];
  let expiryTimer: NodeJS.Timeout | undefined;
  /** The waiting job the timer is set for: re-armed only when the head of the queue changes. */
  let expiryFor: Waiting | undefined;
  const refusedLog: Partial<Record<DropReason, { lastAt: number; since: number }>> = {};
  let abandoned = false;

  const isIdle = () => running === 0 && replying === 0 && queue.length === 0;
  const limit = options.limit;
  const cap = () => (limit ? Math.max(1, Math.min(concurrency, limit())) : concurrency);
  const isFull = () => queue.length >= maxQueued && running >= cap();
  const settleIdle = () => {
    if (!isIdle()) return;
    const waiters = idle;
    idle = [];
    for (const w of waiters) w();
  };
  const depthChanged = () => observer.depth?.(queue.length);

  /** Runs `work` as a tracked task: drain waits for it, and a bug in it is logged, never thrown. */
  const track = (name: string, work: () => Promise<void>, lane: 'worker' | 'busy') => {
    if (lane === 'worker') running++;
    else replying++;
    setImmediate(() => {
      work()
        .catch((err: unknown) => {
          // Jobs handle their own failures; this only catches a bug, which must not crash the process.
          logger.error({ job: name, err: err instanceof Error ? err.message : String(err) }, 'Slack job failed');
        })
        .finally(() => {
          if (lane === 'worker') running--;
          else replying--;
          pump();
          settleIdle();
        });
    });
  };

  const refuse = (job: WorkJob, reason: DropReason) => {
    // Busy replies do not take a worker: they are one short call and must not wait behind the answers they replace.
    track(
      job.name,
      async () => {
        if (await job.busy(reason)) observer.dropped?.(reason);
      },
      'busy',
    );
  };

  const logFull = () => logRefused('queue_full');
  /** At most one warning per reason and interval, with the number refused meanwhile. */
  const logRefused = (reason: DropReason) => {
    const state = refusedLog[reason] ?? { lastAt: Number.NEGATIVE_INFINITY, since: 0 };
    refusedLog[reason] = state;
    state.since++;
    const now = clock();
    if (now - state.lastAt < logIntervalMs) return;
    if (reason === 'loop_lag')
      logger.warn(
        { refused: state.since, intervalMs: logIntervalMs },
        'Slack event loop lagging; answering "busy" (logged at most once per interval)',
      );
    else
      logger.warn(
        { queued: queue.length, maxQueued, refused: state.since, intervalMs: logIntervalMs },
        'Slack work queue full; answering "busy" (logged at most once per interval)',
      );
    state.lastAt = now;
    state.since = 0;
  };

  /** Refuses the jobs at the head that waited too long (the queue is FIFO: the head is the oldest). */
  const expire = () => {
    const now = clock();
    let expired = 0;
    while (queue.length > 0 && now - (queue[0] as Waiting).enqueuedAt > maxWaitMs) {
      refuse((queue.shift() as Waiting).job, 'queue_timeout');
      expired++;
    }
    if (expired > 0) {
      logger.warn({ expired, maxWaitMs }, 'Slack jobs waited too long; answered "busy"');
      depthChanged();
    }
  };

  /** Keeps one timer for the oldest waiting job, so an expired job is answered even while every worker is stuck. */
  const scheduleExpiry = () => {
    const head = queue[0];
    if (head === expiryFor && (head === undefined || expiryTimer !== undefined)) return;
    clearTimeout(expiryTimer);
    expiryTimer = undefined;
    expiryFor = head;
    if (!head) return;
    const delay = Math.max(0, head.enqueuedAt + maxWaitMs - clock()) + 1;
    expiryTimer = setTimeout(() => {
      expiryTimer = undefined;
      expiryFor = undefined;
      expire();
      scheduleExpiry();
    }, delay);
    // Never keeps the process alive on its own; drain() and shutdown decide when to stop.
    expiryTimer.unref();
  };

  const pump = () => {
    expire();
    let started = false;
    const max = cap();
    while (running < max && queue.length > 0) {
      const next = queue.shift() as Waiting;
      started = true;
      track(next.job.name, () => next.job.run(), 'worker');
    }
    if (started) depthChanged();
    scheduleExpiry();
  };

  return {
    push(job) {
      if (abandoned) return false;
      if (isFull()) {
        logFull();
        refuse(job, 'queue_full');
        return false;
      }
      queue.push({ job, enqueuedAt: clock() });
      depthChanged();
      pump();
      return true;
    },
    get full() {
      return isFull();
    },
    get saturated() {
      return running >= cap();
    },
    get waiting() {
      return queue.length;
    },
    refuse(name, busy, reason) {
      if (abandoned) return;
      logRefused(reason);
      refuse({ name, run: async () => {}, busy }, reason);
    },
    async drain(timeoutMs) {
      if (isIdle()) return;
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        new Promise<void>((resolve) => idle.push(resolve)),
        new Promise<void>((resolve) => {
          timer = setTimeout(resolve, timeoutMs);
        }),
      ]);
      clearTimeout(timer);
    },
    get size() {
      return running + replying + queue.length;
    },
    abandon() {
      abandoned = true;
      const given = running + replying + queue.length;
      queue.length = 0;
      clearTimeout(expiryTimer);
      expiryTimer = undefined;
      expiryFor = undefined;
      depthChanged();
      return given;
    },
  };
}
