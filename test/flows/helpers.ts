// Drives walkthroughs like a user would: start, click buttons, type text; and renders replies as text for
// assertions and transcripts. Answer buttons are clicked by option *value* and expected labels are read from the
// loaded definition: labels are content that maintainers reword (knowledge/walkthroughs/*.yaml), values are the
// contract the conditions and rules use. `relabelledDefinitions()` proves the scenarios survive a rewording.
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { isScalar, parseDocument, visit } from 'yaml';
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

/** Keys in a walkthrough definition whose text is a button label. */
const LABEL_KEYS = new Set(['label', 'offerLabel']);

let relabelled: WalkthroughDefinition[] | undefined;
/**
 * The shipped definitions with every button label reworded, written as YAML to a temporary copy and loaded
 * (so they pass the same checks as `kb check`). New labels share no words with the old ones or with what the
 * scenarios type, so a test that still clicks or matches by label fails on them.
 */
export async function relabelledDefinitions(): Promise<WalkthroughDefinition[]> {
  if (relabelled) return relabelled;
  const dir = mkdtempSync(join(tmpdir(), 'walkthroughs-relabelled-'));
  let n = 0;
  for (const name of readdirSync(WALKTHROUGHS_DIR)) {
    const from = join(WALKTHROUGHS_DIR, name);
    if (!/\.ya?ml$/.test(name)) {
      copyFileSync(from, join(dir, name));
      continue;
    }
    const doc = parseDocument(readFileSync(from, 'utf8'));
    visit(doc, {
      Pair(_key, pair) {
        if (isScalar(pair.key) && LABEL_KEYS.has(String(pair.key.value)) && isScalar(pair.value)) {
          n += 1;
          pair.value.value = `Reworded button ${n}`;
        }
      },
    });
    writeFileSync(join(dir, name), doc.toString());
  }
  try {
    relabelled = await loadWalkthroughs(dir);
  } finally {
    // Loaded eagerly: nothing reads the copy afterwards.
    rmSync(dir, { recursive: true, force: true });
  }
  return relabelled;
}

/** The definitions a scenario suite runs on: as shipped, and with every label reworded. */
export const DEFINITION_SETS: [string, () => Promise<WalkthroughDefinition[]>][] = [
  ['shipped definitions', definitions],
  ['definitions with every label reworded', relabelledDefinitions],
];

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
  definitions: WalkthroughDefinition[];
  /** The label the loaded definition gives an option (`flow` defaults to the one with that step). */
  label(step: string, value: string, flow?: string): string;
  /** The `offerLabel` of a note in the loaded definition. */
  offerLabel(note: string, flow?: string): string;
  store: KeyValueStore;
  events: ReturnType<typeof createFakeEvents>;
  clock: { now: number; fn: Clock };
  key: FlowKey;
}

export async function harness(
  options: { store?: KeyValueStore; clockStart?: number; definitions?: WalkthroughDefinition[] } = {},
): Promise<Harness> {
  const clock = { now: options.clockStart ?? Date.UTC(2026, 4, 4, 9, 0, 0), fn: () => clock.now };
  clock.fn = () => clock.now;
  const store = options.store ?? createMemoryKeyValueStore(() => clock.now);
  const events = createFakeEvents();
  const kb = fixtureKnowledge();
  const defs = options.definitions ?? (await definitions());
  const flows = createWalkthroughs({
    definitions: defs,
    store,
    knowledge: () => kb,
    events,
    clock: () => clock.now,
  });
  return {
    flows,
    definitions: defs,
    label: (step, value, flow) => labelOf(defs, step, value, flow),
    offerLabel: (note, flow) => offerLabelOf(defs, note, flow),
    store,
    events,
    clock,
    key: { platform: 'test', conversationId: 'C1', userId: 'U1' },
  };
}

export function labelOf(defs: readonly WalkthroughDefinition[], step: string, value: string, flow?: string): string {
  for (const def of defs) {
    if (flow !== undefined && def.id !== flow) continue;
    const option = def.steps.find((s) => s.id === step)?.options.find((o) => o.value === value);
    if (option) return option.label;
  }
  throw new Error(`no option ${value} on step ${step}${flow ? ` of ${flow}` : ''}`);
}

function offerLabelOf(defs: readonly WalkthroughDefinition[], note: string, flow?: string): string {
  for (const def of defs) {
    if (flow !== undefined && def.id !== flow) continue;
    const found = def.result.notes?.find((n) => n.id === note)?.offerLabel;
    if (found) return found;
  }
  throw new Error(`no offerLabel on note ${note}`);
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

/** The answer button for an option value (the definition's `value`, or a data set id on the pick step). */
export function optionChoice(reply: Reply, value: string): Choice {
  const answers = allChoices(reply).filter((c) => c.actionId.startsWith('walkthrough:answer'));
  const found = answers.find((c) => (JSON.parse(c.value) as { v?: string }).v === value);
  if (!found) {
    const offered = answers.map((c) => (JSON.parse(c.value) as { v?: string }).v).join(' | ');
    throw new Error(`no option ${value} in: ${offered}`);
  }
  return found;
}

/** Clicks the answer button for an option value. */
export async function choose(h: Harness, reply: Reply, value: string, key: FlowKey = h.key): Promise<Reply> {
  const c = optionChoice(reply, value);
  return h.flows.onAction(key, c.actionId, c.value);
}

/** Clicks a button by its label: for the bot's own controls ("← Back", "Start over"), not definition content. */
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
    case 'input':
      return `[${b.label}: ____] [${b.submitLabel}]`;
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

/** Answers each step the reply shows by clicking the option with the given value, until a step has none. */
export async function answerByClicks(h: Harness, reply: Reply, answers: Record<string, string>): Promise<Reply> {
  let r = reply;
  for (let guard = 0; guard < 20; guard++) {
    const step = stepOf(r);
    const value = step === undefined ? undefined : answers[step];
    if (value === undefined) return r;
    r = await choose(h, r, value);
  }
  throw new Error('too many steps');
}
