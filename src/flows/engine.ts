// The pure step function: advance(definition, state, input, context) → { state, reply, handled, events }.
// No I/O: the service loads state, passes the knowledge base (and catalog matches, if it has them) in `context`,
// then stores the new state and records the events. State encoding lives in state.ts, navigation in
// navigation.ts, what each step shows in replies.ts.
import { markdownToPlain } from '../base/index.ts';
import { type Block, block, type Reply } from '../core/reply.ts';
import type { KnowledgeBase } from '../knowledge/types.ts';
import { searchCatalog } from './catalog.ts';
import { RESULT_STEP, type WalkthroughDefinition, type WalkthroughOption, type WalkthroughStep } from './definition.ts';
import { controlOf, exactOption, looksLikeQuestion, type MatchResult, matchOption } from './match.ts';
import { defaultNext, freshState, moveTo, stepById } from './navigation.ts';
import { cancelledReply, controls, expiredReply, optionsOf, resultReply, shorten, stepReply } from './replies.ts';
import { buildResult, datasetDetailBlocks } from './results.ts';
import {
  type ActionValue,
  type AdvanceResult,
  type FlowAnswer,
  type FlowContext,
  type FlowEvent,
  type FlowInput,
  type FlowState,
  snapshotOf,
} from './state.ts';

export { factsOf, whenHolds } from './navigation.ts';
export { expiredReply } from './replies.ts';
export { sourceRefs } from './sources.ts';

const MAX_TEXT = 1000;
const MAX_LABEL = 120;

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
      fallbackText: `Nothing in the data catalog matched "${shorten(query, 80)}". ${markdownToPlain(text)}`,
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
