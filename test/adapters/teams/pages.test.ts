// The privacy and terms pages the Teams manifest links to, served by the bot from operator-edited Markdown.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import express from 'express';
import { afterEach, describe, expect, it } from 'vitest';
import { mountPages } from '../../../adapters/teams/pages.ts';
import { startTeamsServer, type TestServer } from './helpers.ts';

let server: TestServer | undefined;
afterEach(async () => {
  await server?.stop();
  server = undefined;
});

describe('GET /privacy and /terms', () => {
  it('serves docs/privacy.md and docs/terms.md as plain HTML with no external assets, and / links to both', async () => {
    server = await startTeamsServer();
    const base = server.url.replace('/api/messages', '');
    for (const [path, heading] of [
      ['/privacy', 'MLOps Guide — privacy'],
      ['/terms', 'MLOps Guide — terms of use'],
    ] as const) {
      const res = await fetch(`${base}${path}`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/text\/html/);
      const html = await res.text();
      expect(html).toContain(`<h1>${heading}</h1>`);
      expect(html).not.toMatch(/<script|<link|src=|@import/i);
    }
    const home = await (await fetch(`${base}/`)).text();
    expect(home).toContain('href="privacy"');
    expect(home).toContain('href="terms"');
  });

  it('shows HTML inside the Markdown as text, and says which file is missing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pages-'));
    try {
      writeFileSync(join(dir, 'privacy.md'), '# Ours\n\n<script>alert(1)</script>\n');
      const app = express();
      mountPages(app, dir);
      const listener = app.listen(0, '127.0.0.1');
      await new Promise((resolve) => listener.once('listening', resolve));
      const { port } = listener.address() as { port: number };
      const privacy = await (await fetch(`http://127.0.0.1:${port}/privacy`)).text();
      expect(privacy).toContain('&lt;script&gt;');
      expect(privacy).not.toContain('<script>');
      const terms = await fetch(`http://127.0.0.1:${port}/terms`);
      expect(terms.status).toBe(404);
      expect(await terms.text()).toContain('terms.md');
      await new Promise((resolve) => listener.close(resolve));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
