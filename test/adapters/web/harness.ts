// The web console on a real HTTP server over the real app (the repo's knowledge, memory stores), and a tiny
// browser-like client: cookies kept, redirects not followed, the CSRF token read from the last page.

import { createAppWebChannel } from '../../../adapters/web/index.ts';
import { type App, createApp } from '../../../src/app.ts';
import { createHttpServer, type HttpServer } from '../../../src/server.ts';
import { type TempDirs, tempDirs, testConfig } from '../../helpers/app.ts';

export interface ConsoleHarness {
  base: string;
  app: App;
  server: HttpServer;
  close(): Promise<void>;
}

/**
 * The console over `app` (or a new one) with the console settings of `env`. `clientAddress`: what the console takes
 * the client's address to be (another machine: '10.1.2.3'). Several consoles may share one app (its index is built
 * once): closing a console closes the app only when the console created it.
 */
export async function startConsole(
  env: Record<string, string> = {},
  options: { clientAddress?: string; dirs?: TempDirs; app?: App } = {},
): Promise<ConsoleHarness> {
  const dirs = options.dirs ?? tempDirs();
  const config = testConfig(dirs, { CONSOLE_ENABLED: 'true', ...env });
  const app = options.app ?? (await createApp(config, { storage: 'memory' }));
  const channel = createAppWebChannel(
    config,
    app,
    options.clientAddress ? { clientAddress: () => options.clientAddress } : {},
  );
  const server = createHttpServer({ host: '127.0.0.1', port: 0, channels: [channel] });
  const { port } = await server.start();
  return {
    base: `http://127.0.0.1:${port}`,
    app,
    server,
    async close() {
      await server.stop();
      if (!options.app) await app.close();
      if (!options.dirs) dirs.cleanup();
    },
  };
}

export interface Page {
  status: number;
  headers: Headers;
  text: string;
}

export class Client {
  readonly cookies = new Map<string, string>();
  csrf = '';
  readonly base: string;
  readonly extraHeaders: Record<string, string>;
  constructor(base: string, extraHeaders: Record<string, string> = {}) {
    this.base = base;
    this.extraHeaders = extraHeaders;
  }

  private async send(path: string, init: RequestInit): Promise<Page> {
    const cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    const res = await fetch(`${this.base}${path}`, {
      ...init,
      redirect: 'manual',
      headers: { ...this.extraHeaders, ...(cookie ? { cookie } : {}), ...(init.headers as Record<string, string>) },
    });
    for (const c of res.headers.getSetCookie()) {
      const [pair = ''] = c.split(';');
      const eq = pair.indexOf('=');
      this.cookies.set(pair.slice(0, eq), pair.slice(eq + 1));
    }
    const text = await res.text();
    const token = /name="_csrf" value="([^"]+)"/.exec(text)?.[1];
    if (token) this.csrf = token;
    return { status: res.status, headers: res.headers, text };
  }

  get(path: string, headers: Record<string, string> = {}): Promise<Page> {
    return this.send(path, { method: 'GET', headers });
  }

  /** A form POST; the CSRF token of the last page is added unless `_csrf` is given (or null: none sent). */
  post(path: string, form: Record<string, string | null>, headers: Record<string, string> = {}): Promise<Page> {
    const body = new URLSearchParams();
    const withToken = '_csrf' in form ? form : { ...form, _csrf: this.csrf };
    for (const [k, v] of Object.entries(withToken)) if (v !== null) body.set(k, v);
    return this.send(path, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    });
  }

  /** Sends a chat message the way console.js does (fetch, JSON back). */
  async say(text: string): Promise<{ id: number; html: string }> {
    const page = await this.post('/console/chat', { text }, { accept: 'application/json' });
    if (page.status !== 200) throw new Error(`chat answered ${page.status}: ${page.text}`);
    return JSON.parse(page.text) as { id: number; html: string };
  }

  async click(choice: string, extra: Record<string, string> = {}): Promise<{ id: number; html: string }> {
    const page = await this.post('/console/chat', { choice, ...extra }, { accept: 'application/json' });
    if (page.status !== 200) throw new Error(`chat answered ${page.status}: ${page.text}`);
    return JSON.parse(page.text) as { id: number; html: string };
  }
}

/** The button values in an HTML fragment (decoded), with their labels. */
export function buttons(html: string): { label: string; value: string }[] {
  const out: { label: string; value: string }[] = [];
  for (const m of html.matchAll(/<button type="submit" name="choice" value="([^"]*)"[^>]*>([^<]*)<\/button>/g)) {
    out.push({ value: decode(m[1] ?? ''), label: decode(m[2] ?? '') });
  }
  return out;
}

export function decode(html: string): string {
  return html
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}
