// Answer → platform-neutral Reply (src/core/reply.ts). Suggestions become `command` choices whose value is the
// command line the core runs when clicked (`infra`, `data-owner`, `property drift`).

import { markdownToPlain } from '../base/text.ts';
import { type Block, block, CoreAction, type Reply } from '../core/reply.ts';
import type { Answer } from './types.ts';

export function answerToReply(answer: Answer): Reply {
  const blocks: Block[] = [];
  const choices = answer.suggestions.map((s) => ({ actionId: CoreAction.Command, value: s.id, label: s.label }));
  if (answer.abstained) {
    blocks.push(block.markdown(answer.markdown));
    // A soft abstain offers the closest entries as buttons (`show <id>`) and keeps 👍/👎, so a miss reaches the
    // maintainers' gap report with the user's verdict.
    if (choices.length > 0) blocks.push(block.choices(choices, answer.soft ? 'Closest entries:' : undefined));
    if (answer.soft) blocks.push(block.feedback(answer.answerId));
    return {
      kind: 'abstain',
      blocks,
      fallbackText: markdownToPlain(answer.markdown),
      ...(answer.soft ? { answerId: answer.answerId } : {}),
    };
  }
  // The rest of the answer (related entries, options, more points) is one click away, not in the way.
  if (answer.more) choices.unshift({ actionId: CoreAction.Command, value: `more ${answer.answerId}`, label: 'More' });
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
    fallbackText: markdownToPlain(answer.markdown).slice(0, 300),
    answerId: answer.answerId,
  };
}
