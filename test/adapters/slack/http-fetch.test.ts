// The WebClient's fetch on node:http (adapters/slack/http-fetch.ts), against a local server: what it sends, the
// Response it returns, abort and redirect handling. The network is disabled for everything but loopback.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import nock from 'nock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpFetch } from '../../../adapters/slack/http-fetch.ts';

let server: Server;
let base: string;
let seen: { method: string; url: string; headers: IncomingMessage['headers']; body: string }[] = [];
const hang: (() => void)[] = [];

beforeAll(async () => {
  nock.enableNetConnect('127.0.0.1');
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      seen.push({
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      });
      if (req.url === '/redirect') {
        res.writeHead(302, { location: '/elsewhere' });
        res.end();
      } else if (req.url === '/hang') {
        hang.push(() => res.end());
      } else if (req.url === '/empty') {
        res.writeHead(204);
        res.end();
      } else {
        res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'x-oauth-scopes': 'chat:write' });
        res.end('{"ok":true}');
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  for (const h of hang) h();
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
});

describe('http fetch for the Web API', () => {
  it('posts a form body with its headers and returns a Response with status, headers and text', async () => {
    seen = [];
    const f = createHttpFetch();
    const res = await f(`${base}/api/chat.postMessage`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: 'Bearer xoxb-1' },
      body: new URLSearchParams({ channel: 'C1', text: 'hé' }),
      redirect: 'error',
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-oauth-scopes')).toBe('chat:write');
    expect(await res.json()).toEqual({ ok: true });
    expect(seen[0]).toMatchObject({ method: 'POST', url: '/api/chat.postMessage', body: 'channel=C1&text=h%C3%A9' });
    expect(seen[0]?.headers).toMatchObject({ authorization: 'Bearer xoxb-1', 'content-length': '23' });
    // A JSON string body, and Headers as input.
    const again = await f(`${base}/api/x`, {
      method: 'POST',
      headers: new Headers({ 'content-type': 'application/json' }),
      body: '{"a":"é"}',
    });
    expect(await again.text()).toBe('{"ok":true}');
    expect(seen[1]?.headers['content-length']).toBe(String(Buffer.byteLength('{"a":"é"}')));
    expect((await f(`${base}/empty`, { method: 'POST' })).status).toBe(204);
    f.destroy();
  });

  it("refuses a redirect when redirect is 'error', and rejects when its signal aborts", async () => {
    const f = createHttpFetch();
    await expect(f(`${base}/redirect`, { method: 'POST', redirect: 'error' })).rejects.toThrow(/redirect/);
    const controller = new AbortController();
    const pending = f(`${base}/hang`, { method: 'POST', body: 'x', signal: controller.signal });
    // Abort once the server holds the request (event-driven, no timer).
    while (hang.length === 0) await new Promise((r) => setImmediate(r));
    controller.abort(new Error('deadline'));
    await expect(pending).rejects.toThrow('deadline');
    const aborted = new AbortController();
    aborted.abort(new Error('already'));
    await expect(f(`${base}/api/x`, { method: 'POST', signal: aborted.signal })).rejects.toThrow('already');
    f.destroy();
  });
});
