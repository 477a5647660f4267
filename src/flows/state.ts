// A walkthrough's state and what its buttons carry: the shapes the step function reads and writes, and the
// encoding of a button value (JSON, checked on the way back in because a platform hands it back verbatim).
import { parseJsonObject } from '../base/index.ts';
import type { Choice, Reply } from '../core/reply.ts';
import type { DatasetEntry } from '../knowledge/schema.ts';
import type { KnowledgeBase } from '../knowledge/types.ts';
import type { CatalogMatch } from './catalog.ts';

export const ACTION_PREFIX = 'walkthrough:';

/** `type`: an answer typed into the step's text field (the text arrives beside the value); `none`: "none of these". */
export type ActionKind = 'answer' | 'back' | 'restart' | 'cancel' | 'show' | 'start' | 'type' | 'none';

/** What a walkthrough button carries in Choice.value (JSON): flow, step, state revision, action, answer. */
export interface ActionValue {
  f: string;
  s: string;
  r: number;
  a: ActionKind;
  v?: string;
}

export interface FlowAnswer {
  value: string;
  /** Option label, data set title, or the typed text (shortened). */
  label: string;
  /** Free text as typed (text steps, custom answers, catalog queries). */
  text?: string;
}

export interface DatasetSnapshot {
  id: string;
  title: string;
  classification: DatasetEntry['classification'];
  system: string;
  domain: string;
  owners: DatasetEntry['owners'];
  accessProcedure: string;
  sample: boolean;
}

export interface FlowState {
  v: 1;
  flow: string;
  /** Current step id, or `result` once the result is shown. */
  step: string;
  /** Increases on every move; buttons carry it so stale clicks are recognised. */
  rev: number;
  answers: Record<string, FlowAnswer>;
  /** Steps answered on the way to the current one (for back, and for which answers count). */
  history: string[];
  /** Catalog matches offered on the pick step. */
  candidates?: { id: string; title: string }[];
  dataset?: DatasetSnapshot;
  startedAt: number;
  /** True once the result was shown (the finished event is recorded once). */
  finished?: boolean;
}

export type FlowInput =
  | { kind: 'start'; text?: string }
  /** `text`: what was typed into the card's text field (action `type`). */
  | { kind: 'click'; action: ActionValue; text?: string }
  | { kind: 'text'; text: string };

export interface FlowContext {
  knowledge: KnowledgeBase;
  now: number;
  /** Catalog matches for a text input, when the caller computed them; otherwise advance searches itself. */
  catalog?: CatalogMatch[];
  /**
   * The caller found that the typed text is a question the knowledge answers (the core's domain and decision
   * evidence): on a catalog-search step it is then answered, not searched for.
   */
  knowledgeQuestion?: boolean;
  /** The walkthrough runs in a channel or group chat (typed answers there need a mention or the card's field). */
  shared?: boolean;
}

export type FlowEvent =
  | { type: 'walkthrough'; event: 'started' | 'finished' | 'cancelled'; outcome?: string }
  | { type: 'catalog-miss'; query: string };

export interface AdvanceResult {
  /** undefined = the walkthrough ended (cancelled): delete the stored state. */
  state: FlowState | undefined;
  reply: Reply;
  /** False when typed text was not an answer (e.g. a question): the caller answers it and offers to resume. */
  handled: boolean;
  events: FlowEvent[];
}

export function encodeAction(value: ActionValue): string {
  return JSON.stringify(value);
}

/** Parses a walkthrough button value; undefined when it is not one of ours (or was tampered with). */
export function decodeAction(raw: string): ActionValue | undefined {
  // Not one of our values: the caller answers with a friendly "start again".
  const o = parseJsonObject(raw);
  if (!o) return undefined;
  const kinds: ActionKind[] = ['answer', 'back', 'restart', 'cancel', 'show', 'start', 'type', 'none'];
  if (typeof o.f !== 'string' || typeof o.s !== 'string' || typeof o.r !== 'number') return undefined;
  if (typeof o.a !== 'string' || !kinds.includes(o.a as ActionKind)) return undefined;
  if (o.v !== undefined && typeof o.v !== 'string') return undefined;
  return { f: o.f, s: o.s, r: o.r, a: o.a as ActionKind, ...(typeof o.v === 'string' ? { v: o.v } : {}) };
}

export function actionChoice(
  state: Pick<FlowState, 'flow' | 'step' | 'rev'>,
  a: ActionKind,
  label: string,
  v?: string,
  style?: Choice['style'],
): Choice {
  const value: ActionValue = { f: state.flow, s: state.step, r: state.rev, a, ...(v === undefined ? {} : { v }) };
  // Slack wants action ids unique within a block, so the action (and answer) is part of the id.
  const c: Choice = {
    actionId: `${ACTION_PREFIX}${a}${v === undefined ? '' : `:${v}`}`,
    value: encodeAction(value),
    label,
  };
  if (style) c.style = style;
  return c;
}

export function startChoice(flowId: string, label: string): Choice {
  return actionChoice({ flow: flowId, step: '', rev: 0 }, 'start', label, undefined, 'primary');
}

export function snapshotOf(e: DatasetEntry): DatasetSnapshot {
  return {
    id: e.id,
    title: e.title,
    classification: e.classification,
    system: e.system,
    domain: e.domain,
    owners: e.owners,
    accessProcedure: e.accessProcedure,
    sample: e.sample,
  };
}
