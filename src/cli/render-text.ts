// Renders a Reply for the terminal: Markdown kept mostly as-is, choices as numbered options.
import type { Choice, Reply } from '../core/reply.ts';

export interface TextRendering {
  text: string;
  /** Numbered choices in display order (1-based in the text). */
  choices: Choice[];
}

// Terminal control sequences in echoed text could move the cursor or recolour the screen.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const stripControl = (s: string) => s.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, '');

export function replyToText(reply: Reply): TextRendering {
  const out: string[] = [];
  const choices: Choice[] = [];
  for (const b of reply.blocks) {
    switch (b.type) {
      case 'heading':
        out.push(`\n== ${stripControl(b.text)} ==`);
        break;
      case 'markdown':
        out.push(stripControl(b.text));
        break;
      case 'plain':
        out.push(stripControl(b.text));
        break;
      case 'fields':
        out.push(b.fields.map((f) => `${stripControl(f.label)}: ${stripControl(f.value)}`).join('\n'));
        break;
      case 'sources':
        if (b.sources.length) {
          out.push(
            `Sources:\n${b.sources
              .map(
                (s, i) => `  [${i + 1}] ${s.title}${s.citation ? ` — ${s.citation}` : ''}${s.url ? ` <${s.url}>` : ''}`,
              )
              .join('\n')}`,
          );
        }
        break;
      case 'choices': {
        const lines = b.choices.map((c) => {
          choices.push(c);
          return `  ${choices.length}) ${stripControl(c.label)}`;
        });
        out.push(`${b.prompt ? `${stripControl(b.prompt)}\n` : ''}${lines.join('\n')}`);
        break;
      }
      case 'notice':
        out.push(`${b.level === 'error' ? '!!' : b.level === 'warning' ? '!' : 'i'} ${stripControl(b.text)}`);
        break;
      case 'copyable':
        out.push(`--- ${b.title} (copy) ---\n${stripControl(b.text)}\n--- end ---`);
        break;
      case 'divider':
        out.push('----');
        break;
      case 'feedback':
      // The terminal answers a step by typing it: a text field has nothing to show.
      case 'input':
        break;
    }
  }
  return { text: out.join('\n\n').trim(), choices };
}
