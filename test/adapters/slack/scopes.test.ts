// Minimal scopes (issue 11): every scope in the manifests is needed by a call or an event the adapter makes or
// handles (adapters/slack/scopes.ts says which), and every Web API call the adapter makes is covered.
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  ASSISTANT_SCOPES,
  BOT_SCOPES,
  SCOPELESS_EVENTS,
  SCOPELESS_METHODS,
  type ScopeUse,
} from '../../../adapters/slack/scopes.ts';

// biome-ignore lint/suspicious/noExplicitAny: manifests are loosely typed YAML
type Json = Record<string, any>;
const dir = new URL('../../../adapters/slack/', import.meta.url);
const manifest = (name: string) => parse(readFileSync(new URL(name, dir), 'utf8')) as Json;
const base = manifest('manifest.yaml');
const aiApp = manifest('manifest-ai-app.yaml');
const source = readdirSync(dir)
  .filter((f) => f.endsWith('.ts'))
  .map((f) => readFileSync(new URL(f, dir), 'utf8'))
  .join('\n');

const methodsOf = (table: Readonly<Record<string, ScopeUse>>) => Object.values(table).flatMap((u) => u.methods ?? []);
const eventsOf = (table: Readonly<Record<string, ScopeUse>>) => Object.values(table).flatMap((u) => u.events ?? []);
/** A method is used when the adapter calls it on the client, or names it to callSlack (Bolt's assistant helpers). */
const used = (method: string) => source.includes(`client.${method}(`) || source.includes(`'${method}'`);

describe('Slack scopes', () => {
  it('manifest.yaml asks for exactly the scopes in the table, each with a reason', () => {
    expect([...base.oauth_config.scopes.bot].sort()).toEqual(Object.keys(BOT_SCOPES).sort());
    for (const [scope, use] of Object.entries(BOT_SCOPES)) {
      expect(use.methods?.length || use.events?.length || use.other, scope).toBeTruthy();
    }
    expect(base.oauth_config.scopes.bot).not.toContain('im:read');
  });

  it('every method a scope is kept for is really called, and every call the adapter makes is covered', () => {
    for (const method of [...methodsOf(BOT_SCOPES), ...methodsOf(ASSISTANT_SCOPES), ...SCOPELESS_METHODS]) {
      if (method === 'apps.connections.open') continue; // called by Bolt's Socket Mode receiver with the app token
      expect(used(method), method).toBe(true);
    }
    const covered = new Set([...methodsOf(BOT_SCOPES), ...methodsOf(ASSISTANT_SCOPES), ...SCOPELESS_METHODS]);
    const calls = [...source.matchAll(/client\.([a-z]+\.[a-zA-Z]+(?:\.[a-zA-Z]+)?)\(/g)].map((m) => m[1] as string);
    expect(calls.length).toBeGreaterThan(5);
    for (const call of calls)
      expect(covered.has(call), `${call} needs an entry in adapters/slack/scopes.ts`).toBe(true);
  });

  it('every subscribed event is handled through a scope in the table (or needs none), and every event scope is subscribed', () => {
    for (const [m, table] of [
      [base, BOT_SCOPES],
      [aiApp, { ...BOT_SCOPES, ...ASSISTANT_SCOPES }],
    ] as const) {
      const events: string[] = m.settings.event_subscriptions.bot_events;
      const known = new Set([...eventsOf(table), ...SCOPELESS_EVENTS]);
      for (const e of events) expect(known.has(e), e).toBe(true);
      for (const e of eventsOf(table)) expect(events, e).toContain(e);
    }
  });

  it('manifest-ai-app.yaml is manifest.yaml plus the assistant view, assistant:write and the assistant events', () => {
    expect([...aiApp.oauth_config.scopes.bot].sort()).toEqual(
      Object.keys({ ...BOT_SCOPES, ...ASSISTANT_SCOPES }).sort(),
    );
    expect(aiApp.features.assistant_view.assistant_description.length).toBeGreaterThan(10);
    const stripped: Json = structuredClone(aiApp);
    delete stripped.features.assistant_view;
    stripped.oauth_config.scopes.bot = stripped.oauth_config.scopes.bot.filter((s: string) => !(s in ASSISTANT_SCOPES));
    stripped.settings.event_subscriptions.bot_events = stripped.settings.event_subscriptions.bot_events.filter(
      (e: string) => !e.startsWith('assistant_thread_'),
    );
    expect(stripped).toEqual(base);
  });
});
