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
import {
  cancelledReply,
  controls,
  expiredReply,
  optionsOf,
  resultReply,
  SHARED_HINT,
  shorten,
  stepReply,
} from './replies.ts';
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
  if (input.kind === 'click') return click(def, state, input.action, ctx, input.text);
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
  typed?: string,
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
  if (action.a === 'type') return replace(typedInCard(def, state, typed ?? '', ctx));
  if (action.a === 'none') return replace(noneOfThese(def, state, ctx));
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
    return noMatch(def, base, query, ctx, { intro, notice: 'Nothing in the data catalog matched your search:' });
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

/**
 * The advice for data the catalog does not have, at the search step (so typing searches again), with the search
 * recorded as a gap (`catalog-miss`, shown by `admin gaps`).
 */
function noMatch(
  def: WalkthroughDefinition,
  base: FlowState,
  query: string,
  ctx: FlowContext,
  opts: { intro?: boolean; notice: string },
): AdvanceResult {
  const searchStep = stepById(def, base.step);
  const text = searchStep?.noMatch ?? 'Nothing in the data catalog matched.';
  const next: FlowState = { ...base, rev: base.rev + 1 };
  delete next.candidates;
  const reply: Reply = {
    kind: 'walkthrough',
    blocks: [
      block.heading(def.title),
      ...(opts.intro && def.intro ? [block.markdown(def.intro)] : []),
      block.notice('info', opts.notice),
      block.plain(query),
      block.markdown(text),
      block.markdown(
        `**Search again?** Type other words: the system's name, a measurement, a process step or a data set name.`,
      ),
      ...(searchStep ? fieldFor(def, next, ctx) : []),
      controls(next, { back: true, cancel: true }),
    ],
    fallbackText: `Nothing in the data catalog matched "${shorten(query, 80)}". ${markdownToPlain(text)}`,
  };
  return { state: next, reply, handled: true, events: [{ type: 'catalog-miss', query }] };
}

/** The search step's text field (and the channel hint), taken from its step reply so both stay the same. */
function fieldFor(def: WalkthroughDefinition, state: FlowState, ctx: FlowContext): Block[] {
  const blocks = stepReply(def, state, ctx).blocks;
  const at = blocks.findIndex((b) => b.type === 'input');
  if (at < 0) return [];
  const hint = blocks[at + 1];
  return hint?.type === 'markdown' && hint.text === SHARED_HINT ? [blocks[at] as Block, hint] : [blocks[at] as Block];
}

/** "None of these" on the pick step: the matches were not it, so the search counts as unmet, like no match at all. */
function noneOfThese(def: WalkthroughDefinition, state: FlowState, ctx: FlowContext): AdvanceResult {
  if (def.result.kind !== 'access-request' || state.step !== def.result.pickStep) {
    return { state, reply: stepReply(def, state, ctx), handled: true, events: [] };
  }
  const searchStepId = def.result.searchStep;
  const query = state.answers[searchStepId]?.text ?? state.answers[searchStepId]?.label ?? '';
  const at = state.history.lastIndexOf(searchStepId);
  const base: FlowState = {
    ...state,
    step: searchStepId,
    history: at < 0 ? state.history : state.history.slice(0, at),
  };
  return noMatch(def, base, query, ctx, {
    notice: 'None of the data sets I found is the one you need. You searched for:',
  });
}

/** An answer typed into the step's text field: it is meant as the answer, so it is never taken for a question. */
function typedInCard(def: WalkthroughDefinition, state: FlowState, typed: string, ctx: FlowContext): AdvanceResult {
  const trimmed = typed.trim();
  const step = stepById(def, state.step);
  if (!trimmed || !step) {
    const notice = block.notice('warning', 'Type your answer into the field first, then send it.');
    return { state, reply: stepReply(def, state, ctx, { notice }), handled: true, events: [] };
  }
  const control = controlOf(trimmed);
  if (control) return text(def, state, trimmed, ctx);
  return answerText(def, state, step, trimmed, ctx, { inCard: true });
}

function answerText(
  def: WalkthroughDefinition,
  state: FlowState,
  step: WalkthroughStep,
  raw: string,
  ctx: FlowContext,
  opts: { intro?: boolean; inCard?: boolean } = {},
): AdvanceResult {
  const typed = raw.trim().slice(0, MAX_TEXT);
  // Asked as a question ("what is model drift?"): answered by the core when its knowledge would answer it,
  // instead of being searched for in the catalog. Typed into the search field, it is a search.
  const asQuestion = !opts.inCard && looksLikeQuestion(typed);
  if (step.kind === 'catalog-search') {
    if (asQuestion && ctx.knowledgeQuestion)
      return { state, reply: stepReply(def, state, ctx), handled: false, events: [] };
    return search(def, state, typed, ctx, opts.intro);
  }
  if (step.kind === 'text') {
    if (asQuestion) return { state, reply: stepReply(def, state, ctx), handled: false, events: [] };
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
  const m: MatchResult<WalkthroughOption> = asQuestion
    ? toMatch(exactOption(typed, matchable))
    : matchOption(typed, matchable);
  if (m.kind === 'match') {
    if (step.kind === 'catalog-pick') return pick(def, state, step, m.option.value, ctx);
    return answer(def, state, step, { value: m.option.value, label: m.option.label }, m.option.next, ctx);
  }
  // On the pick step a data question the knowledge would not answer ("which data set has the thickness?") searches
  // again; when nobody asked the knowledge (knowledgeQuestion unset) a question goes to the core, as before.
  if (asQuestion && !(step.kind === 'catalog-pick' && ctx.knowledgeQuestion === false))
    return { state, reply: stepReply(def, state, ctx), handled: false, events: [] };
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
