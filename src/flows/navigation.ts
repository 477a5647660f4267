// Navigation through a definition: which step comes next, given the answers of the steps actually visited.
// Pure functions of the definition and the state.
import {
  type Condition,
  RESULT_STEP,
  type WalkthroughDefinition,
  type WalkthroughStep,
  type When,
} from './definition.ts';
import type { FlowState } from './state.ts';

export function stepById(def: WalkthroughDefinition, id: string): WalkthroughStep | undefined {
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

export function defaultNext(def: WalkthroughDefinition, step: WalkthroughStep): string {
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

export function freshState(def: WalkthroughDefinition, now: number, rev = 0): FlowState {
  const state: FlowState = { v: 1, flow: def.id, step: RESULT_STEP, rev, answers: {}, history: [], startedAt: now };
  state.step = firstStep(def, state);
  return state;
}

export function moveTo(
  def: WalkthroughDefinition,
  state: FlowState,
  answered: WalkthroughStep,
  target: string,
): FlowState {
  const next: FlowState = { ...state, history: [...state.history, answered.id], rev: state.rev + 1 };
  next.step = nextStep(def, next, target);
  return next;
}
