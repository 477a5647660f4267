// What a finished walkthrough shows: the infrastructure recommendation (rules → option, notes, knowledge entry
// fields, decision record) and the data-owner access request draft. Pure; texts come from the definition.
import { markdownToPlain } from '../base/index.ts';
import { expertChoice, NOTIFY_STEWARD_LABEL } from '../core/expert.ts';
import { type Block, block, type Choice, CoreAction } from '../core/reply.ts';
import type { InfrastructureEntry } from '../knowledge/schema.ts';
import type {
  AccessRequestResult,
  RecommendationResult,
  RecommendationRule,
  WalkthroughDefinition,
  WalkthroughNote,
} from './definition.ts';
import { factsOf, whenHolds } from './navigation.ts';
import { sourceRefs } from './sources.ts';
import { ACTION_PREFIX, type DatasetSnapshot, encodeAction, type FlowContext, type FlowState } from './state.ts';
import { fillTemplate } from './template.ts';

export interface BuiltResult {
  heading: string;
  blocks: Block[];
  fallbackText: string;
  /** Recorded with the `finished` event: the rule id (infra) or the data set id (data-owner). */
  outcome: string;
}

const ROLE_LABEL = {
  'business-owner': 'Business owner',
  'technical-owner': 'Technical owner',
  'data-steward': 'Data steward',
} as const;

const CLASSIFICATION_LABEL = {
  public: 'Public',
  internal: 'Internal',
  confidential: 'Confidential',
  'strictly-confidential': 'Strictly confidential',
} as const;

const shorten = (s: string, max: number): string => (s.length <= max ? s : `${s.slice(0, max - 1)}…`);
const bullets = (lines: readonly string[]): string => lines.map((l) => `- ${l}`).join('\n');
const isoDate = (now: number): string => new Date(now).toISOString().slice(0, 10);

export function buildResult(def: WalkthroughDefinition, state: FlowState, ctx: FlowContext): BuiltResult {
  return def.result.kind === 'recommendation'
    ? recommendation(def, def.result, state, ctx)
    : accessRequest(def, def.result, state, ctx);
}

/** Answers of the visited steps as template variables `answers.<step>`. */
function answerVars(def: WalkthroughDefinition, state: FlowState): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const step of def.steps) vars[`answers.${step.id}`] = '—';
  for (const id of state.history) {
    const a = state.answers[id];
    if (a) vars[`answers.${id}`] = a.text ?? a.label;
  }
  return vars;
}

function contextLines(def: WalkthroughDefinition, state: FlowState): string[] {
  return state.history.flatMap((id) => {
    const step = def.steps.find((s) => s.id === id);
    const a = state.answers[id];
    return step && a ? [`${step.title}: ${a.text ?? a.label}`] : [];
  });
}

function applicableNotes(
  notes: readonly WalkthroughNote[],
  facts: Record<string, string>,
  option?: string,
): WalkthroughNote[] {
  return notes.filter(
    (n) =>
      whenHolds(n.when, facts) && (n.options === undefined || (option !== undefined && n.options.includes(option))),
  );
}

function offerChoice(n: WalkthroughNote): Choice | undefined {
  if (!n.offer) return undefined;
  return {
    actionId: `${ACTION_PREFIX}start:${n.offer}`,
    value: encodeAction({ f: n.offer, s: '', r: 0, a: 'start' }),
    label: n.offerLabel ?? `Start the ${n.offer} walkthrough`,
    style: 'primary',
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Infrastructure recommendation

export function chooseRule(result: RecommendationResult, facts: Record<string, string>): RecommendationRule {
  const rule = result.rules.find((r) => whenHolds(r.when, facts)) ?? result.rules[result.rules.length - 1];
  // The schema requires at least one rule.
  if (!rule) throw new Error('recommendation without rules');
  return rule;
}

function entryFields(entry: InfrastructureEntry): { label: string; value: string }[] {
  return [
    {
      label: 'When to use',
      value: shorten(
        entry.whenToUse
          .slice(0, 3)
          .map((w) => w.replace(/[.;]\s*$/, ''))
          .join('; '),
        600,
      ),
    },
    { label: 'Security', value: shorten(entry.security, 600) },
    { label: 'GPU', value: shorten(entry.gpu, 600) },
    { label: `Operations (effort: ${entry.operationsEffort})`, value: shorten(entry.operations, 600) },
    { label: 'Usability', value: shorten(entry.usability, 600) },
  ];
}

function recommendation(
  def: WalkthroughDefinition,
  result: RecommendationResult,
  state: FlowState,
  ctx: FlowContext,
): BuiltResult {
  const facts = factsOf(state);
  const rule = chooseRule(result, facts);
  const option = result.options[rule.option];
  if (!option) throw new Error(`rule ${rule.id} names unknown option ${rule.option}`);
  const kbEntry = ctx.knowledge.get(option.entry);
  const entry = kbEntry?.type === 'infrastructure' ? kbEntry : undefined;
  const notes = applicableNotes(result.notes, facts, rule.option);
  const vars: Record<string, string> = {
    ...answerVars(def, state),
    decision: option.title,
    option: rule.option,
    date: isoDate(ctx.now),
    title: def.title,
  };
  const rationale = fillTemplate(rule.rationale, vars);
  const sourceIds = [...rule.sources, option.entry, ...option.sources, ...notes.flatMap((n) => n.sources)];
  const refs = sourceRefs(ctx.knowledge, sourceIds);

  const blocks: Block[] = [];
  blocks.push(block.markdown(rationale));
  blocks.push(block.markdown(entry ? entry.summary : fillTemplate(option.summary, vars)));
  if (entry) blocks.push(block.fields(entryFields(entry)));
  for (const n of notes) blocks.push(block.notice(n.level, fillTemplate(n.text, vars)));
  const nextSteps = [`Contact: ${fillTemplate(option.contact, vars)}`];
  if (option.guidelines.length > 0)
    nextSteps.push(`Read the guidelines: ${option.guidelines.map((g) => `\`guidelines ${g}\``).join(', ')}`);
  blocks.push(block.markdown(`**Next steps**\n${bullets(nextSteps)}`));
  const choices: Choice[] = option.guidelines.map((g) => ({
    actionId: CoreAction.Command,
    value: `guidelines ${g}`,
    label: `Guidelines: ${g}`,
  }));
  for (const n of notes) {
    const c = offerChoice(n);
    if (c && !choices.some((x) => x.actionId === c.actionId)) choices.push(c);
  }
  if (choices.length > 0) blocks.push(block.choices(choices));

  const consequences = [...option.consequences, ...notes.flatMap((n) => (n.consequence ? [n.consequence] : []))];
  const record = fillTemplate(result.decisionRecord, {
    ...vars,
    rationale: plainText(rationale),
    context: bullets(contextLines(def, state)),
    alternatives: bullets(rule.alternatives.map((a) => fillTemplate(a, vars))),
    consequences: bullets(consequences.map((c) => fillTemplate(c, vars))),
    sources: bullets(refs.map((r) => `${r.title} (${r.id})`)),
    citations: bullets([...new Set(refs.flatMap((r) => (r.citation ? [r.citation] : [])))]),
  });
  blocks.push(block.copyable('Decision record', record));
  if (refs.length > 0) blocks.push(block.sources(refs));
  return {
    heading: `Recommendation: ${option.title}`,
    blocks,
    fallbackText: `Recommendation: ${option.title}. ${plainText(rationale)}`,
    outcome: rule.id,
  };
}

const plainText = (md: string): string => markdownToPlain(md, { oneLine: true });

// ---------------------------------------------------------------------------------------------------------------
// Data owner: details and access request

const ownerLine = (d: DatasetSnapshot, role: keyof typeof ROLE_LABEL): string =>
  d.owners
    .filter((o) => o.role === role)
    .map((o) => `${o.name} (${o.contact})`)
    .join('; ') || '—';

/** A data set as the catalog describes it: owners by role, classification, system, access procedure. */
export function datasetDetailBlocks(
  d: DatasetSnapshot,
  opts: { procedure?: boolean; roles?: WalkthroughDefinition['result'] } = {},
): Block[] {
  const fields = [
    { label: 'Data set', value: d.title },
    { label: 'Classification', value: CLASSIFICATION_LABEL[d.classification] },
    { label: 'System of record', value: d.system },
    { label: 'Business owner', value: ownerLine(d, 'business-owner') },
    { label: 'Technical owner', value: ownerLine(d, 'technical-owner') },
    { label: 'Data steward', value: ownerLine(d, 'data-steward') },
  ];
  if (opts.procedure) fields.push({ label: 'Access procedure', value: shorten(d.accessProcedure, 1500) });
  const out: Block[] = [block.fields(fields)];
  if (d.sample)
    out.push(
      block.notice('info', 'Sample catalog entry (fictional): your deployment replaces it with the real catalog.'),
    );
  if (opts.roles?.kind === 'access-request') {
    const r = opts.roles;
    out.push(
      block.markdown(
        `**Whom to ask for what**\n${bullets([
          `**Business owner**: ${r.roles['business-owner']}`,
          `**Technical owner**: ${r.roles['technical-owner']}`,
          `**Data steward**: ${r.roles['data-steward']}`,
        ])}`,
      ),
      block.notice(
        d.classification === 'public' || d.classification === 'internal' ? 'info' : 'warning',
        `**${CLASSIFICATION_LABEL[d.classification]}**: ${r.handling[d.classification]}`,
      ),
    );
  }
  return out;
}

function accessRequest(
  def: WalkthroughDefinition,
  result: AccessRequestResult,
  state: FlowState,
  ctx: FlowContext,
): BuiltResult {
  const d = state.dataset;
  if (!d) {
    return {
      heading: def.title,
      blocks: [block.notice('warning', 'No data set was chosen. Start over to search the catalog.')],
      fallbackText: 'No data set was chosen.',
      outcome: 'no-dataset',
    };
  }
  const facts = factsOf(state);
  const notes = applicableNotes(result.notes, facts);
  const query = state.answers[result.searchStep];
  const vars: Record<string, string> = {
    ...answerVars(def, state),
    date: isoDate(ctx.now),
    title: def.title,
    query: query?.text ?? query?.label ?? d.title,
    'dataset.id': d.id,
    'dataset.title': d.title,
    'dataset.system': d.system,
    'dataset.domain': d.domain,
    'dataset.classification': CLASSIFICATION_LABEL[d.classification],
    'owner.business-owner': ownerLine(d, 'business-owner'),
    'owner.technical-owner': ownerLine(d, 'technical-owner'),
    'owner.data-steward': ownerLine(d, 'data-steward'),
    handling: plainText(result.handling[d.classification]),
    'access-procedure': d.accessProcedure,
    notes:
      notes.length > 0 ? bullets(notes.map((n) => plainText(fillTemplate(n.consequence ?? n.text, {})))) : '- none',
  };
  const blocks: Block[] = [block.markdown(fillTemplate(result.intro, vars))];
  for (const n of notes) blocks.push(block.notice(n.level, fillTemplate(n.text, vars)));
  blocks.push(block.copyable('Access request', fillTemplate(result.template, vars)));
  const choices = notes.flatMap((n) => {
    const c = offerChoice(n);
    return c ? [c] : [];
  });
  // Only shown where a click can go somewhere (bot.handle drops it otherwise): the steward's channel or the experts'.
  choices.push(expertChoice({ d: d.id }, NOTIFY_STEWARD_LABEL));
  if (choices.length > 0) blocks.push(block.choices(choices));
  const refs = sourceRefs(ctx.knowledge, [d.id, ...result.sources, ...notes.flatMap((n) => n.sources)]);
  if (refs.length > 0) blocks.push(block.sources(refs));
  return {
    heading: `Access request: ${shorten(d.title, 100)}`,
    blocks,
    fallbackText: `Access request draft for ${d.title}: ask ${ownerLine(d, 'business-owner')} (business owner) to approve the purpose.`,
    outcome: d.id,
  };
}

export { CLASSIFICATION_LABEL, ROLE_LABEL };
