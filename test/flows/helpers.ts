// Drives walkthroughs like a user would: start, click buttons by label, type text; and renders replies as text
// for assertions and transcripts.
import { resolve } from 'node:path';
import type { Clock } from '../../src/base/index.ts';
import type { Block, Choice, Reply } from '../../src/core/reply.ts';
import {
  createWalkthroughs,
  type FlowKey,
  loadWalkthroughs,
  type WalkthroughDefinition,
  type Walkthroughs,
} from '../../src/flows/index.ts';
import { createMemoryKeyValueStore } from '../../src/store/kv-memory.ts';
import type { BotEvent, EventStore, KeyValueStore } from '../../src/store/types.ts';
import { fixtureKnowledge } from '../fixtures/flows/kb.ts';

export const WALKTHROUGHS_DIR = resolve(import.meta.dirname, '../../knowledge/walkthroughs');

let cached: WalkthroughDefinition[] | undefined;
export async function definitions(): Promise<WalkthroughDefinition[]> {
  cached ??= await loadWalkthroughs(WALKTHROUGHS_DIR);
  return cached;
}

export function createFakeEvents(): EventStore & { events: BotEvent[] } {
  const events: BotEvent[] = [];
  return {
    events,
    async record(e) {
      events.push(e);
    },
    async list() {
      return [...events];
    },
    async purgeOlderThan() {
      return 0;
    },
    async ping() {},
    async probeWrite() {},
    async close() {},
  };
}

export interface Harness {
  flows: Walkthroughs;
  store: KeyValueStore;
  events: ReturnType<typeof createFakeEvents>;
  clock: { now: number; fn: Clock };
  key: FlowKey;
}

export async function harness(options: { store?: KeyValueStore; clockStart?: number } = {}): Promise<Harness> {
  const clock = { now: options.clockStart ?? Date.UTC(2026, 4, 4, 9, 0, 0), fn: () => clock.now };
  clock.fn = () => clock.now;
  const store = options.store ?? createMemoryKeyValueStore(() => clock.now);
  const events = createFakeEvents();
  const kb = fixtureKnowledge();
  const flows = createWalkthroughs({
    definitions: await definitions(),
    store,
    knowledge: () => kb,
    events,
    clock: () => clock.now,
  });
  return { flows, store, events, clock, key: { platform: 'test', conversationId: 'C1', userId: 'U1' } };
}

export function allChoices(reply: Reply): Choice[] {
  return reply.blocks.flatMap((b) => (b.type === 'choices' ? b.choices : []));
}

export function findChoice(reply: Reply, label: string | RegExp): Choice {
  const found = allChoices(reply).find((c) => (typeof label === 'string' ? c.label === label : label.test(c.label)));
  if (!found)
    throw new Error(
      `no choice ${String(label)} in: ${allChoices(reply)
        .map((c) => c.label)
        .join(' | ')}`,
    );
  return found;
}

export async function click(h: Harness, reply: Reply, label: string | RegExp, key: FlowKey = h.key): Promise<Reply> {
  const c = findChoice(reply, label);
  if (!h.flows.ownsAction(c.actionId)) throw new Error(`not a walkthrough action: ${c.actionId}`);
  return h.flows.onAction(key, c.actionId, c.value);
}

export async function type(h: Harness, text: string, key: FlowKey = h.key): Promise<Reply> {
  const r = await h.flows.onText(key, text);
  if (!r.handled) throw new Error(`text not handled: ${text}`);
  return r.reply;
}

function blockText(b: Block): string {
  switch (b.type) {
    case 'heading':
      return `# ${b.text}`;
    case 'markdown':
    case 'plain':
      return b.text;
    case 'notice':
      return `[${b.level}] ${b.text}`;
    case 'fields':
      return b.fields.map((f) => `${f.label}: ${f.value}`).join('\n');
    case 'choices':
      return `${b.prompt ? `${b.prompt} ` : ''}${b.choices.map((c) => `[${c.label}]`).join(' ')}`;
    case 'sources':
      return `Sources: ${b.sources.map((s) => s.id).join(', ')}`;
    case 'copyable':
      return `--- ${b.title} ---\n${b.text}\n---`;
    case 'divider':
      return '-----';
    case 'feedback':
      return '[👍] [👎]';
  }
}

export function text(reply: Reply): string {
  return reply.blocks.map(blockText).join('\n');
}

export function copyable(reply: Reply, title: string): string {
  const b = reply.blocks.find((x) => x.type === 'copyable' && x.title === title);
  if (b?.type !== 'copyable') throw new Error(`no copyable ${title}`);
  return b.text;
}

export const headingOf = (reply: Reply): string => {
  const b = reply.blocks.find((x) => x.type === 'heading');
  return b?.type === 'heading' ? b.text : '';
};

/** The step a reply shows (read from its answer buttons); undefined for results and notices. */
export function stepOf(reply: Reply): string | undefined {
  for (const c of allChoices(reply)) {
    if (!c.actionId.startsWith('walkthrough:answer')) continue;
    const v = JSON.parse(c.value) as { s?: string };
    return v.s;
  }
  return undefined;
}

/** Answers each step the reply shows by clicking the labelled option, until a step has no entry in `answers`. */
export async function answerByClicks(
  h: Harness,
  reply: Reply,
  answers: Record<string, string | RegExp>,
): Promise<Reply> {
  let r = reply;
  for (let guard = 0; guard < 20; guard++) {
    const step = stepOf(r);
    const label = step === undefined ? undefined : answers[step];
    if (label === undefined) return r;
    r = await click(h, r, label);
  }
  throw new Error('too many steps');
}
