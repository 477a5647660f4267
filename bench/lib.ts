// Shared by the answer benchmark and the calibration script: question sets, the pass rules, and answering a case as
// the next message of its conversation (`history`).
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Answer, Answerer, ConversationContext } from '../src/answer/types.ts';

export const ROOT = resolve(import.meta.dirname, '..');

export interface Case {
  id: string;
  question: string;
  cat?: string;
  /** Dev set: ids of the entries that are a right first answer. */
  target?: string[];
  /** Public sets: groups of alternatives (regular expressions) that the answer text or a source title must hold. */
  expect?: string[][];
  abstain?: boolean;
  history?: string[];
}

/** The dev set's tuning half: the fixed half and the out-of-scope questions added later for tuning only. */
export const TUNING_FILES = [
  'bench/devset/tune.jsonl',
  'bench/devset/tune-extra.jsonl',
  'bench/devset/german-tune.jsonl',
  'bench/devset/tune-fresh.jsonl',
  'bench/devset/tune-fresh2.jsonl',
];
/** The test half: fixed before any tuning (the German files before the German vocabulary); never tuned on. */
export const TEST_FILES = ['bench/devset/test.jsonl', 'bench/devset/german-test.jsonl'];

export function readCases(path: string | string[]): Case[] {
  if (Array.isArray(path)) return path.filter((p) => existsSync(p)).flatMap((p) => readCases(p));
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as Case);
}

export type Answered = Pick<Answer, 'markdown' | 'abstained' | 'sources' | 'entryIds'>;

/**
 * With `expect` (the public sets): the rule of shared/eval/score.mjs. Otherwise (the dev set): the first entry of
 * the answer is one of the targets.
 * Out-of-scope cases pass when the bot abstained (hard or soft).
 */
export function passes(c: Case, a: Answered): boolean {
  if (c.abstain) return a.abstained;
  if (a.abstained) return false;
  if (c.expect) {
    const text = [a.markdown, ...a.sources.map((s) => s.title)].join(' ').toLowerCase();
    return c.expect.every((g) => g.some((alt) => new RegExp(alt, 'i').test(text)));
  }
  return (c.target ?? []).includes(a.entryIds[0] ?? a.sources[0]?.id ?? '');
}

/** Answers the history first (as the same conversation), then the question, as the bot does in a thread. */
export async function answerInConversation(answerer: Answerer, c: Case): Promise<Answer> {
  const context: ConversationContext = { turns: [] };
  for (const h of c.history ?? []) {
    const a = await answerer.answer(h, context);
    context.turns.push({ question: h, entryIds: a.entryIds });
  }
  return answerer.answer(c.question, context.turns.length > 0 ? context : undefined);
}

export const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? (s[Math.min(s.length - 1, Math.floor(p * s.length))] as number) : Number.NaN;
};

export const wordCount = (markdown: string) =>
  markdown
    .replace(/\[\d+\]/g, '')
    .split(/\s+/)
    .filter((w) => /[\p{L}\p{N}]/u.test(w)).length;
