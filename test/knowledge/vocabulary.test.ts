// knowledge/vocabulary/*.yaml: what `kb check` reports (file:line) and what the loaded vocabulary holds.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checkKnowledge, formatProblem } from '../../src/knowledge/index.ts';
import { copyGood, type TempKb } from './helpers.ts';

let kb: TempKb;
beforeEach(async () => {
  kb = await copyGood();
});
afterEach(async () => {
  await kb.remove();
});

const problemsOf = async () => (await checkKnowledge(kb.dir)).problems.map((p) => formatProblem(p));

const GOOD_FILE = `# tools
concepts:
  - id: experiment-tracking
    en: [experiment tracking, run tracking]
    de: [Experimentverfolgung]
  - id: drift
    en: [drift, decay]
    de: [Drift]
aliases:
  - alias: MLflow
    means: [experiment-tracking]
  - alias: ML flow
    means: MLflow
ignore: [lol, pls]
`;

describe('vocabulary files', () => {
  it('loads concepts, aliases (resolved through other aliases) and ignored words', async () => {
    await kb.write('vocabulary/tools.yaml', GOOD_FILE);
    const result = await checkKnowledge(kb.dir);
    expect(result.problems).toEqual([]);
    expect(result.vocabulary.concepts.map((c) => c.id)).toEqual(['experiment-tracking', 'drift']);
    expect(result.vocabulary.aliases).toEqual([
      expect.objectContaining({
        alias: 'MLflow',
        means: ['experiment-tracking'],
        file: 'vocabulary/tools.yaml',
        line: 10,
      }),
      expect.objectContaining({ alias: 'ML flow', means: ['experiment-tracking'], line: 12 }),
    ]);
    expect(result.vocabulary.ignore).toEqual(['lol', 'pls']);
  });

  it('reports YAML syntax errors and unknown fields by file:line', async () => {
    await kb.write('vocabulary/broken.yaml', 'concepts:\n  - id: a\n    en: [x\n');
    await kb.write('vocabulary/fields.yaml', 'concepts:\n  - id: b\n    en: [y]\n    fr: [z]\n');
    const problems = await problemsOf();
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^vocabulary\/broken\.yaml:\d+: YAML syntax/),
        expect.stringMatching(/^vocabulary\/fields\.yaml:2: concepts\[0\]: unknown field fr/),
      ]),
    );
  });

  it('reports a bad id, a concept without English terms, duplicate ids across files', async () => {
    await kb.write('vocabulary/a.yaml', 'concepts:\n  - id: Drift Thing\n    en: [drift]\n  - id: gpu\n    en: []\n');
    await kb.write('vocabulary/b.yaml', 'concepts:\n  - id: shared\n    en: [one]\n');
    await kb.write('vocabulary/c.yaml', '\nconcepts:\n  - id: shared\n    en: [two]\n');
    const problems = await problemsOf();
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^vocabulary\/a\.yaml:2: concepts\[0\]\.id: lower-case letters/),
        expect.stringMatching(/^vocabulary\/a\.yaml:5: concepts\[1\]\.en: needs at least one English term/),
        'vocabulary/c.yaml:3: duplicate concept id "shared" (also in vocabulary/b.yaml:2)',
      ]),
    );
  });

  it('reports aliases to unknown concepts and alias cycles, and an ignored word that is a term', async () => {
    await kb.write(
      'vocabulary/aliases.yaml',
      [
        'concepts:',
        '  - id: cloud',
        '    en: [cloud]',
        'aliases:',
        '  - alias: SageMaker',
        '    means: [cloud-ml]',
        '  - alias: A',
        '    means: [B]',
        '  - alias: B',
        '    means: [A]',
        'ignore: [cloud]',
        '',
      ].join('\n'),
    );
    const problems = await problemsOf();
    expect(problems).toEqual(
      expect.arrayContaining([
        'vocabulary/aliases.yaml:5: alias "SageMaker": unknown concept id "cloud-ml" in means (define it under concepts: in a vocabulary file)',
        'vocabulary/aliases.yaml:7: alias "A": cycle a → b → a',
        'vocabulary/aliases.yaml:9: alias "B": cycle b → a → b',
        'vocabulary/aliases.yaml:11: ignored word "cloud" is a term of concept "cloud"; remove one of them',
      ]),
    );
    expect((await checkKnowledge(kb.dir)).vocabulary.aliases).toEqual([]);
  });

  it('warns (without failing) when one term belongs to two concepts', async () => {
    await kb.write('vocabulary/x.yaml', 'concepts:\n  - id: a\n    en: [shift]\n  - id: b\n    en: [change, shift]\n');
    const result = await checkKnowledge(kb.dir);
    expect(result.problems.every((p) => p.severity === 'warning')).toBe(true);
    expect(result.problems.map((p) => formatProblem(p))).toEqual([
      'vocabulary/x.yaml:4: warning: "shift" belongs to two concepts: "a" (vocabulary/x.yaml:2) and "b"',
    ]);
  });

  it('warns when two German words of different concepts stem alike (the bot cannot tell them apart)', async () => {
    await kb.write(
      'vocabulary/x.yaml',
      [
        'concepts:',
        '  - id: responsibility',
        '    en: [responsibility]',
        '    de: [zuständig, Zuständigkeit]',
        '  - id: health',
        '    en: [health]',
        '    de: [Zustand, Gesundheit]',
        '  - id: role',
        '    en: [role]',
        '    de: [Rolle, Rollen]',
        '',
      ].join('\n'),
    );
    const result = await checkKnowledge(kb.dir);
    expect(result.problems.map((p) => formatProblem(p))).toEqual([
      expect.stringMatching(
        /^vocabulary\/x\.yaml:5: warning: German "Zustand" \(concept "health"\) and "zuständig" \(concept "responsibility", vocabulary\/x\.yaml:2\) have the same stem "zustand"/,
      ),
    ]);
  });
});
