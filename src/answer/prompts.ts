// LLM prompt templates live in prompts/*.md (loaded once at start, never inlined). `{name}` placeholders are
// filled in one pass, so text inside a value (a question containing "{entries}") is never expanded again.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ErrorCode, MlopsGuideError } from '../errors.ts';

export interface Prompts {
  system: string;
  answer: string;
  entry: string;
}

export const DEFAULT_PROMPTS_DIR = resolve(fileURLToPath(new URL('../../prompts', import.meta.url)));

export function loadPrompts(dir: string = DEFAULT_PROMPTS_DIR): Prompts {
  const read = (name: string) => {
    try {
      return readFileSync(join(dir, `${name}.md`), 'utf8').trim();
    } catch (err) {
      throw new MlopsGuideError(ErrorCode.ConfigInvalid, `Prompt template ${name}.md is missing in ${dir}.`, {
        cause: err,
        remedy: 'Restore the prompts/ folder from the repository.',
      });
    }
  };
  return { system: read('system'), answer: read('answer'), entry: read('entry') };
}

export function fillTemplate(template: string, values: Record<string, string>): string {
  return template.replace(/\{(\w+)\}/g, (whole, key: string) =>
    Object.hasOwn(values, key) ? (values[key] as string) : whole,
  );
}

/** Keeps data from closing its delimiter block (`QUESTION>>>`, `<<<ENTRIES`) or opening another one. */
export function neutralizeDelimiters(text: string): string {
  return text.replace(/<{3,}/g, '‹‹‹').replace(/>{3,}/g, '›››');
}
