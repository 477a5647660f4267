import { afterEach, describe, expect, it } from 'vitest';
import { ErrorCode, MlopsGuideError } from '../../src/errors.ts';
import { checkKnowledge, createKnowledgeBase, KnowledgeError, loadKnowledge } from '../../src/knowledge/index.ts';
import { copyGood, GOOD, type TempKb } from './helpers.ts';

let kb: TempKb | undefined;
afterEach(async () => {
  await kb?.remove();
  kb = undefined;
});

describe('loadKnowledge', () => {
  it('loads every entry of the fixture, skipping README.md and walkthroughs/', async () => {
    const base = await loadKnowledge(GOOD);
    expect(base.entries.map((e) => e.id)).toEqual([
      'challenge-model-drift',
      'dataset-public-constants',
      'dataset-shift-logs',
      'glossary-mlops',
      'guideline-versioning',
      'infra-cloud',
      'property-drift',
      'solution-monitoring',
      'study-overview',
    ]);
    expect(base.dir).toBe(GOOD);
    expect(base.hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('gives entries their body, relative file and schema defaults', async () => {
    const base = await loadKnowledge(GOOD);
    const drift = base.get('challenge-model-drift');
    expect(drift?.file).toBe('challenges/challenge-model-drift.md');
    expect(drift?.body.startsWith('Models degrade when production data')).toBe(true);
    expect(drift?.body).toContain('## Key points');
    expect(drift?.body).not.toContain('---');
    const glossary = base.get('glossary-mlops');
    expect(glossary?.tags).toEqual([]);
    expect(glossary?.related).toEqual([]);
    expect(base.get('nope')).toBeUndefined();
  });

  it('filters entries by type with ofType', async () => {
    const base = await loadKnowledge(GOOD);
    expect(
      base
        .ofType('dataset')
        .map((d) => d.classification)
        .sort(),
    ).toEqual(['internal', 'public']);
    expect(base.ofType('property')[0]?.name).toBe('drift');
    expect(base.ofType('challenge')).toHaveLength(1);
  });

  it('gives the same hash for the same files, and a different one after any edit (walkthroughs included)', async () => {
    kb = await copyGood();
    await kb.write('walkthroughs/infra.yaml', 'id: infra\n');
    const before = (await loadKnowledge(kb.dir)).hash;
    expect((await loadKnowledge(kb.dir)).hash).toBe(before);
    await kb.edit('walkthroughs/infra.yaml', 'id: infra', 'id: infra2');
    const afterYaml = (await loadKnowledge(kb.dir)).hash;
    expect(afterYaml).not.toBe(before);
    await kb.edit('README.md', 'Fixture', 'Test fixture');
    expect((await loadKnowledge(kb.dir)).hash).not.toBe(afterYaml);
  });

  it('ignores dot files for the hash (editor swap files must not trigger a reload)', async () => {
    kb = await copyGood();
    const before = (await loadKnowledge(kb.dir)).hash;
    await kb.write('.challenge-model-drift.md.swp', 'junk');
    expect((await loadKnowledge(kb.dir)).hash).toBe(before);
  });

  it('throws KnowledgeNotFound with a remedy when the directory is missing', async () => {
    const err = await loadKnowledge('/definitely/not/here').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MlopsGuideError);
    expect((err as MlopsGuideError).code).toBe(ErrorCode.KnowledgeNotFound);
    expect((err as MlopsGuideError).remedy).toMatch(/KNOWLEDGE_DIR/);
  });

  it('throws KnowledgeNotFound when the path is a file', async () => {
    const err = await loadKnowledge(`${GOOD}README.md`).catch((e: unknown) => e);
    expect((err as MlopsGuideError).code).toBe(ErrorCode.KnowledgeNotFound);
  });

  it('throws a KnowledgeError (KnowledgeInvalid) carrying every problem when anything is wrong', async () => {
    kb = await copyGood();
    await kb.edit('glossary/glossary-mlops.md', 'title: "MLOps"\n', '');
    await kb.edit('challenges/challenge-model-drift.md', 'related: [property-drift]', 'related: [foo]');
    const err = await loadKnowledge(kb.dir).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KnowledgeError);
    const ke = err as KnowledgeError;
    expect(ke.code).toBe(ErrorCode.KnowledgeInvalid);
    expect(ke.problems.map((p) => `${p.file}:${p.line}: ${p.message}`)).toEqual([
      'challenges/challenge-model-drift.md:8: related: unknown id "foo"',
      'glossary/glossary-mlops.md:1: title: required',
    ]);
    expect(ke.message).toContain('glossary/glossary-mlops.md:1: title: required');
    expect(ke.remedy).toMatch(/kb check/);
  });

  it('loads despite warnings and logs them through the injected logger', async () => {
    kb = await copyGood();
    await kb.edit('glossary/glossary-mlops.md', '## Key points\n- Code, data and models all change.', 'More text.');
    const warnings: unknown[] = [];
    const logger = {
      debug() {},
      info() {},
      error() {},
      warn: (obj: object, msg?: string) => warnings.push({ obj, msg }),
    };
    const base = await loadKnowledge(kb.dir, { logger });
    expect(base.get('glossary-mlops')).toBeDefined();
    expect(warnings).toHaveLength(1);
  });
});

describe('createKnowledgeBase', () => {
  it('builds a frozen knowledge base from entries (for tests of other modules)', async () => {
    const { entries } = await checkKnowledge(GOOD);
    const base = createKnowledgeBase('/x', entries);
    expect(base.entries).toHaveLength(9);
    expect(Object.isFrozen(base.entries)).toBe(true);
    expect(base.get('infra-cloud')?.type).toBe('infrastructure');
    expect(base.hash).toMatch(/^[0-9a-f]{64}$/);
  });
});
