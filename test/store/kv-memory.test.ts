import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/errors.ts';
import { createMemoryKeyValueStore } from '../../src/store/kv-memory.ts';

describe('memory key/value store', () => {
  it('stores copies with expiry, dedupes and counts', async () => {
    let now = 1000;
    const kv = createMemoryKeyValueStore(() => now);
    const value = { step: 'a', answers: ['x'] };
    await kv.set('k', value, 100);
    value.answers.push('mutated');
    expect(await kv.get('k')).toEqual({ step: 'a', answers: ['x'] });
    now += 100;
    expect(await kv.get('k')).toBeUndefined();

    expect(await kv.setIfAbsent('evt', 1, 50)).toBe(true);
    expect(await kv.setIfAbsent('evt', 1, 50)).toBe(false);
    now += 50;
    expect(await kv.setIfAbsent('evt', 1, 50)).toBe(true);

    expect(await kv.increment('n', 10)).toBe(1);
    expect(await kv.increment('n', 10)).toBe(2);
    now += 10;
    expect(await kv.increment('n', 10)).toBe(1);
    await kv.delete('n');
    expect(await kv.get('n')).toBeUndefined();
  });

  it('reports unavailable after close', async () => {
    const kv = createMemoryKeyValueStore();
    await kv.close();
    await expect(kv.ping()).rejects.toMatchObject({ code: ErrorCode.StoreUnavailable });
  });
});
