// The runtime holder's watcher: a change already covered by a build that started after it (an `admin reload` typed
// right after saving) is not built a second time; a change during a build still is. The file-system watcher is a
// stand-in the test fires, and the debounce runs on fake timers, so nothing here depends on timing.
import { EventEmitter } from 'node:events';
import type { watch } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { KnowledgeRuntime } from '../../src/core/bot.ts';
import { createRuntimeHolder } from '../../src/core/runtime.ts';

/** A runtime whose knowledge names its build. */
const runtime = (n: number) => ({ kb: { entries: Array.from({ length: n }) } }) as unknown as KnowledgeRuntime;

function setup() {
  let change: (() => void) | undefined;
  const fakeWatch = ((_dir: string, _options: unknown, listener: () => void) => {
    change = listener;
    return Object.assign(new EventEmitter(), { close: () => undefined });
  }) as unknown as typeof watch;
  /** Each build waits until the test finishes it. */
  const builds: { finish: () => void }[] = [];
  const holder = createRuntimeHolder(
    runtime(0),
    () =>
      new Promise<KnowledgeRuntime>((resolve) => {
        const n = builds.length + 1;
        builds.push({ finish: () => resolve(runtime(n)) });
      }),
    { watchFs: fakeWatch },
  );
  const stop = holder.watch('/knowledge', { debounceMs: 300 });
  const fsChange = () => change?.();
  return { holder, builds, stop, fsChange };
}

/** Lets the promise chain of a finished build run (microtasks only: the timers are fake). */
const settle = async () => {
  for (let i = 0; i < 10; i++) await Promise.resolve();
};

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('runtime holder watcher', () => {
  it('reloads once after a change (debounced)', async () => {
    const { holder, builds, stop, fsChange } = setup();
    fsChange();
    fsChange();
    expect(builds).toHaveLength(0);
    vi.advanceTimersByTime(300);
    expect(builds).toHaveLength(1);
    builds[0]?.finish();
    await settle();
    expect(holder.current().kb.entries).toHaveLength(1);
    expect(holder.reloads.ok).toBe(1);
    stop();
  });

  it('does not build again for a change an admin reload that started after it already reads', async () => {
    const { holder, builds, stop, fsChange } = setup();
    fsChange();
    const admin = holder.reload();
    expect(builds).toHaveLength(1);
    vi.advanceTimersByTime(300); // the watcher's debounce ends during the build
    builds[0]?.finish();
    const result = await admin;
    expect(result.ok).toBe(true);
    await settle();
    expect(builds).toHaveLength(1);
    expect(holder.reloads.ok).toBe(1);
    vi.advanceTimersByTime(10_000);
    expect(builds).toHaveLength(1);
    stop();
  });

  it('still builds again for a change made while a build runs', async () => {
    const { holder, builds, stop, fsChange } = setup();
    const admin = holder.reload();
    fsChange(); // after the build started: it may not have read this change
    vi.advanceTimersByTime(300);
    builds[0]?.finish();
    await settle();
    expect(builds).toHaveLength(2);
    builds[1]?.finish();
    await admin;
    await settle();
    expect(holder.current().kb.entries).toHaveLength(2);
    expect(holder.reloads.ok).toBe(2);
    stop();
  });

  it('reloads for a change after an earlier build finished', async () => {
    const { holder, builds, stop, fsChange } = setup();
    const first = holder.reload();
    builds[0]?.finish();
    await first;
    fsChange();
    vi.advanceTimersByTime(300);
    expect(builds).toHaveLength(2);
    builds[1]?.finish();
    await settle();
    expect(holder.reloads.ok).toBe(2);
    stop();
  });
});
