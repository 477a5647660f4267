import { describe, expect, it } from 'vitest';
import { buildVocabulary, parseVocabularyFile } from '../../src/knowledge/vocabulary.ts';
import { createAnalyzer } from '../../src/retrieval/analyzer.ts';

const vocabulary = buildVocabulary([
  parseVocabularyFile(
    'vocabulary/x.yaml',
    [
      '# test vocabulary',
      'concepts:',
      '  - id: dataset',
      '    en: [dataset, data set]',
      '    de: [Datensatz]',
      '  - id: owner',
      '    en: [owner]',
      '    de: [Eigentümer, gehört]',
      '',
    ].join('\n'),
  ),
]).vocabulary;
const analyzer = createAnalyzer(vocabulary);
// The knowledge "knows" every word (its German text may hold verbs too); only "training" is English.
const hooks = { known: () => true, english: (w: string) => w === 'training' };
const words = (q: string) => analyzer.query(q, hooks).terms.map((t) => t.word);

describe('German questions', () => {
  it('drops lower-case words that are neither vocabulary nor English when the question capitalises its nouns', () => {
    expect(words('Wie komme ich an einen Datensatz ran, wenn ich nicht weiß, wem der gehört?')).toEqual([
      'datensatz',
      'gehört',
    ]);
  });

  it('keeps English words written lower case inside a German sentence', () => {
    expect(words('Warum liefert das training mit dem Datensatz andere Werte?')).toEqual(
      expect.arrayContaining(['training', 'datensatz']),
    );
    expect(words('Warum liefert das training mit dem Datensatz andere Werte?')).not.toContain('liefert');
  });

  it('reads an all-lower-case chat question as before (no capitals, no hint)', () => {
    expect(words('wie komme ich an einen datensatz ran, wem gehört der?')).toEqual(
      expect.arrayContaining(['komme', 'datensatz', 'gehört']),
    );
  });
});
