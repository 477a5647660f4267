// Knowledge: loading, validation and checks of the Markdown knowledge base.
export { createKnowledgeBase, checkKnowledge, hashKnowledge, type KnowledgeCheck, loadKnowledge } from './load.ts';
export { formatProblem, KnowledgeError } from './errors.ts';
export { normaliseQuestion } from './checks.ts';
export type { KnowledgeBase, KnowledgeProblem } from './types.ts';
export * from './schema.ts';
