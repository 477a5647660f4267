// In-process EventStore: tests and single-instance runs. Events are lost when the process ends.
import type { Clock } from '../base/index.ts';
import { ErrorCode, MlopsGuideError } from '../errors.ts';
import { validateEvent, validateFilter, validateTime } from './events-schema.ts';
import type { BotEvent, EventStore } from './types.ts';

/** `clock` stamps events recorded without an `at`. */
export function createMemoryEventStore(clock: Clock = Date.now): EventStore {
  let events: { event: BotEvent; seq: number }[] = [];
  let seq = 0;
  let closed = false;
  const assertOpen = () => {
    if (closed) throw new MlopsGuideError(ErrorCode.StoreUnavailable, 'memory event store is closed');
  };

  return {
    async record(event) {
      assertOpen();
      // Copied so a caller mutating its object later can't change what was recorded.
      events.push({ event: structuredClone(validateEvent(event, clock())), seq: seq++ });
    },
    async list(filter) {
      assertOpen();
      validateFilter(filter);
      const types = filter?.types?.length ? new Set(filter.types) : undefined;
      return events
        .filter(
          ({ event }) => (filter?.since === undefined || event.at >= filter.since) && (!types || types.has(event.type)),
        )
        .sort((a, b) => a.event.at - b.event.at || a.seq - b.seq)
        .map(({ event }) => structuredClone(event));
    },
    async purgeOlderThan(at) {
      assertOpen();
      validateTime(at, 'purgeOlderThan');
      const before = events.length;
      events = events.filter(({ event }) => event.at >= at);
      return before - events.length;
    },
    async ping() {
      assertOpen();
    },
    async probeWrite() {
      assertOpen();
    },
    async close() {
      closed = true;
      events = [];
    },
  };
}
