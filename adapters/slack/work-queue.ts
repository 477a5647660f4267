// Work that runs after Slack's ack (answering, posting). Slack wants the HTTP 200 within 3 seconds and retries
// otherwise, so acks must not wait behind a burst of answers: each job starts on a later turn of the event loop
// (setImmediate lets pending requests be read and acked first), at most `concurrency` jobs run at once (which
// also caps the load on an LLM backend), and an overload beyond `maxQueued` is refused and logged, not
// buffered without bound.
import type { Logger } from '../../src/core/types.ts';

export interface WorkQueue {
  /** Queues a job; false when the queue is full (the job is dropped and logged). */
  push(name: string, job: () => Promise<void>): boolean;
  /** Resolves when every queued and running job has finished, or after timeoutMs. */
  drain(timeoutMs: number): Promise<void>;
  readonly size: number;
}

export function createWorkQueue(options: { concurrency: number; maxQueued: number; logger: Logger }): WorkQueue {
  const { concurrency, maxQueued, logger } = options;
  const queue: { name: string; job: () => Promise<void> }[] = [];
  let running = 0;
  let idle: (() => void)[] = [];

  const settleIdle = () => {
    if (running === 0 && queue.length === 0) {
      const waiters = idle;
      idle = [];
      for (const w of waiters) w();
    }
  };

  const pump = () => {
    while (running < concurrency && queue.length > 0) {
      const next = queue.shift();
      if (!next) break;
      running++;
      setImmediate(() => {
        next
          .job()
          .catch((err: unknown) => {
            // Jobs handle their own failures; this only catches a bug, which must not crash the process.
            logger.error({ job: next.name, err: err instanceof Error ? err.message : String(err) }, 'Slack job failed');
          })
          .finally(() => {
            running--;
            pump();
            settleIdle();
          });
      });
    }
  };

  return {
    push(name, job) {
      if (queue.length >= maxQueued) {
        logger.warn({ job: name, queued: queue.length }, 'Slack work queue full; dropping work');
        return false;
      }
      queue.push({ name, job });
      pump();
      return true;
    },
    async drain(timeoutMs) {
      if (running === 0 && queue.length === 0) return;
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
      return running + queue.length;
    },
  };
}
