// In-process KeyValueStore: tests and single-instance runs. Not shared between processes or replicas.
import type { Clock } from '../base/index.ts';
import { ErrorCode, MlopsGuideError } from '../errors.ts';
import type { KeyValueStore } from './types.ts';

interface Slot {
  value: unknown;
  expiresAt: number | undefined;
}

export function createMemoryKeyValueStore(clock: Clock = Date.now): KeyValueStore {
  const slots = new Map<string, Slot>();
  let closed = false;

  const live = (key: string): Slot | undefined => {
    const slot = slots.get(key);
    if (!slot) return undefined;
    if (slot.expiresAt !== undefined && slot.expiresAt <= clock()) {
      slots.delete(key);
      return undefined;
    }
    return slot;
  };
  const assertOpen = () => {
    if (closed) throw new MlopsGuideError(ErrorCode.StoreUnavailable, 'memory store is closed');
  };
  // Values are copied so callers can't mutate stored state by accident (same semantics as the persistent stores).
  const copy = <T>(value: T): T => (value === undefined ? value : structuredClone(value));

  return {
    async get<T>(key: string) {
      assertOpen();
      return copy(live(key)?.value as T | undefined);
    },
    async set<T>(key: string, value: T, ttlMs?: number) {
      assertOpen();
      slots.set(key, { value: copy(value), expiresAt: ttlMs === undefined ? undefined : clock() + ttlMs });
    },
    async delete(key: string) {
      assertOpen();
      slots.delete(key);
    },
    async setIfAbsent<T>(key: string, value: T, ttlMs: number) {
      assertOpen();
      if (live(key)) return false;
      slots.set(key, { value: copy(value), expiresAt: clock() + ttlMs });
      return true;
    },
    async increment(key: string, ttlMs: number) {
      assertOpen();
      const slot = live(key);
      if (!slot) {
        slots.set(key, { value: 1, expiresAt: clock() + ttlMs });
        return 1;
      }
      slot.value = Number(slot.value) + 1;
      return slot.value as number;
    },
    async ping() {
      assertOpen();
    },
    async close() {
      closed = true;
      slots.clear();
    },
  };
}
