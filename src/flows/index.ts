// Guided walkthroughs (infrastructure choice, finding a data owner) and the data-catalog search.

export { type CatalogMatch, searchCatalog } from './catalog.ts';
export {
  definitionSchema,
  RESULT_STEP,
  type WalkthroughDefinition,
  type WalkthroughOption,
  type WalkthroughStep,
} from './definition.ts';
export { advance } from './engine.ts';
export { type CheckOptions, checkWalkthroughs, loadWalkthroughs } from './load.ts';
export { exactOption, looksLikeQuestion, matchOption } from './match.ts';
export { createWalkthroughs, DEFAULT_FLOW_TTL_MS, flowStoreKey, type WalkthroughDeps } from './service.ts';
export {
  ACTION_PREFIX,
  type ActionValue,
  type AdvanceResult,
  decodeAction,
  encodeAction,
  type FlowContext,
  type FlowEvent,
  type FlowInput,
  type FlowState,
} from './state.ts';
export type { FlowKey, FlowTextResult, Walkthroughs } from './types.ts';
