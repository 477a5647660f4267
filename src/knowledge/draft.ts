// "Draft an entry" for a knowledge gap: a Markdown skeleton with the front matter a guideline needs and the
// users' own questions pre-filled as `questions`. The placeholders are chosen so that `kb check` refuses the draft
// until a maintainer fills them in (an upper-case id is not kebab-case, empty strings are "must not be empty"),
// and accepts it once they are.

/** What a draft is made from: a gap group's phrasings (the representative first). */
export interface DraftSource {
  representative: string;
  examples: readonly string[];
  /** Shown as a comment, so the maintainer sees why users were unhappy. */
  reasons?: readonly string[];
}

/** The id placeholder (fails the kebab-case rule until replaced). */
export const DRAFT_ID_PLACEHOLDER = 'REPLACE-ME';
/** The topic placeholder (fails the kebab-case rule until replaced). */
export const DRAFT_TOPIC_PLACEHOLDER = 'REPLACE-ME';
/** Phrasings text-not-stored groups carry; never a question. */
const NO_TEXT = '(question text not stored)';
/** The schema wants 3 to 8 questions. */
const MIN_QUESTIONS = 3;
const MAX_QUESTIONS = 8;

/** A YAML double-quoted scalar (JSON's string syntax is a subset of it), on one line. */
const yamlString = (text: string): string => JSON.stringify(text.replace(/\s+/g, ' ').trim());
const comment = (text: string): string => text.replace(/[\r\n]+/g, ' ').trim();

export function draftEntry(source: DraftSource): string {
  const seen = new Set<string>();
  const questions: string[] = [];
  for (const q of [source.representative, ...source.examples]) {
    const text = q.replace(/\s+/g, ' ').trim();
    const key = text.toLowerCase();
    if (!text || text === NO_TEXT || seen.has(key)) continue;
    seen.add(key);
    questions.push(text);
  }
  const lines = [
    '---',
    '# Drafted by the MLOps Guide console from a knowledge gap. Fill in every empty "" and REPLACE-ME, rename the',
    '# file to <id>.md, put it under knowledge/guidelines/ (or change the type and its fields: knowledge/README.md),',
    '# then run `npx mlops-guide kb check`.',
    `id: ${DRAFT_ID_PLACEHOLDER}`,
    'type: guideline',
    `topic: ${DRAFT_TOPIC_PLACEHOLDER}`,
    'title: ""',
    '# The short answer, at most 320 characters.',
    'summary: ""',
    'tags: []',
    'related: []',
    '# 3 to 8 ways users ask for this entry: their own words, as recorded.',
    'questions:',
    ...questions.slice(0, MAX_QUESTIONS).map((q) => `  - ${yamlString(q)}`),
    ...Array.from({ length: Math.max(0, MIN_QUESTIONS - questions.length) }, () => '  - ""'),
    'sources:',
    '  - citation: ""',
  ];
  for (const reason of source.reasons ?? []) lines.push(`# 👎 reason given: ${comment(reason)}`);
  lines.push('---', 'REPLACE-ME: the direct answer, in one paragraph.', '', '## Key points', '- REPLACE-ME', '');
  return lines.join('\n');
}
