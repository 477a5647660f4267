// Answers: extractive by default, opt-in LLM with checked citations, and the Answer → Reply converter.

export { type AnswererDeps, checkQuestion, createAnswerer, MAX_QUESTION_CHARS } from './answerer.ts';
export { type Decision, decide } from './decide.ts';
export { keyPoints } from './key-points.ts';
export { type ChatModel, checkCitations, createChatModel, type LlmSettings } from './llm.ts';
export { loadPrompts, type Prompts } from './prompts.ts';
export { answerToReply } from './reply.ts';
export type { Answer, Answerer, AnswerToReply, ConversationContext, ConversationTurn, Suggestion } from './types.ts';
