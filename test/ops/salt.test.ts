// Without USER_HASH_SALT, user ids are hashed with a random salt made once and kept in the state store: not a
// public default, and stable across restarts so stats and gaps stay consistent.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.ts';
import type { Inbound } from '../../src/core/inbound.ts';
import type { BotEvent } from '../../src/store/types.ts';
import { type TempDirs, tempDirs, testConfig } from '../helpers/app.ts';

const question: Inbound = {
  kind: 'message',
  user: { platform: 'slack', id: 'U123' },
  conversation: { platform: 'slack', id: 'D1', isDirect: true },
  text: 'What is data drift?',
};

async function hashAfterOneQuestion(dirs: TempDirs, env: Record<string, string> = {}): Promise<string> {
  const app = await createApp(testConfig(dirs, env));
  try {
    await app.bot.handle(question);
    const events = await app.events.list({ types: ['question'] });
    return (events.at(-1) as BotEvent & { userHash: string }).userHash;
  } finally {
    await app.close();
  }
}

describe('user id salt', () => {
  let dirs: TempDirs;
  beforeAll(() => {
    dirs = tempDirs();
  });
  afterAll(() => dirs.cleanup());

  it('is generated once, kept across restarts, and differs from an explicit salt', async () => {
    const first = await hashAfterOneQuestion(dirs);
    const second = await hashAfterOneQuestion(dirs);
    expect(first).toMatch(/^[0-9a-f]{32}$/);
    expect(second).toBe(first);
    const other = tempDirs();
    try {
      expect(await hashAfterOneQuestion(other)).not.toBe(first);
      expect(await hashAfterOneQuestion(other, { USER_HASH_SALT: 'pepper' })).not.toBe(first);
    } finally {
      other.cleanup();
    }
  });
});
