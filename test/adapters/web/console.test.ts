// The web console at the HTTP level, over the real app: who gets in (loopback, token, trusted proxy), CSRF on
// every POST, the security headers, XSS payloads shown as text on every page, maintainers-only pages, bad input.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONTENT_SECURITY_POLICY } from '../../../adapters/web/index.ts';
import { type App, createApp } from '../../../src/app.ts';
import { loadConfig } from '../../../src/config.ts';
import type { ConfigError } from '../../../src/errors.ts';
import { type TempDirs, tempDirs, testConfig } from '../../helpers/app.ts';
import { buttons, Client, type ConsoleHarness, decode, startConsole } from './harness.ts';

const TOKEN = 'console-test-token-0123456789';
const XSS = `<script>alert("x")</script><img src=x onerror=alert(1)></textarea>'"&`;
const XSS_ESCAPED =
  '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;&lt;/textarea&gt;&#39;&quot;&amp;';
/** Markup that would run or inject if the payload were not escaped. */
const RAW = /<script>alert|<img src=x|onerror=alert\(1\)>/;

let dirs: TempDirs;
let app: App;
const consoles: ConsoleHarness[] = [];
const open = async (env: Record<string, string>, options: { clientAddress?: string } = {}) => {
  const c = await startConsole(env, { ...options, dirs, app });
  consoles.push(c);
  return c;
};

beforeAll(async () => {
  dirs = tempDirs();
  app = await createApp(testConfig(dirs, { RATE_LIMIT_PER_MINUTE: '0' }), { storage: 'memory' });
});

afterAll(async () => {
  for (const c of consoles) await c.close();
  await app?.close();
  dirs?.cleanup();
});

describe('configuration', () => {
  it('is off unless CONSOLE_ENABLED is set, and refuses a short token or a proxy that is not an address', () => {
    expect(loadConfig({}).console).toEqual({
      enabled: false,
      token: undefined,
      trustedProxies: [],
      userHeader: 'x-forwarded-user',
    });
    let problems: string[] = [];
    try {
      loadConfig({ CONSOLE_TOKEN: 'short', CONSOLE_TRUSTED_PROXY: 'proxy.example.com', MAINTAINERS: 'web:x' });
    } catch (err) {
      problems = (err as ConfigError).problems;
    }
    expect(problems.some((p) => p.startsWith('CONSOLE_TOKEN: must be at least 16'))).toBe(true);
    expect(problems.some((p) => p.startsWith('CONSOLE_TRUSTED_PROXY: "proxy.example.com" must be an IP'))).toBe(true);
    expect(problems.some((p) => p.includes('console:alice'))).toBe(true);
    expect(
      loadConfig({ MAINTAINERS: 'console:alice', CONSOLE_TRUSTED_PROXY: '10.0.0.1, ::1' }).console.trustedProxies,
    ).toEqual(['10.0.0.1', '::1']);
  });
});

describe('on loopback without a token', () => {
  let c: ConsoleHarness;
  beforeAll(async () => {
    c = await open({ MAINTAINERS: 'console:local' });
  });

  it('serves the chat with a strict CSP, no inline script, and an HttpOnly SameSite=Strict session cookie', async () => {
    const client = new Client(c.base);
    const page = await client.get('/console/chat');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
    expect(CONTENT_SECURITY_POLICY).toContain("script-src 'self'");
    expect(CONTENT_SECURITY_POLICY).not.toContain('unsafe-inline');
    expect(page.headers.get('x-frame-options')).toBe('DENY');
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    const cookie = page.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/^mg_console=[^;]+; Path=\/console; HttpOnly; SameSite=Strict; Max-Age=\d+$/);
    // Scripts only from files; no inline handlers or style attributes.
    expect(page.text).toContain('<script src="/console/assets/console.js" defer></script>');
    expect(page.text).not.toMatch(/<script>|<script [^>]*>[^<]|\son[a-z]+=|\sstyle=/);
    expect(page.text).toContain('<label for="message">');
    expect(page.text).toContain('aria-live="polite"');
    const js = await client.get('/console/assets/console.js');
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect((await client.get('/console/assets/nope.js')).status).toBe(404);
  });

  it('answers a question with sources and buttons, follows up in the same conversation, and takes 👎 with a reason', async () => {
    const client = new Client(c.base);
    await client.get('/console/chat');
    const first = await client.say('How do I detect model drift?');
    expect(first.html).toContain('<section class="sources" aria-label="Sources">');
    expect(first.html).toMatch(/<a href="\/console\/entry\/[a-z0-9-]+">/);
    const down = buttons(first.html).length;
    expect(down).toBeGreaterThan(0);
    const followUp = await client.say('and how often should we retrain?');
    expect(followUp.id).toBe(first.id + 1);
    expect(followUp.html).toContain('class="reply"');
    // 👎 with a reason: the down value is the hidden choice of the reason form.
    const downValue = decode(/<input type="hidden" name="choice" value="([^"]+)">/.exec(first.html)?.[1] ?? '');
    const thanks = await client.click(downValue, { reason: 'Nothing about retraining cadence' });
    expect(thanks.html).toContain('your reason was passed to the maintainers');
    expect(thanks.html).toContain('👎 Not helpful: Nothing about retraining cadence');
    // The page (no JavaScript) shows the whole conversation.
    const page = await client.get('/console/chat');
    expect(page.text).toContain('How do I detect model drift?');
    expect(page.text).toContain(`id="turn-${thanks.id}"`);
    // The source link opens the entry's page.
    const href = /<a href="(\/console\/entry\/[a-z0-9-]+)">/.exec(first.html)?.[1] ?? '';
    const entry = await client.get(href);
    expect(entry.status).toBe(200);
    expect(entry.text).toContain('<h2 id="entry-sources">Sources</h2>');
  });

  it('works without JavaScript: a form POST redirects back to the chat (303) at the new turn', async () => {
    const client = new Client(c.base);
    await client.get('/console/chat');
    const res = await client.post('/console/chat', { text: 'help' });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toMatch(/^\/console\/chat#turn-\d+$/);
  });

  it('refuses a POST without, with a forged, or with another session’s CSRF token (403), and changes nothing', async () => {
    const client = new Client(c.base);
    await client.get('/console/chat');
    const other = new Client(c.base);
    await other.get('/console/chat');
    for (const token of [null, '', 'forged-token', other.csrf]) {
      const res = await client.post('/console/chat', { text: 'What is drift?', _csrf: token });
      expect(res.status, String(token)).toBe(403);
      expect(res.text).toContain('CSRF check');
    }
    expect((await client.post('/console/chat/new', { _csrf: null })).status).toBe(403);
    expect((await client.post('/console/logout', { _csrf: 'x' })).status).toBe(403);
    expect((await client.post('/console/login', { token: TOKEN, _csrf: null })).status).toBe(403);
    // The header counts as well as the field (what console.js sends).
    const ok = await client.post('/console/chat', { text: 'help', _csrf: null }, { 'x-csrf-token': client.csrf });
    expect(ok.status).toBe(303);
    // Nothing was recorded for the refused posts: the transcript holds only the accepted one.
    const page = await client.get('/console/chat');
    expect(page.text).not.toContain('What is drift?');
  });

  it('shows XSS payloads typed into the chat as text on the chat page, the gaps page and the exports', async () => {
    const client = new Client(c.base);
    await client.get('/console/chat');
    const turn = await client.say(`how do I ${XSS} with quantum bananas`);
    expect(turn.html).not.toMatch(RAW);
    expect(turn.html).toContain(XSS_ESCAPED);
    // A 👎 reason with a payload, on an answer.
    const answer = await client.say('How do I version my training data?');
    const downValue = decode(/<input type="hidden" name="choice" value="([^"]+)">/.exec(answer.html)?.[1] ?? '');
    await client.click(downValue, { reason: XSS });
    // A payload stored as a question (as an event store would hold it from any channel).
    await c.app.events.record({
      type: 'question',
      at: Date.now(),
      platform: 'slack',
      userHash: 'h',
      text: XSS,
      answerId: 'a-xss',
      abstained: true,
      confidence: 0,
    });
    await c.app.events.record({ type: 'catalog-miss', at: Date.now(), platform: 'teams', userHash: 'h', query: XSS });
    for (const path of ['/console/chat', '/console/gaps', '/console/usage']) {
      const page = await client.get(path);
      expect(page.status, path).toBe(200);
      expect(page.text, path).not.toMatch(RAW);
    }
    const gaps = await client.get('/console/gaps');
    expect(gaps.text).toContain(XSS_ESCAPED);
    expect(gaps.text).toContain('<q>&lt;script&gt;');
    const json = await client.get('/console/gaps.json');
    expect(json.headers.get('content-type')).toMatch(/^application\/json/);
    expect(JSON.parse(json.text).groups.some((g: { representative: string }) => g.representative === XSS)).toBe(true);
    const csv = await client.get('/console/gaps.csv');
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(csv.headers.get('content-disposition')).toBe('attachment; filename="knowledge-gaps.csv"');
    expect(csv.text.split('\r\n')[0]).toBe('id,kind,count,last,question,also asked,reasons');
  });

  it('drafts an entry from a gap group as a Markdown download with the users’ questions', async () => {
    const client = new Client(c.base);
    await c.app.events.record({
      type: 'question',
      at: Date.now(),
      platform: 'slack',
      userHash: 'h',
      text: 'How do we label images for defect detection?',
      answerId: 'a-label',
      abstained: true,
      confidence: 0,
    });
    const gaps = await client.get('/console/gaps');
    const href = /<a class="draft" href="([^"]+)"[^>]*>Draft an entry<\/a><\/td><\/tr>/.exec(
      gaps.text.slice(gaps.text.indexOf('How do we label images')),
    )?.[1];
    expect(href).toMatch(/^\/console\/gaps\/[0-9a-f]{12}\/draft\.md$/);
    const draft = await client.get(href ?? '');
    expect(draft.status).toBe(200);
    expect(draft.headers.get('content-type')).toMatch(/^text\/markdown/);
    expect(draft.headers.get('content-disposition')).toMatch(/^attachment; filename="draft-[0-9a-f]{12}\.md"$/);
    expect(draft.text).toContain('  - "How do we label images for defect detection?"');
    expect((await client.get('/console/gaps/000000000000/draft.md')).status).toBe(404);
  });

  it('answers bad input with a clear status: a button it did not make, an empty message, a huge body', async () => {
    const client = new Client(c.base);
    await client.get('/console/chat');
    const forged = await client.post('/console/chat', { choice: 'not json' });
    expect(forged.status).toBe(400);
    expect(forged.text).toBe('That button is not one this console made.');
    expect((await client.post('/console/chat', { text: '   ' })).status).toBe(400);
    expect((await client.post('/console/chat', { text: 'x'.repeat(40_000) })).status).toBe(413);
    expect((await client.get('/console/entry/no-such-entry')).status).toBe(404);
    // Still answering afterwards.
    expect((await client.say('help')).html).toContain('class="reply"');
  });

  it('refuses a request forwarded by a reverse proxy on the same host (X-Forwarded-For) with 401', async () => {
    const client = new Client(c.base, { 'x-forwarded-for': '10.9.8.7' });
    const page = await client.get('/console/chat');
    expect(page.status).toBe(401);
    expect(page.text).toContain('Ask the operator for access');
  });
});

describe('off loopback', () => {
  it('without a token configured: 401 for pages and posts, and nothing else on offer', async () => {
    const c = await open({}, { clientAddress: '10.1.2.3' });
    const client = new Client(c.base);
    const page = await client.get('/console/chat');
    expect(page.status).toBe(401);
    expect(page.text).not.toContain('name="token"');
    expect((await client.post('/console/chat', { text: 'hi' })).status).toBe(401);
    expect((await client.get('/console/gaps.csv')).status).toBe(401);
    // No form to log in with (so no CSRF token either): refused, never a session.
    const login = await client.post('/console/login', { token: TOKEN });
    expect(login.status).toBe(403);
    expect(login.headers.get('location')).toBeNull();
  });

  it('with CONSOLE_TOKEN: 401 until logged in, wrong token refused, log in sets a new session, log out ends it', async () => {
    const c = await open({ CONSOLE_TOKEN: TOKEN, MAINTAINERS: 'console:token' }, { clientAddress: '10.1.2.3' });
    const client = new Client(c.base);
    const refused = await client.get('/console/chat');
    expect(refused.status).toBe(401);
    expect(refused.text).toContain('<label for="token">Console token</label>');
    const before = client.cookies.get('mg_console');
    const wrong = await client.post('/console/login', { token: 'not-the-token-at-all' });
    expect(wrong.status).toBe(401);
    expect(wrong.text).toContain('That token is not right.');
    const ok = await client.post('/console/login', { token: TOKEN });
    expect(ok.status).toBe(303);
    expect(ok.headers.get('location')).toBe('/console/chat');
    expect(client.cookies.get('mg_console')).not.toBe(before);
    const chat = await client.get('/console/chat');
    expect(chat.status).toBe(200);
    expect(chat.text).toContain('Signed in as <strong>token</strong> (maintainer)');
    expect((await client.get('/console/gaps')).status).toBe(200);
    const out = await client.post('/console/logout', {});
    expect(out.status).toBe(303);
    expect(out.headers.get('location')).toBe('/console/login');
    expect((await client.get('/console/chat')).status).toBe(401);
    // A forged cookie is worth nothing.
    const forger = new Client(c.base);
    const body = Buffer.from(JSON.stringify({ sid: 'x', user: 'token', exp: Date.now() + 60_000 })).toString(
      'base64url',
    );
    forger.cookies.set('mg_console', `${body}.forged`);
    expect((await forger.get('/console/chat')).status).toBe(401);
  });
});

describe('behind a trusted SSO proxy (CONSOLE_TRUSTED_PROXY)', () => {
  it('trusts the user header only from the proxy; maintainers by name; others get 403 on the maintainers’ pages', async () => {
    const c = await open({ CONSOLE_TRUSTED_PROXY: '127.0.0.1', MAINTAINERS: 'console:alice' });
    // Loopback no longer lets anyone in: the proxy decides who is who.
    expect((await new Client(c.base).get('/console/chat')).status).toBe(401);
    const alice = new Client(c.base, { 'x-forwarded-user': 'alice' });
    expect((await alice.get('/console/chat')).text).toContain('Signed in as <strong>alice</strong> (maintainer)');
    expect((await alice.get('/console/gaps')).status).toBe(200);
    const bob = new Client(c.base, { 'x-forwarded-user': `bob${XSS}` });
    const bobChat = await bob.get('/console/chat');
    expect(bobChat.status).toBe(200);
    expect(bobChat.text).not.toMatch(RAW);
    expect(bobChat.text).not.toContain('Knowledge gaps</a>');
    for (const path of [
      '/console/gaps',
      '/console/gaps.csv',
      '/console/gaps.json',
      '/console/usage',
      '/console/usage.json',
    ]) {
      const page = await bob.get(path);
      expect(page.status, path).toBe(403);
      expect(page.text, path).not.toMatch(RAW);
    }
    // The header from anywhere else is ignored.
    const elsewhere = await open({ CONSOLE_TRUSTED_PROXY: '10.0.0.1', MAINTAINERS: 'console:alice' });
    expect((await new Client(elsewhere.base, { 'x-forwarded-user': 'alice' }).get('/console/gaps')).status).toBe(401);
  });
});

describe('rate limit', () => {
  it('limits the web chat like the other channels (RATE_LIMIT_PER_MINUTE, per user)', async () => {
    const limited = await createApp(testConfig(dirs, { RATE_LIMIT_PER_MINUTE: '2' }), { storage: 'memory' });
    const c = await startConsole({}, { dirs, app: limited });
    try {
      const client = new Client(c.base);
      await client.get('/console/chat');
      await client.say('help');
      await client.say('help');
      const third = await client.say('help');
      expect(third.html).toMatch(/too many|slow down|a minute/i);
    } finally {
      await c.close();
      await limited.close();
    }
  });
});
