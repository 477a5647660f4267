// Knowledge: loading, validation and checks of the Markdown knowledge base.

export { normaliseQuestion } from './checks.ts';
export { formatProblem, KnowledgeError } from './errors.ts';
export { checkKnowledge, createKnowledgeBase, type KnowledgeCheck, loadKnowledge } from './load.ts';
export * from './schema.ts';
export type { KnowledgeBase, KnowledgeProblem } from './types.ts';
export {
  type Alias,
  type Concept,
  EMPTY_VOCABULARY,
  VOCABULARY_DIR,
  type VocabularyData,
} from './vocabulary.ts';
