// The "posted once" claim for Ask an expert (src/core/escalation-once.ts), against the memory store and a store
// that is down; the adapters' tests drive it with platform payloads.
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/base/index.ts';
import { claimEscalation } from '../../src/core/escalation-once.ts';
import { escalationKey } from '../../src/core/expert.ts';
import { type Escalation, noticeReply } from '../../src/core/reply.ts';
import { ErrorCode, MlopsGuideError } from '../../src/errors.ts';
import { createMemoryKeyValueStore } from '../../src/store/kv-memory.ts';
import type { KeyValueStore } from '../../src/store/types.ts';

const told = noticeReply('info', 'x');
const escalation = (key?: string): Escalation => ({
  to: 'C0EXPERTS',
  post: told,
  delivered: told,
  failed: told,
  already: told,
  ...(key ? { key } : {}),
});

describe('escalationKey', () => {
  it('is the same for the same user, question and channel (case and spacing aside), different otherwise', () => {
    const k = (user: string, q: string, to = 'C0EXPERTS') => escalationKey('salt', 'slack', user, to, { q });
    expect(k('U1', 'Which GPU?')).toBe(k('U1', '  which gpu? '));
    expect(k('U1', 'Which GPU?')).not.toBe(k('U2', 'Which GPU?'));
    expect(k('U1', 'Which GPU?')).not.toBe(k('U1', 'Which CPU?'));
    expect(k('U1', 'Which GPU?')).not.toBe(k('U1', 'Which GPU?', 'C0OTHER'));
    expect(escalationKey('salt', 'slack', 'U1', 'C0EXPERTS', { a: 'ans-1' })).not.toBe(k('U1', 'ans-1'));
    // No user id or question text in the store key.
    expect(k('U1', 'Which GPU?')).toMatch(/^expert:[0-9a-f]{32}$/);
  });
});

describe('claimEscalation', () => {
  it('is fresh once; later claims see the post and its link; a released claim is fresh again', async () => {
    const kv = createMemoryKeyValueStore();
    const first = await claimEscalation(kv, escalation('expert:1'), silentLogger);
    expect(first.fresh).toBe(true);
    expect((await claimEscalation(kv, escalation('expert:1'), silentLogger)).fresh).toBe(false);
    await first.posted('https://acme.slack.com/p1');
    expect(await claimEscalation(kv, escalation('expert:1'), silentLogger)).toMatchObject({
      fresh: false,
      link: 'https://acme.slack.com/p1',
    });

    const other = await claimEscalation(kv, escalation('expert:2'), silentLogger);
    await other.release();
    expect((await claimEscalation(kv, escalation('expert:2'), silentLogger)).fresh).toBe(true);
  });

  it('without a key, or with the store down, the claim is fresh (posting twice beats posting never), and logged', async () => {
    const down = new MlopsGuideError(ErrorCode.StoreUnavailable, 'redis down');
    const kv = {
      setIfAbsent: async () => {
        throw down;
      },
    } as unknown as KeyValueStore;
    const lines: string[] = [];
    const logger = { ...silentLogger, warn: (_o: object, msg?: string) => lines.push(msg ?? '') };
    expect((await claimEscalation(kv, escalation(), logger)).fresh).toBe(true);
    expect((await claimEscalation(kv, escalation('expert:1'), logger)).fresh).toBe(true);
    expect(lines).toEqual(['expert escalation de-duplication skipped']);
  });
});
