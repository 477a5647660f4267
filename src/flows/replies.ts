// What a walkthrough shows at each point: the current step (prompt, options, controls, sources), the result, and
// the expired and cancelled notices. Pure; texts come from the definition.
import { markdownToPlain } from '../base/index.ts';
import { type Block, block, type Choice, type Reply } from '../core/reply.ts';
import type { KnowledgeBase } from '../knowledge/types.ts';
import type { WalkthroughDefinition, WalkthroughOption, WalkthroughStep } from './definition.ts';
import { stepById } from './navigation.ts';
import { buildResult, datasetDetailBlocks } from './results.ts';
import { sourceRefs } from './sources.ts';
import { actionChoice as choice, type FlowContext, type FlowState, snapshotOf, startChoice } from './state.ts';

export const shorten = (s: string, max: number): string => (s.length <= max ? s : `${s.slice(0, max - 1)}…`);
export function controls(state: FlowState, options: { back: boolean; cancel: boolean }): Block {
  const c: Choice[] = [];
  if (options.back && state.history.length > 0) c.push(choice(state, 'back', '← Back'));
  c.push(choice(state, 'restart', 'Start over'));
  if (options.cancel) c.push(choice(state, 'cancel', 'Cancel', undefined, 'danger'));
  return block.choices(c);
}

export function optionsOf(step: WalkthroughStep, state: FlowState): (WalkthroughOption & { synonyms: string[] })[] {
  if (step.kind !== 'catalog-pick') return step.options;
  return (state.candidates ?? []).map((c) => ({ value: c.id, label: c.title, synonyms: [] }));
}

export function stepReply(
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
  const fallback = [`${def.title}: ${markdownToPlain(step.prompt)}`];

  if (step.kind === 'catalog-pick') {
    blocks.push(...pickBlocks(state, ctx.knowledge, step.limit));
    blocks.push(block.markdown(prompt));
    const c = (state.candidates ?? [])
      .slice(0, step.limit)
      .map((cand) => choice(state, 'answer', shorten(cand.title, 70), cand.id, 'primary'));
    // "None of these" leads to the advice for data the catalog does not have (and records the search as a gap).
    c.push(choice(state, 'none', NONE_OF_THESE));
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
  const field = textField(step, state);
  if (field) {
    blocks.push(field);
    if (ctx.shared) blocks.push(block.markdown(SHARED_HINT));
  }
  const refs = sourceRefs(ctx.knowledge, step.sources);
  if (refs.length > 0) blocks.push(block.sources(refs));
  blocks.push(controls(state, { back: true, cancel: true }));
  return { kind: 'walkthrough', blocks, fallbackText: fallback.join(' ') };
}

export const NONE_OF_THESE = 'None of these';

/** How to answer a free-text step in a channel, where the bot only hears messages that mention it. */
export const SHARED_HINT =
  '_In a channel or group chat: type your answer into the field above — or reply in this thread and mention me._';

/** The field a step's free-text answer can be typed into, in the message itself; undefined for button-only steps. */
function textField(step: WalkthroughStep, state: FlowState): Block | undefined {
  const kind = step.kind ?? 'choice';
  if (kind === 'choice' && !step.allowText) return undefined;
  const { actionId, value } = choice(state, 'type', '');
  const label =
    kind === 'catalog-search'
      ? 'Search the data catalog'
      : kind === 'catalog-pick'
        ? 'Or search again with other words'
        : kind === 'choice'
          ? 'Or type your own answer'
          : 'Your answer';
  const searching = kind === 'catalog-search' || kind === 'catalog-pick';
  return block.input({
    actionId,
    value,
    label,
    placeholder: searching ? 'e.g. coating chamber logs' : 'Type your answer',
    submitLabel: searching ? 'Search' : 'Send',
  });
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

export function resultReply(def: WalkthroughDefinition, state: FlowState, ctx: FlowContext, notice?: Block): Reply {
  const built = buildResult(def, state, ctx);
  const blocks: Block[] = [block.heading(built.heading)];
  if (notice) blocks.push(notice);
  blocks.push(...built.blocks, controls(state, { back: true, cancel: false }));
  return { kind: 'walkthrough', blocks, fallbackText: built.fallbackText };
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

export function cancelledReply(def: WalkthroughDefinition): Reply {
  return {
    kind: 'walkthrough',
    blocks: [
      block.notice('info', `Walkthrough cancelled. Nothing was sent anywhere.`),
      block.choices([startChoice(def.id, `Start again: ${shorten(def.title, 50)}`)]),
    ],
    fallbackText: 'Walkthrough cancelled.',
  };
}
