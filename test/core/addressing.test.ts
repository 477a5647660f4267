import { describe, expect, it } from 'vitest';
import { threadMessageAddressesBot } from '../../src/core/addressing.ts';

const asker = (text: string, mentionsSomeoneElse = false) =>
  threadMessageAddressesBot({ text, fromAsker: true, mentionsSomeoneElse });

describe('threadMessageAddressesBot (thread etiquette)', () => {
  it('answers a real follow-up question or request from the person who asked the bot', () => {
    expect(asker('and how do I get access to it?')).toEqual({ addressed: true, reason: 'question' });
    expect(asker('what about the models themselves')).toEqual({ addressed: true, reason: 'question' });
    expect(asker('ok, so which one is cheaper?')).toEqual({ addressed: true, reason: 'question' });
    expect(asker('please compare it with lakeFS')).toEqual({ addressed: true, reason: 'request' });
    expect(asker('explain the second point')).toEqual({ addressed: true, reason: 'request' });
    expect(asker('more')).toEqual({ addressed: true, reason: 'request' });
    expect(asker('Und wie bekomme ich Zugriff darauf?')).toEqual({ addressed: true, reason: 'question' });
    expect(asker('zeig mir ein Beispiel')).toEqual({ addressed: true, reason: 'request' });
  });

  it('ignores small talk, even from the asker', () => {
    for (const text of ['thanks!', 'lol', 'ok great', 'Thanks, that helps a lot', '👍', 'cool?', 'who', 'danke!']) {
      expect(asker(text), text).toEqual({ addressed: false, reason: 'small talk' });
    }
    expect(asker('   ')).toEqual({ addressed: false, reason: 'empty' });
  });

  it('ignores a message meant for another person', () => {
    // "<@U0CAROL01> can you check this against our line 3 data?" reads "@U0CAROL01 can you check…" once parsed.
    expect(asker('@U0CAROL01 can you check this against our line 3 data?', true)).toEqual({
      addressed: false,
      reason: 'mentions someone else',
    });
  });

  it('ignores people who never asked the bot in the thread, whatever they write', () => {
    expect(
      threadMessageAddressesBot({ text: 'how do I get access to it?', fromAsker: false, mentionsSomeoneElse: false }),
    ).toEqual({ addressed: false, reason: 'not the asker' });
  });
});
