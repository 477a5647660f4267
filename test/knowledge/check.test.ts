import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checkKnowledge, formatProblem, type KnowledgeProblem } from '../../src/knowledge/index.ts';
import { copyGood, GOOD, type TempKb } from './helpers.ts';

let kb: TempKb;
beforeEach(async () => {
  kb = await copyGood();
});
afterEach(async () => {
  await kb.remove();
});

const lines = (problems: KnowledgeProblem[]) => problems.map((p) => formatProblem(p));
const errorsOf = async (dir: string) =>
  lines((await checkKnowledge(dir)).problems.filter((p) => p.severity === 'error'));

describe('checkKnowledge', () => {
  it('finds no problems in the good fixture', async () => {
    const result = await checkKnowledge(GOOD);
    expect(result.problems).toEqual([]);
    expect(result.entries).toHaveLength(9);
    expect(result.files).toBe(9);
  });

  it('reports a YAML syntax error with the line it is on', async () => {
    await kb.edit('challenges/challenge-model-drift.md', 'tags: [drift, monitoring]', 'tags: [drift, monitoring');
    const errors = await errorsOf(kb.dir);
    expect(errors.length).toBeGreaterThan(0);
    expect(errors[0]).toMatch(/^challenges\/challenge-model-drift\.md:(6|7): YAML syntax: /);
  });

  it('reports an unterminated quote on its line', async () => {
    await kb.edit('glossary/glossary-mlops.md', 'title: "MLOps"', 'title: "MLOps');
    const errors = await errorsOf(kb.dir);
    expect(errors.length).toBeGreaterThan(0);
    expect(errors[0]).toMatch(/^glossary\/glossary-mlops\.md:4: YAML syntax: /);
  });

  it('reports a duplicated key on its line', async () => {
    await kb.edit('glossary/glossary-mlops.md', 'term: MLOps\n', 'term: MLOps\ntitle: "Again"\n');
    expect(await errorsOf(kb.dir)).toEqual([
      expect.stringMatching(/^glossary\/glossary-mlops\.md:7: YAML syntax: .*unique/i),
    ]);
  });

  it('reports a file without front matter', async () => {
    await kb.write('glossary/glossary-plain.md', '# Just Markdown\n\nNo front matter here.\n');
    expect(await errorsOf(kb.dir)).toEqual([
      expect.stringMatching(/^glossary\/glossary-plain\.md:1: missing front matter/),
    ]);
  });

  it('reports front matter that is never closed', async () => {
    await kb.write('glossary/glossary-open.md', '---\nid: glossary-open\ntitle: x\n');
    expect(await errorsOf(kb.dir)).toEqual([expect.stringMatching(/:1: front matter is not closed/)]);
  });

  it('reports front matter that is not key: value fields', async () => {
    await kb.write('glossary/glossary-list.md', '---\n- a\n- b\n---\nBody\n');
    expect(await errorsOf(kb.dir)).toEqual([
      expect.stringMatching(/glossary-list\.md:1: front matter must be YAML fields/),
    ]);
  });

  it('reports a missing title at the front matter start', async () => {
    await kb.edit('glossary/glossary-mlops.md', 'title: "MLOps"\n', '');
    expect(await errorsOf(kb.dir)).toEqual(['glossary/glossary-mlops.md:1: title: required']);
  });

  it('reports a bad field value on the line of that field', async () => {
    await kb.edit('infrastructure/infra-cloud.md', 'operationsEffort: low', 'operationsEffort: tiny');
    const errors = await errorsOf(kb.dir);
    expect(errors).toEqual([expect.stringMatching(/^infrastructure\/infra-cloud\.md:12: operationsEffort: /)]);
  });

  it('points nested problems at the nested line (owners[1].contact, sources[0].url)', async () => {
    await kb.edit('datasets/dataset-shift-logs.md', '    contact: "mes@example.com"\n', '');
    await kb.edit('solutions/solution-monitoring.md', 'url: "https://example.com/nannyml"', 'url: "not a url"');
    expect(await errorsOf(kb.dir)).toEqual([
      'datasets/dataset-shift-logs.md:10: owners[1].contact: required',
      expect.stringMatching(/^solutions\/solution-monitoring\.md:14: sources\[0\]\.url: /),
    ]);
  });

  it('reports unknown fields and unknown types by name', async () => {
    await kb.edit('glossary/glossary-mlops.md', 'term: MLOps', 'term: MLOps\ncolour: blue');
    await kb.edit('study/study-overview.md', 'type: study', 'type: studdy');
    expect(await errorsOf(kb.dir)).toEqual([
      'glossary/glossary-mlops.md:7: colour: unknown field (see knowledge/README.md for the fields of each type)',
      expect.stringMatching(/^study\/study-overview\.md:3: type: unknown type "studdy"; must be one of challenge, /),
    ]);
  });

  it('reports an unknown related id on its line', async () => {
    await kb.edit(
      'challenges/challenge-model-drift.md',
      'related: [property-drift]',
      'related:\n  - property-drift\n  - foo',
    );
    expect(await errorsOf(kb.dir)).toEqual(['challenges/challenge-model-drift.md:10: related: unknown id "foo"']);
  });

  it('reports unknown and wrongly typed solutions / addresses ids', async () => {
    await kb.edit(
      'solutions/solution-monitoring.md',
      'addresses: [challenge-model-drift]',
      'addresses: [property-drift, nope]',
    );
    const errors = await errorsOf(kb.dir);
    expect(errors).toEqual([
      'solutions/solution-monitoring.md:6: addresses: "property-drift" is a property, not a challenge',
      'solutions/solution-monitoring.md:6: addresses: unknown id "nope"',
    ]);
  });

  it('reports a challenge whose solutions all do not exist', async () => {
    await kb.edit(
      'challenges/challenge-model-drift.md',
      'solutions: [solution-monitoring]',
      'solutions: [solution-gone]',
    );
    expect(await errorsOf(kb.dir)).toEqual([
      'challenges/challenge-model-drift.md:7: solutions: unknown id "solution-gone"',
      'challenges/challenge-model-drift.md:7: challenge without an existing solution: add a solution entry or fix the ids in solutions',
    ]);
  });

  it('reports a duplicate id in both files', async () => {
    const copy = (await kb.read('glossary/glossary-mlops.md'))
      .replace('What is MLOps?', 'So what is MLOps')
      .replace('What does MLOps mean?', 'MLOps meaning')
      .replace('Define MLOps', 'MLOps definition');
    await kb.write('glossary/glossary-mlops-copy.md', copy);
    const errors = await errorsOf(kb.dir);
    expect(errors).toEqual([
      'glossary/glossary-mlops-copy.md:2: id: duplicate id "glossary-mlops", also used by glossary/glossary-mlops.md',
      'glossary/glossary-mlops.md:2: id: duplicate id "glossary-mlops", also used by glossary/glossary-mlops-copy.md',
    ]);
  });

  it('reports duplicate questions across entries, ignoring case and punctuation', async () => {
    await kb.edit('glossary/glossary-mlops.md', '"Define MLOps"', '"why does my model get WORSE over time"');
    const errors = await errorsOf(kb.dir);
    expect(errors).toEqual([
      'challenges/challenge-model-drift.md:10: questions: duplicate question "Why does my model get worse over time?", also in glossary-mlops (glossary/glossary-mlops.md)',
      'glossary/glossary-mlops.md:10: questions: duplicate question "why does my model get WORSE over time", also in challenge-model-drift (challenges/challenge-model-drift.md)',
    ]);
  });

  it('reports duplicate property names (commands look them up by name)', async () => {
    const copy = (await kb.read('properties/property-drift.md'))
      .replace('id: property-drift', 'id: property-drift-2')
      .replace(/questions:\n( {2}- .*\n)+/, 'questions:\n  - "a one"\n  - "b two"\n  - "c three"\n');
    await kb.write('properties/property-drift-2.md', copy);
    const errors = await errorsOf(kb.dir);
    expect(errors).toHaveLength(2);
    expect(errors[0]).toMatch(/property-drift-2\.md:6: name: "drift" is also used by properties\/property-drift\.md/);
  });

  it('warns when an alias also names another entry (its term or alias), on the alias line of both', async () => {
    await kb.edit('properties/property-drift.md', 'aliases: [model decay]', 'aliases: [model decay, mlops]');
    const result = await checkKnowledge(kb.dir);
    const warnings = lines(result.problems.filter((p) => p.severity === 'warning'));
    expect(warnings).toEqual([
      expect.stringMatching(
        /^glossary\/glossary-mlops\.md:6: warning: term: "MLOps" also names property-drift \(aliases\)/,
      ),
      expect.stringMatching(
        /^properties\/property-drift\.md:7: warning: aliases: "mlops" also names glossary-mlops \(term\); a question with it cannot tell the entries apart/,
      ),
    ]);
    expect(result.problems.filter((p) => p.severity === 'error')).toEqual([]);
  });

  it('reports an empty body as an error', async () => {
    await kb.edit('glossary/glossary-mlops.md', /---\nMLOps applies[\s\S]*$/, '---\n\n');
    expect(await errorsOf(kb.dir)).toEqual([expect.stringMatching(/^glossary\/glossary-mlops\.md:\d+: empty body/)]);
  });

  it('warns (without failing) about a missing Key points section and an id that differs from the file name', async () => {
    await kb.edit('glossary/glossary-mlops.md', '## Key points\n', '## Points\n');
    await kb.edit('study/study-overview.md', 'id: study-overview', 'id: study-intro');
    const result = await checkKnowledge(kb.dir);
    expect(result.problems.every((p) => p.severity === 'warning')).toBe(true);
    expect(lines(result.problems)).toEqual([
      'glossary/glossary-mlops.md:14: warning: body has no "## Key points" section (the answerer quotes its bullets)',
      'study/study-overview.md:2: warning: id: "study-intro" differs from the file name; rename the file to study-intro.md',
    ]);
    expect(result.entries).toHaveLength(9);
  });

  it('does not cascade: an entry with schema errors still counts as an existing id', async () => {
    await kb.edit('properties/property-drift.md', 'name: drift\n', '');
    expect(await errorsOf(kb.dir)).toEqual(['properties/property-drift.md:1: name: required']);
  });

  it('accepts Windows line endings and a byte order mark', async () => {
    const text = await kb.read('glossary/glossary-mlops.md');
    await kb.write('glossary/glossary-mlops.md', `\ufeff${text.replace(/\n/g, '\r\n')}`);
    expect((await checkKnowledge(kb.dir)).problems).toEqual([]);
  });

  it('reports problems in a stable order: by file, then line', async () => {
    await kb.edit('study/study-overview.md', 'title: "The study"\n', '');
    await kb.edit('challenges/challenge-model-drift.md', 'related: [property-drift]', 'related: [foo]');
    await kb.edit('challenges/challenge-model-drift.md', 'title: "Model drift"\n', '');
    const result = await checkKnowledge(kb.dir);
    expect(result.problems.map((p) => `${p.file}:${p.line}`)).toEqual([
      'challenges/challenge-model-drift.md:1',
      'study/study-overview.md:1',
    ]);
  });
});
