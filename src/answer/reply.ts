// Answer → platform-neutral Reply (src/core/reply.ts). Suggestions become `command` choices whose value is the
// command line the core runs when clicked (`infra`, `data-owner`, `property drift`).
import { type Block, block, CoreAction, type Reply } from '../core/reply.ts';
import type { Answer } from './types.ts';

function plainText(markdown: string): string {
  return markdown
    .replace(/\*\*(.+?)\*\*/g, '$1')
    .replace(/`([^`]+)`/g, '$1')
    .replace(/\[([^\]]+)\]\([^)]+\)/g, '$1');
}

export function answerToReply(answer: Answer): Reply {
  const blocks: Block[] = [];
  const choices = answer.suggestions.map((s) => ({ actionId: CoreAction.Command, value: s.id, label: s.label }));
  if (answer.abstained) {
    blocks.push(block.markdown(answer.markdown));
    if (choices.length > 0) blocks.push(block.choices(choices));
    return { kind: 'abstain', blocks, fallbackText: plainText(answer.markdown) };
  }
  const title = answer.sources[0]?.title;
  if (title) blocks.push(block.heading(title));
  blocks.push(block.markdown(answer.markdown));
  if (answer.confidence < 0.5) {
    blocks.push(block.notice('info', 'I am not sure this matches your question; check the sources.'));
  }
  if (answer.sources.length > 0) blocks.push(block.sources(answer.sources));
  if (choices.length > 0) blocks.push(block.choices(choices, 'Next steps:'));
  blocks.push(block.feedback(answer.answerId));
  return {
    kind: 'answer',
    blocks,
    // The answer text already opens with the entry's title; a notification shows it once.
    fallbackText: plainText(answer.markdown).slice(0, 300),
    answerId: answer.answerId,
  };
}
