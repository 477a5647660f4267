import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { verifySlackSignature } from '../../../adapters/slack/verify.ts';

const secret = 's3cret';
const now = 1_715_000_000_000;
const ts = String(now / 1000);
const body = 'token=x&command=%2Fmlops&text=help';
const sign = (b: string, t: string, s = secret) => `v0=${createHmac('sha256', s).update(`v0:${t}:${b}`).digest('hex')}`;

describe('verifySlackSignature', () => {
  const check = (over: Partial<Parameters<typeof verifySlackSignature>[0]>) =>
    verifySlackSignature({
      signingSecret: secret,
      body,
      signature: sign(body, ts),
      timestamp: ts,
      nowMs: now,
      ...over,
    });

  it('accepts a correctly signed, fresh request (string or Buffer body)', () => {
    expect(check({})).toEqual({ ok: true });
    expect(check({ body: Buffer.from(body) })).toEqual({ ok: true });
  });

  it.each([
    ['a wrong secret', { signature: sign(body, ts, 'other') }, 'signature mismatch'],
    ['a tampered body', { body: `${body}&x=1` }, 'signature mismatch'],
    ['a truncated signature', { signature: sign(body, ts).slice(0, 20) }, 'signature mismatch'],
    ['a v1 signature', { signature: sign(body, ts).replace('v0=', 'v1=') }, 'signature mismatch'],
    ['no signature', { signature: undefined }, 'missing signature headers'],
    ['no timestamp', { timestamp: undefined }, 'missing signature headers'],
    ['a non-numeric timestamp', { timestamp: '17e8' }, 'invalid timestamp'],
    ['a timestamp 6 minutes old', { nowMs: now + 6 * 60_000 }, 'timestamp outside the 5-minute window'],
    ['a timestamp 6 minutes ahead', { nowMs: now - 6 * 60_000 }, 'timestamp outside the 5-minute window'],
  ])('rejects %s', (_name, over, reason) => {
    expect(check(over)).toEqual({ ok: false, reason });
  });

  it('accepts a request 4 minutes old', () => {
    expect(check({ nowMs: now + 4 * 60_000 })).toEqual({ ok: true });
  });
});
