// "Draft an entry" (src/knowledge/draft.ts): the skeleton kb check refuses until the placeholders are filled in,
// and accepts once a maintainer has filled them; the users' own questions are its `questions`.
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { draftEntry } from '../../src/knowledge/draft.ts';
import { checkKnowledge } from '../../src/knowledge/load.ts';
import { knowledgeGaps } from '../../src/store/gaps.ts';

const FIXTURE = join(import.meta.dirname, '../fixtures/knowledge-good');
let dir: string | undefined;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

async function check(markdown: string, name = 'guideline-label-images.md') {
  dir = mkdtempSync(join(tmpdir(), 'draft-'));
  cpSync(FIXTURE, dir, { recursive: true });
  writeFileSync(join(dir, 'guidelines', name), markdown);
  const result = await checkKnowledge(dir);
  return result.problems.filter((p) => p.severity === 'error').map((p) => `${p.file}:${p.line}: ${p.message}`);
}

/** What a maintainer does: fill every placeholder. */
function fillIn(draft: string, extraQuestions: string[] = []): string {
  return draft
    .replace('id: REPLACE-ME', 'id: guideline-label-images')
    .replace('topic: REPLACE-ME', 'topic: labelling')
    .replace('title: ""', 'title: "Label images for defect detection"')
    .replace('summary: ""', 'summary: "Label a representative sample with the people who know the defects."')
    .replace(/^ {2}- ""$/m, `  - ${JSON.stringify(extraQuestions[0] ?? 'How should images be labelled?')}`)
    .replace(/^ {2}- ""$/m, `  - ${JSON.stringify(extraQuestions[1] ?? 'Who labels our images?')}`)
    .replace('  - citation: ""', '  - citation: "Internal labelling guide"')
    .replace('REPLACE-ME: the direct answer, in one paragraph.', 'Label a representative sample first.')
    .replace('- REPLACE-ME', '- Involve the process experts.');
}

const event = (text: string, at: number) => ({
  type: 'question' as const,
  at,
  platform: 'slack',
  userHash: 'u',
  text,
  answerId: `a-${at}`,
  abstained: true,
  confidence: 0,
});

describe('draftEntry', () => {
  it('pre-fills the users’ questions from a gap group, as YAML strings, and pads to the 3 the schema needs', () => {
    const [group] = knowledgeGaps([
      event('How do we label images for defect detection?', 1),
      event('how do we label images for defect detection', 2),
      event('Label images for defect detection: how?', 3),
    ]);
    if (!group) throw new Error('no group');
    const draft = draftEntry(group);
    expect(draft.startsWith('---\n# Drafted by the MLOps Guide console')).toBe(true);
    expect(draft).toContain(
      'questions:\n  - "how do we label images for defect detection"\n  - "Label images for defect detection: how?"\n  - ""\nsources:',
    );
  });

  it('is refused by kb check as generated, and accepted once the placeholders are filled in', async () => {
    const draft = draftEntry({
      representative: 'How do we label images for "defect" detection? #1: yes',
      examples: ['(question text not stored)', 'Labelling images — who does it?'],
      reasons: ['nothing about\nlabelling'],
    });
    expect(draft).toContain('# 👎 reason given: nothing about labelling');
    const refused = await check(draft);
    expect(refused.some((p) => p.includes('id: must be kebab-case'))).toBe(true);
    expect(refused.some((p) => p.includes('title: must not be empty'))).toBe(true);
    expect(await check(fillIn(draft))).toEqual([]);
  });

  it('keeps at most 8 questions (the schema’s limit) and drops duplicates', async () => {
    const many = Array.from({ length: 12 }, (_, i) => `Question number ${i} about labelling images?`);
    const draft = draftEntry({ representative: many[0] ?? '', examples: [...many, many[1] ?? ''] });
    expect(draft.match(/^ {2}- "Question number/gm)).toHaveLength(8);
    expect(await check(fillIn(draft))).toEqual([]);
  });
});
