import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/errors.ts';
import { checkWalkthroughs, loadWalkthroughs } from '../../src/flows/index.ts';
import { KnowledgeError } from '../../src/knowledge/errors.ts';
import { fixtureKnowledge } from '../fixtures/flows/kb.ts';
import { definitions, relabelledDefinitions, WALKTHROUGHS_DIR } from './helpers.ts';

const fixture = (name: string) => resolve(import.meta.dirname, '../fixtures/flows', name);
const format = (p: { file: string; line: number; message: string }) => `${p.file}:${p.line}: ${p.message}`;

describe('walkthrough definitions', () => {
  it('the reworded copy the flow tests also run on changes every label and nothing else the engine reads', async () => {
    const labels = (defs: Awaited<ReturnType<typeof definitions>>) =>
      defs.flatMap((d) => [
        ...d.steps.flatMap((st) => st.options.map((o) => o.label)),
        ...d.result.notes.flatMap((n) => (n.offerLabel ? [n.offerLabel] : [])),
      ]);
    const values = (defs: Awaited<ReturnType<typeof definitions>>) =>
      defs.flatMap((d) => d.steps.flatMap((st) => st.options.map((o) => `${d.id}/${st.id}/${o.value}`)));
    const shipped = await definitions();
    const reworded = await relabelledDefinitions();
    expect(labels(reworded)).toHaveLength(labels(shipped).length);
    expect(labels(reworded).filter((l) => labels(shipped).includes(l))).toEqual([]);
    expect(values(reworded)).toEqual(values(shipped));
  });

  it('ships infra and data-owner definitions without errors', async () => {
    const problems = await checkWalkthroughs(WALKTHROUGHS_DIR);
    expect(problems.filter((p) => p.severity === 'error').map(format)).toEqual([]);
    const defs = await loadWalkthroughs(WALKTHROUGHS_DIR);
    expect(defs.map((d) => d.id).sort()).toEqual(['data-owner', 'infra']);
    expect(defs.find((d) => d.id === 'infra')?.file).toBe('infra.yaml');
  });

  it('accepts the knowledge directory and reports paths relative to it (as `kb check` passes it)', async () => {
    const knowledgeDir = resolve(WALKTHROUGHS_DIR, '..');
    const problems = await checkWalkthroughs(knowledgeDir);
    expect(problems.filter((p) => p.severity === 'error')).toEqual([]);
    const bad = await checkWalkthroughs(fixture('.'));
    expect(bad).toEqual([]); // test/fixtures/flows has no walkthroughs/ folder and no yaml files of its own
  });

  it('reports schema errors with file:line', async () => {
    const problems = await checkWalkthroughs(fixture('bad'));
    expect(problems.filter((p) => p.file === 'broken.yaml').map(format)).toEqual([
      'broken.yaml:22: steps.1.options.1.label: missing required field',
    ]);
  });

  it('reports broken references between steps, rules, options and placeholders with file:line', async () => {
    const problems = await checkWalkthroughs(fixture('bad'), { knowledge: fixtureKnowledge() });
    expect(problems.filter((p) => p.file === 'semantic.yaml').map(format)).toEqual([
      'semantic.yaml:13: next: no step "sizes"',
      'semantic.yaml:18: step "colour" has no option "green"',
      'semantic.yaml:28: no option "missing" in result.options',
      'semantic.yaml:29: unknown placeholder {{answer.size}}',
      'semantic.yaml:33: knowledge entry "infra-nowhere" not found (it is not cited)',
    ]);
    expect(problems.find((p) => p.message.includes('infra-nowhere'))?.severity).toBe('warning');
  });

  it('reports YAML syntax errors with the line', async () => {
    // Written at run time: a broken YAML file in the repo would trip the formatter.
    const dir = mkdtempSync(join(tmpdir(), 'walkthroughs-'));
    writeFileSync(join(dir, 'bad-yaml.yaml'), 'id: syntax\ntitle: Syntax\nsteps:\n  - id: a\n    title: [unclosed\n');
    const [problem] = await checkWalkthroughs(dir);
    rmSync(dir, { recursive: true, force: true });
    expect(problem).toMatchObject({ file: 'bad-yaml.yaml', line: 6, severity: 'error' });
    expect(problem?.message).toMatch(/^YAML: /);
  });

  it('refuses to load a directory with errors, listing them', async () => {
    const err = await loadWalkthroughs(fixture('bad')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KnowledgeError);
    expect((err as KnowledgeError).code).toBe(ErrorCode.KnowledgeInvalid);
    expect((err as KnowledgeError).message).toContain('semantic.yaml:13: next: no step "sizes"');
  });

  it('reports a missing directory as KnowledgeNotFound', async () => {
    const err = await checkWalkthroughs(fixture('does-not-exist')).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: ErrorCode.KnowledgeNotFound });
  });

  it('loads a minimal valid definition with defaults filled in', async () => {
    const [mini] = await loadWalkthroughs(fixture('good'));
    expect(mini?.steps[0]?.kind).toBe('choice');
    expect(mini?.steps[0]?.options[0]?.synonyms).toEqual([]);
  });
});
