// The pure step function: advance(definition, state, input, context) → { state, reply, handled, events }.
// No I/O: the service loads state, passes the knowledge base (and catalog matches, if it has them) in `context`,
// then stores the new state and records the events.
import { type Block, block, type Choice, type Reply, type SourceRef } from '../core/reply.ts';
import type { DatasetEntry } from '../knowledge/schema.ts';
import type { KnowledgeBase } from '../knowledge/types.ts';
import { type CatalogMatch, searchCatalog } from './catalog.ts';
import {
  type Condition,
  RESULT_STEP,
  type WalkthroughDefinition,
  type WalkthroughOption,
  type WalkthroughStep,
  type When,
} from './definition.ts';
import { controlOf, exactOption, looksLikeQuestion, type MatchResult, matchOption } from './match.ts';
import { buildResult, datasetDetailBlocks } from './results.ts';

export const ACTION_PREFIX = 'walkthrough:';

export type ActionKind = 'answer' | 'back' | 'restart' | 'cancel' | 'show' | 'start';

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
  | { kind: 'click'; action: ActionValue }
  | { kind: 'text'; text: string };

export interface FlowContext {
  knowledge: KnowledgeBase;
  now: number;
  /** Catalog matches for a text input, when the caller computed them; otherwise advance searches itself. */
  catalog?: CatalogMatch[];
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

const MAX_TEXT = 1000;
const MAX_LABEL = 120;

export function encodeAction(value: ActionValue): string {
  return JSON.stringify(value);
}

/** Parses a walkthrough button value; undefined when it is not one of ours (or was tampered with). */
export function decodeAction(raw: string): ActionValue | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    // Not JSON: not a value we produced. The caller answers with a friendly "start again".
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const o = parsed as Record<string, unknown>;
  const kinds: ActionKind[] = ['answer', 'back', 'restart', 'cancel', 'show', 'start'];
  if (typeof o.f !== 'string' || typeof o.s !== 'string' || typeof o.r !== 'number') return undefined;
  if (typeof o.a !== 'string' || !kinds.includes(o.a as ActionKind)) return undefined;
  if (o.v !== undefined && typeof o.v !== 'string') return undefined;
  return { f: o.f, s: o.s, r: o.r, a: o.a as ActionKind, ...(typeof o.v === 'string' ? { v: o.v } : {}) };
}

function choice(
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
  return choice({ flow: flowId, step: '', rev: 0 }, 'start', label, undefined, 'primary');
}

const shorten = (s: string, max: number): string => (s.length <= max ? s : `${s.slice(0, max - 1)}…`);
const stripMarkdown = (s: string): string => s.replace(/\*\*|__|`/g, '').replace(/\[([^\]]+)\]\([^)]+\)/g, '$1');

// ---------------------------------------------------------------------------------------------------------------
// Navigation

function stepById(def: WalkthroughDefinition, id: string): WalkthroughStep | undefined {
  return def.steps.find((s) => s.id === id);
}

/** Facts the conditions test: the answers of the steps actually visited, plus facts about a chosen data set. */
export function factsOf(state: FlowState): Record<string, string> {
  const facts: Record<string, string> = {};
  for (const id of state.history) {
    const a = state.answers[id];
    if (a) facts[id] = a.value;
  }
  if (state.dataset) facts['dataset-classification'] = state.dataset.classification;
  return facts;
}

function holds(condition: Condition, facts: Record<string, string>): boolean {
  return Object.entries(condition).every(([key, values]) => {
    const fact = facts[key];
    return fact !== undefined && values.includes(fact);
  });
}

export function whenHolds(when: When | undefined, facts: Record<string, string>): boolean {
  if (when === undefined) return true;
  return Array.isArray(when) ? when.some((c) => holds(c, facts)) : holds(when, facts);
}

function defaultNext(def: WalkthroughDefinition, step: WalkthroughStep): string {
  if (step.next) return step.next;
  const i = def.steps.indexOf(step);
  return def.steps[i + 1]?.id ?? RESULT_STEP;
}

/** The next step to ask after `from`, skipping steps whose `when` does not hold. */
function nextStep(def: WalkthroughDefinition, state: FlowState, target: string): string {
  const facts = factsOf(state);
  let id = target;
  for (let guard = 0; guard <= def.steps.length; guard++) {
    const step = stepById(def, id);
    if (!step || whenHolds(step.when, facts)) return step ? id : RESULT_STEP;
    id = defaultNext(def, step);
  }
  return RESULT_STEP;
}

function firstStep(def: WalkthroughDefinition, state: FlowState): string {
  const first = def.steps[0];
  return first ? nextStep(def, state, first.id) : RESULT_STEP;
}

function freshState(def: WalkthroughDefinition, now: number, rev = 0): FlowState {
  const state: FlowState = { v: 1, flow: def.id, step: RESULT_STEP, rev, answers: {}, history: [], startedAt: now };
  state.step = firstStep(def, state);
  return state;
}

function moveTo(def: WalkthroughDefinition, state: FlowState, answered: WalkthroughStep, target: string): FlowState {
  const next: FlowState = { ...state, history: [...state.history, answered.id], rev: state.rev + 1 };
  next.step = nextStep(def, next, target);
  return next;
}

// ---------------------------------------------------------------------------------------------------------------
// Rendering

export function sourceRefs(kb: KnowledgeBase, ids: readonly string[]): SourceRef[] {
  const refs: SourceRef[] = [];
  for (const id of new Set(ids)) {
    const e = kb.get(id);
    if (!e) continue;
    const src = e.sources.find((s) => s.insight !== undefined) ?? e.sources[0];
    refs.push({ id: e.id, title: e.title, type: e.type, citation: src?.citation, url: src?.url });
  }
  return refs;
}

function controls(state: FlowState, options: { back: boolean; cancel: boolean }): Block {
  const c: Choice[] = [];
  if (options.back && state.history.length > 0) c.push(choice(state, 'back', '← Back'));
  c.push(choice(state, 'restart', 'Start over'));
  if (options.cancel) c.push(choice(state, 'cancel', 'Cancel', undefined, 'danger'));
  return block.choices(c);
}

function optionsOf(step: WalkthroughStep, state: FlowState): (WalkthroughOption & { synonyms: string[] })[] {
  if (step.kind !== 'catalog-pick') return step.options;
  return (state.candidates ?? []).map((c) => ({ value: c.id, label: c.title, synonyms: [] }));
}

function stepReply(
  def: WalkthroughDefinition,
  state: FlowState,
  ctx: FlowContext,
  extra: { notice?: Block; intro?: boolean; before?: Block[] } = {},
): Reply {
  const step = stepById(def, state.step);
  if (!step) return resultReply(def, state, ctx, extra.notice);
  const blocks: Block[] = [block.heading(def.title)];
  if (extra.intro && def.intro) blocks.push(block.markdown(def.intro));
  blocks.push(...(extra.before ?? []));
  if (extra.notice) blocks.push(extra.notice);
  const prompt = step.help ? `**${step.prompt}**\n\n${step.help}` : `**${step.prompt}**`;
  const fallback = [`${def.title}: ${stripMarkdown(step.prompt)}`];

  if (step.kind === 'catalog-pick') {
    blocks.push(...pickBlocks(state, ctx.knowledge, step.limit));
    blocks.push(block.markdown(prompt));
    const c = (state.candidates ?? [])
      .slice(0, step.limit)
      .map((cand) => choice(state, 'answer', shorten(cand.title, 70), cand.id, 'primary'));
    blocks.push(block.choices(c));
    fallback.push(`Matches: ${(state.candidates ?? []).map((c2) => c2.title).join('; ')}.`);
  } else {
    blocks.push(block.markdown(prompt));
    const earlier = state.answers[step.id];
    if (earlier) blocks.push(block.plain(`Your earlier answer: ${earlier.label}`));
    if (step.kind === 'choice') {
      blocks.push(
        block.choices(
          step.options.map((o) =>
            choice(state, 'answer', o.label, o.value, earlier?.value === o.value ? 'primary' : undefined),
          ),
        ),
      );
      fallback.push(`Options: ${step.options.map((o, i) => `${i + 1}. ${o.label}`).join('; ')}.`);
    }
  }
  const refs = sourceRefs(ctx.knowledge, step.sources);
  if (refs.length > 0) blocks.push(block.sources(refs));
  blocks.push(controls(state, { back: true, cancel: true }));
  return { kind: 'walkthrough', blocks, fallbackText: fallback.join(' ') };
}

function pickBlocks(state: FlowState, kb: KnowledgeBase, limit: number): Block[] {
  const out: Block[] = [];
  const candidates = (state.candidates ?? []).slice(0, limit);
  out.push(
    block.markdown(
      `I found ${candidates.length === 1 ? 'one data set' : `${candidates.length} data sets`} in the data catalog:`,
    ),
  );
  for (const cand of candidates) {
    const e = kb.get(cand.id);
    out.push(block.divider());
    if (e?.type === 'dataset') out.push(...datasetDetailBlocks(snapshotOf(e), { procedure: true }));
    else out.push(block.plain(cand.title));
  }
  out.push(block.divider());
  return out;
}

function resultReply(def: WalkthroughDefinition, state: FlowState, ctx: FlowContext, notice?: Block): Reply {
  const built = buildResult(def, state, ctx);
  const blocks: Block[] = [block.heading(built.heading)];
  if (notice) blocks.push(notice);
  blocks.push(...built.blocks, controls(state, { back: true, cancel: false }));
  return { kind: 'walkthrough', blocks, fallbackText: built.fallbackText };
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

/**
 * What a click on a button of an expired (or replaced) walkthrough gets — possibly someone else's walkthrough in a
 * shared channel, so only the user who clicked sees it.
 */
export function expiredReply(def: WalkthroughDefinition): Reply {
  return {
    kind: 'walkthrough',
    ephemeral: true,
    blocks: [
      block.notice('info', `That walkthrough has expired (or was closed) — start again?`),
      block.choices([startChoice(def.id, `Start again: ${shorten(def.title, 50)}`)]),
    ],
    fallbackText: `That walkthrough has expired — start again? (${def.title})`,
  };
}

function cancelledReply(def: WalkthroughDefinition): Reply {
  return {
    kind: 'walkthrough',
    blocks: [
      block.notice('info', `Walkthrough cancelled. Nothing was sent anywhere.`),
      block.choices([startChoice(def.id, `Start again: ${shorten(def.title, 50)}`)]),
    ],
    fallbackText: 'Walkthrough cancelled.',
  };
}

// ---------------------------------------------------------------------------------------------------------------
// The step function

/** Applies one input to a walkthrough. Pure: same inputs, same outputs. */
export function advance(
  def: WalkthroughDefinition,
  state: FlowState | undefined,
  input: FlowInput,
  ctx: FlowContext,
): AdvanceResult {
  if (input.kind === 'start') return start(def, input.text, ctx);
  if (input.kind === 'click') return click(def, state, input.action, ctx);
  if (!state || state.flow !== def.id) return { state, reply: expiredReply(def), handled: false, events: [] };
  return text(def, state, input.text, ctx);
}

function start(def: WalkthroughDefinition, prefill: string | undefined, ctx: FlowContext): AdvanceResult {
  const state = freshState(def, ctx.now);
  const events: FlowEvent[] = [{ type: 'walkthrough', event: 'started' }];
  const step = stepById(def, state.step);
  const pre = prefill?.trim();
  if (pre && step && (step.kind === 'catalog-search' || step.kind === 'text')) {
    const r = answerText(def, state, step, pre, ctx, { intro: true });
    return { ...r, events: [...events, ...r.events] };
  }
  return { state, reply: stepReply(def, state, ctx, { intro: true }), handled: true, events };
}

function click(
  def: WalkthroughDefinition,
  state: FlowState | undefined,
  action: ActionValue,
  ctx: FlowContext,
): AdvanceResult {
  if (action.a === 'start') return start(def, undefined, ctx);
  if (!state || state.flow !== def.id) return { state, reply: expiredReply(def), handled: true, events: [] };
  const replace = (r: AdvanceResult): AdvanceResult => ({ ...r, reply: { ...r.reply, replaceOriginal: true } });
  switch (action.a) {
    case 'show':
      return { state, reply: stepReply(def, state, ctx), handled: true, events: [] };
    case 'cancel':
      return replace(cancel(def, state));
    case 'restart':
      return replace(restart(def, state, ctx));
    default:
      break;
  }
  if (action.s !== state.step || action.r !== state.rev) {
    // The clicked message may be someone else's walkthrough in a shared channel: don't overwrite it, and show the
    // clicker's own current step to them only.
    const notice = block.notice('info', 'That button belongs to an earlier question — here is where you are now.');
    const reply: Reply = { ...stepReply(def, state, ctx, { notice }), ephemeral: true };
    return { state, reply, handled: true, events: [] };
  }
  if (action.a === 'back') return replace(back(def, state, ctx));
  const step = stepById(def, state.step);
  const value = action.v ?? '';
  if (step?.kind === 'catalog-pick') return replace(pick(def, state, step, value, ctx));
  const option = step?.options.find((o) => o.value === value);
  if (!step || !option) {
    const notice = block.notice('warning', 'I could not use that answer; please pick one of the options.');
    return replace({ state, reply: stepReply(def, state, ctx, { notice }), handled: true, events: [] });
  }
  return replace(answer(def, state, step, { value: option.value, label: option.label }, option.next, ctx));
}

function cancel(def: WalkthroughDefinition, state: FlowState): AdvanceResult {
  const events: FlowEvent[] = state.finished ? [] : [{ type: 'walkthrough', event: 'cancelled' }];
  return { state: undefined, reply: cancelledReply(def), handled: true, events };
}

function restart(def: WalkthroughDefinition, state: FlowState, ctx: FlowContext): AdvanceResult {
  const fresh = freshState(def, ctx.now, state.rev + 1);
  return { state: fresh, reply: stepReply(def, fresh, ctx, { intro: true }), handled: true, events: [] };
}

function back(def: WalkthroughDefinition, state: FlowState, ctx: FlowContext): AdvanceResult {
  const history = [...state.history];
  const previous = history.pop();
  if (previous === undefined) {
    const notice = block.notice('info', 'This is the first question — there is nothing to go back to.');
    return { state, reply: stepReply(def, state, ctx, { notice }), handled: true, events: [] };
  }
  // Earlier answers stay in `answers` (shown as "your earlier answer"); only visited steps count as facts.
  const next: FlowState = { ...state, step: previous, history, rev: state.rev + 1 };
  return { state: next, reply: stepReply(def, next, ctx), handled: true, events: [] };
}

function answer(
  def: WalkthroughDefinition,
  state: FlowState,
  step: WalkthroughStep,
  given: FlowAnswer,
  optionNext: string | undefined,
  ctx: FlowContext,
  before: Block[] = [],
): AdvanceResult {
  const withAnswer: FlowState = { ...state, answers: { ...state.answers, [step.id]: given } };
  const next = moveTo(def, withAnswer, step, optionNext ?? defaultNext(def, step));
  if (next.step !== RESULT_STEP)
    return { state: next, reply: stepReply(def, next, ctx, { before }), handled: true, events: [] };
  const reply = resultReply(def, next, ctx);
  const events: FlowEvent[] = [];
  if (!state.finished)
    events.push({ type: 'walkthrough', event: 'finished', outcome: buildResult(def, next, ctx).outcome });
  return { state: { ...next, finished: true }, reply, handled: true, events };
}

function pick(
  def: WalkthroughDefinition,
  state: FlowState,
  step: WalkthroughStep,
  id: string,
  ctx: FlowContext,
): AdvanceResult {
  const entry = ctx.knowledge.get(id);
  const offered = (state.candidates ?? []).some((c) => c.id === id);
  if (!offered || !entry || entry.type !== 'dataset') {
    const notice = block.notice(
      'warning',
      'That data set is no longer in the catalog. Please pick another one or search again.',
    );
    return { state, reply: stepReply(def, state, ctx, { notice }), handled: true, events: [] };
  }
  const snapshot = snapshotOf(entry);
  const withDataset: FlowState = { ...state, dataset: snapshot };
  const before = datasetDetailBlocks(snapshot, { procedure: true, roles: def.result });
  return answer(def, withDataset, step, { value: entry.id, label: entry.title }, undefined, ctx, before);
}

function search(
  def: WalkthroughDefinition,
  state: FlowState,
  query: string,
  ctx: FlowContext,
  intro = false,
): AdvanceResult {
  const searchStepId = def.result.kind === 'access-request' ? def.result.searchStep : state.step;
  const searchStep = stepById(def, searchStepId);
  const pickStep = def.result.kind === 'access-request' ? stepById(def, def.result.pickStep) : undefined;
  const limit = pickStep?.limit ?? 3;
  const matches = (ctx.catalog ?? searchCatalog(ctx.knowledge, query, limit)).slice(0, limit);
  const asked: FlowAnswer = { value: 'query', label: shorten(query, MAX_LABEL), text: query };
  // Searching again from the pick step replaces the matches; the search step stays the one to go back to.
  const at = state.history.lastIndexOf(searchStepId);
  const history = state.step === searchStepId || at < 0 ? state.history : state.history.slice(0, at);
  const base: FlowState = { ...state, step: searchStepId, history };
  base.answers = { ...state.answers, [searchStepId]: asked };
  if (matches.length === 0 || !searchStep || !pickStep) {
    const text = searchStep?.noMatch ?? 'Nothing in the data catalog matched.';
    const reply: Reply = {
      kind: 'walkthrough',
      blocks: [
        block.heading(def.title),
        ...(intro && def.intro ? [block.markdown(def.intro)] : []),
        block.notice('info', 'Nothing in the data catalog matched your search:'),
        block.plain(query),
        block.markdown(text),
        block.markdown(
          `**Search again?** Type other words: the system's name, a measurement, a process step or a data set name.`,
        ),
        controls({ ...base, rev: base.rev + 1 }, { back: true, cancel: true }),
      ],
      fallbackText: `Nothing in the data catalog matched "${shorten(query, 80)}". ${stripMarkdown(text)}`,
    };
    return { state: { ...base, rev: base.rev + 1 }, reply, handled: true, events: [{ type: 'catalog-miss', query }] };
  }
  const withCandidates: FlowState = {
    ...base,
    candidates: matches.map((m) => ({ id: m.entry.id, title: m.entry.title })),
    history: [...base.history, searchStepId],
    step: pickStep.id,
    rev: state.rev + 1,
  };
  return { state: withCandidates, reply: stepReply(def, withCandidates, ctx, { intro }), handled: true, events: [] };
}

function answerText(
  def: WalkthroughDefinition,
  state: FlowState,
  step: WalkthroughStep,
  raw: string,
  ctx: FlowContext,
  opts: { intro?: boolean } = {},
): AdvanceResult {
  const typed = raw.trim().slice(0, MAX_TEXT);
  if (step.kind === 'catalog-search') return search(def, state, typed, ctx, opts.intro);
  if (step.kind === 'text') {
    if (looksLikeQuestion(typed)) return { state, reply: stepReply(def, state, ctx), handled: false, events: [] };
    if (typed.length < 3) {
      const notice = block.notice('warning', 'That is a bit short — a few words are enough.');
      return { state, reply: stepReply(def, state, ctx, { notice }), handled: true, events: [] };
    }
    return answer(def, state, step, { value: 'text', label: shorten(typed, MAX_LABEL), text: typed }, undefined, ctx);
  }
  const options = optionsOf(step, state);
  const matchable = step.kind === 'catalog-pick' ? withDatasetSynonyms(options, ctx.knowledge) : options;
  // A question that merely mentions an option ("what does strictly confidential mean?") is for the core to answer;
  // question-shaped input counts as an answer only when it is nothing but an option ("Confidential?", "2?").
  const m: MatchResult<WalkthroughOption> = looksLikeQuestion(typed)
    ? toMatch(exactOption(typed, matchable))
    : matchOption(typed, matchable);
  if (m.kind === 'match') {
    if (step.kind === 'catalog-pick') return pick(def, state, step, m.option.value, ctx);
    return answer(def, state, step, { value: m.option.value, label: m.option.label }, m.option.next, ctx);
  }
  if (looksLikeQuestion(typed)) return { state, reply: stepReply(def, state, ctx), handled: false, events: [] };
  if (step.kind === 'catalog-pick') return search(def, state, typed, ctx);
  if (m.kind === 'none' && step.allowText) {
    return answer(def, state, step, { value: 'custom', label: shorten(typed, MAX_LABEL), text: typed }, undefined, ctx);
  }
  const notice =
    m.kind === 'ambiguous'
      ? block.notice('warning', `That could mean ${m.options.map((o) => `“${o.label}”`).join(' or ')} — which one?`)
      : block.notice('warning', 'I could not match that to one of the options. Please pick one (or type its number):');
  return { state, reply: stepReply(def, state, ctx, { notice }), handled: true, events: [] };
}

const toMatch = <T>(option: T | undefined): MatchResult<T> =>
  option === undefined ? { kind: 'none' } : { kind: 'match', option };

function withDatasetSynonyms(options: WalkthroughOption[], kb: KnowledgeBase): WalkthroughOption[] {
  return options.map((o) => {
    const e = kb.get(o.value);
    return e?.type === 'dataset' ? { ...o, synonyms: [...e.aliases, e.system] } : o;
  });
}

function text(def: WalkthroughDefinition, state: FlowState, typed: string, ctx: FlowContext): AdvanceResult {
  const control = controlOf(typed);
  if (control === 'cancel') return cancel(def, state);
  if (control === 'restart') return restart(def, state, ctx);
  if (control === 'back') return back(def, state, ctx);
  const step = stepById(def, state.step);
  // A finished walkthrough doesn't capture text: it is a new question for the core.
  if (!step) return { state, reply: stepReply(def, state, ctx), handled: false, events: [] };
  return answerText(def, state, step, typed, ctx);
}
