import { join, relative } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { kbCheck } from '../../src/cli/kb-check.ts';
import { kbStats } from '../../src/cli/kb-stats.ts';
import { captureIo, copyGood, GOOD, type TempKb } from './helpers.ts';

let kb: TempKb | undefined;
afterEach(async () => {
  await kb?.remove();
  kb = undefined;
});

describe('kb check', () => {
  it('prints the summary and exits 0 for a good knowledge base', async () => {
    const io = captureIo();
    expect(await kbCheck([GOOD], io)).toBe(0);
    expect(io.stdout).toEqual(['9 entries, 0 errors, 0 warnings']);
    expect(io.stderr).toEqual([]);
  });

  it('prints file:line: message relative to the working directory and exits 1 on errors', async () => {
    kb = await copyGood();
    await kb.edit('challenges/challenge-model-drift.md', 'related: [property-drift]', 'related: [foo]');
    await kb.edit('glossary/glossary-mlops.md', '## Key points\n', '## Points\n');
    const cwd = join(kb.dir, '..');
    const io = captureIo();
    expect(await kbCheck(['knowledge'], io, { cwd })).toBe(1);
    expect(io.stdout).toEqual([
      'knowledge/challenges/challenge-model-drift.md:8: related: unknown id "foo"',
      'knowledge/glossary/glossary-mlops.md:14: warning: body has no "## Key points" section (the answerer quotes its bullets)',
      '9 entries, 1 errors, 1 warnings',
    ]);
  });

  it('exits 0 when there are only warnings', async () => {
    kb = await copyGood();
    await kb.edit('glossary/glossary-mlops.md', '## Key points\n', '## Points\n');
    const io = captureIo();
    expect(await kbCheck([kb.dir], io)).toBe(0);
    expect(io.stdout.at(-1)).toBe('9 entries, 0 errors, 1 warnings');
  });

  it('uses KNOWLEDGE_DIR from the environment when no directory is given', async () => {
    const io = captureIo();
    const cwd = join(GOOD, '..');
    expect(await kbCheck([], io, { env: { KNOWLEDGE_DIR: 'knowledge-good' }, cwd })).toBe(0);
    expect(io.stdout).toEqual(['9 entries, 0 errors, 0 warnings']);
  });

  it('exits 2 with the remedy when the directory does not exist', async () => {
    const io = captureIo();
    expect(await kbCheck(['/no/such/knowledge'], io)).toBe(2);
    expect(io.stderr.join('\n')).toMatch(/Knowledge directory not found: \/no\/such\/knowledge[\s\S]*KNOWLEDGE_DIR/);
    expect(io.stdout).toEqual([]);
  });

  it('exits 2 on an unknown flag or two directories, printing the usage', async () => {
    const io = captureIo();
    expect(await kbCheck(['--fix'], io)).toBe(2);
    expect(io.stderr[0]).toBe('Unknown option: --fix');
    expect(io.stderr.join('\n')).toContain('Usage: mlops-guide kb check [DIR]');
    const io2 = captureIo();
    expect(await kbCheck(['a', 'b'], io2)).toBe(2);
    expect(io2.stderr[0]).toMatch(/at most one directory/);
  });

  it('exits 2 when the configuration is invalid and no directory is given', async () => {
    const io = captureIo();
    expect(await kbCheck([], io, { env: { LOG_LEVEL: 'loud' } })).toBe(2);
    expect(io.stderr.join('\n')).toMatch(/LOG_LEVEL[\s\S]*kb check DIR/);
  });

  it('prints the usage with --help and exits 0', async () => {
    const io = captureIo();
    expect(await kbCheck(['--help'], io)).toBe(0);
    expect(io.stdout[0]).toBe('Usage: mlops-guide kb check [DIR]');
  });

  it('adds walkthrough problems when a walkthrough checker is given', async () => {
    const io = captureIo();
    const cwd = join(GOOD, '..', '..');
    const code = await kbCheck([GOOD], io, {
      cwd,
      checkWalkthroughs: async () => [
        { file: 'walkthroughs/infra.yaml', line: 3, message: 'steps: required', severity: 'error' },
      ],
    });
    expect(code).toBe(1);
    expect(io.stdout).toEqual([
      `${relative(cwd, GOOD)}/walkthroughs/infra.yaml:3: steps: required`,
      '9 entries, 1 errors, 0 warnings',
    ]);
  });
});

describe('kb stats', () => {
  it('prints counts by type and datasets by classification as JSON', async () => {
    const io = captureIo();
    expect(await kbStats([GOOD, '--json'], io)).toBe(0);
    expect(JSON.parse(io.stdout.join('\n'))).toEqual({
      total: 9,
      byType: {
        challenge: 1,
        solution: 1,
        guideline: 1,
        property: 1,
        infrastructure: 1,
        dataset: 2,
        glossary: 1,
        study: 1,
      },
      datasetsByClassification: { public: 1, internal: 1, confidential: 0, 'strictly-confidential': 0 },
    });
  });

  it('prints a table with a total', async () => {
    const io = captureIo();
    expect(await kbStats([GOOD], io)).toBe(0);
    const text = io.stdout.join('\n');
    expect(text).toMatch(/^dataset\s+2$/m);
    expect(text).toMatch(/^total\s+9$/m);
    expect(text).toMatch(/^internal\s+1$/m);
    expect(text).toMatch(/^strictly-confidential\s+0$/m);
  });

  it('counts the valid entries of a broken knowledge base and says the numbers are partial', async () => {
    kb = await copyGood();
    await kb.edit('glossary/glossary-mlops.md', 'title: "MLOps"\n', '');
    const io = captureIo();
    expect(await kbStats([kb.dir, '--json'], io)).toBe(0);
    expect(JSON.parse(io.stdout.join('\n')).total).toBe(8);
    expect(io.stderr.join('\n')).toMatch(/1 errors \(1 files not counted\).*kb check/);
  });

  it('exits 2 on an unknown flag and on a missing directory', async () => {
    const io = captureIo();
    expect(await kbStats(['--yaml'], io)).toBe(2);
    expect(io.stderr[0]).toBe('Unknown option: --yaml');
    const io2 = captureIo();
    expect(await kbStats(['/no/such/dir'], io2)).toBe(2);
    expect(io2.stderr[0]).toMatch(/not found/);
  });
});

describe('kb check with walkthroughs', () => {
  it('reports problems in walkthrough definitions (knowledge/walkthroughs/*.yaml) too', async () => {
    kb = await copyGood();
    await kb.write('walkthroughs/broken.yaml', 'id: broken\nsteps: [\n');
    const io = captureIo();
    expect(await kbCheck([kb.dir], io, { cwd: join(kb.dir, '..') })).toBe(1);
    expect(io.stdout[0]).toMatch(/^knowledge\/walkthroughs\/broken\.yaml:\d+: /);
    expect(io.stdout.at(-1)).toMatch(/^9 entries, [1-9]\d* errors, \d+ warnings$/);
  });
});
