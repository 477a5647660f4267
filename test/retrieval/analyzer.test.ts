import { describe, expect, it } from 'vitest';
import { buildVocabulary, parseVocabularyFile } from '../../src/knowledge/vocabulary.ts';
import { createAnalyzer } from '../../src/retrieval/analyzer.ts';
import { createEverydayTypo } from '../../src/retrieval/speller.ts';

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

  it('detects German when no stop word decides, from words of the German dictionary', () => {
    // "Was" is an English and a German stop word; "Datensatz" is only German. "Owner" is English in both lists.
    expect(analyzer.detectLanguage('Was bedeutet Datensatz?')).toBe('de');
    expect(analyzer.query('Was bedeutet Datensatz?', hooks).language).toBe('de');
    expect(analyzer.detectLanguage('Was owner?')).toBe('en');
    expect(analyzer.detectLanguage('What is the dataset owner?')).toBe('en');
  });

  it('reads an all-lower-case chat question as before (no capitals, no hint)', () => {
    expect(words('wie komme ich an einen datensatz ran, wem gehört der?')).toEqual(
      expect.arrayContaining(['komme', 'datensatz', 'gehört']),
    );
  });
});

describe('typos and split words inside a vocabulary phrase', () => {
  const phrases = createAnalyzer(
    buildVocabulary([
      parseVocabularyFile(
        'vocabulary/y.yaml',
        [
          'concepts:',
          '  - id: ground-truth',
          '    en: [ground truth]',
          '  - id: system-of-record',
          '    en: [system of record]',
          '',
        ].join('\n'),
      ),
    ]).vocabulary,
  );
  // The knowledge knows "ground", "system", "pattern", "sidecar" and the folded phrases; a speller for two typos.
  const knownStems = new Set(['ground', 'system', 'pattern', 'sidecar', 'groundtruth', 'systemofrecord', 'side']);
  const fixes: Record<string, string> = { truht: 'truth', recrod: 'record', pattren: 'pattern', grond: 'ground' };
  const phraseHooks = { known: (s: string) => knownStems.has(s), correct: (w: string) => fixes[w] };
  const read = (q: string) =>
    phrases.query(q, phraseHooks).terms.map((t) => `${t.stem}${t.origin === 'typo' ? ' (typo)' : ''}`);

  it('finds a phrase whose word was mistyped ("ground truht", "system of recrod")', () => {
    expect(read('Definition of ground truht?')).toContain('groundtruth');
    expect(read('Whats a system of recrod')).toEqual(['systemofrecord']);
  });

  it('finds a phrase whose every word was mistyped ("grond truht")', () => {
    expect(read('what is grond truht')).toEqual(['groundtruth']);
  });

  it('joins two words that make one the knowledge knows ("side car" → "sidecar")', () => {
    expect(read('what is the side car pattern')).toEqual(['sidecar', 'pattern']);
  });

  it('leaves a typo outside any phrase to the word loop, marked as a typo', () => {
    expect(read('sidecar pattren')).toEqual(['sidecar', 'pattern (typo)']);
  });

  it('does not join two words that are each ours, or that already make a phrase', () => {
    expect(read('ground system')).toEqual(['ground', 'system']);
  });
});

describe('German compounds and typos against the German vocabulary', () => {
  const german = createAnalyzer(
    buildVocabulary([
      parseVocabularyFile(
        'vocabulary/z.yaml',
        [
          'concepts:',
          '  - id: company',
          '    en: [company]',
          '    de: [Konzern]',
          '  - id: concept',
          '    en: [concept]',
          '    de: [Konzept]',
          '  - id: drift',
          '    en: [drift]',
          '    de: [Drift]',
          '  - id: contact',
          '    en: [contact]',
          '    de: [Ansprechpartner]',
          '',
        ].join('\n'),
      ),
    ]).vocabulary,
  );
  const stems = (q: string, known: (s: string) => boolean = () => false) =>
    german.query(q, { known }).terms.map((t) => t.stem);

  it('splits a compound into vocabulary words (Konzeptdrift → concept + drift)', () => {
    expect(stems('Was ist Konzeptdrift?')).toEqual(['concept', 'drift']);
  });

  it('does not read a stem that merely starts a word with an unknown rest as its head ("Konz·eptfoo" is no Konzern)', () => {
    expect(stems('Was ist ein Konzeptfoo?')).not.toContain('company');
  });

  it('corrects a typo against the German vocabulary ("Ansprechpatner" → contact)', () => {
    const t = german.query('Wer ist der Ansprechpatner dafür?', { known: () => false }).terms;
    expect(t.find((x) => x.word === 'ansprechpatner')).toMatchObject({ stem: 'contact', origin: 'typo' });
  });
});

describe('typos of everyday words (general English, not the knowledge)', () => {
  // A tiny general-English vocabulary with frequency ranks (lower = more common).
  const ranks: Record<string, number> = {
    the: 0,
    letting: 4_000,
    officially: 6_000,
    offcially: 90_000,
    lettuce: 9_000,
  };
  const everyday = createEverydayTypo((w) => ranks[w], 12_000);

  it('finds the most common word one edit away: a swap, a dropped, an added or a changed letter', () => {
    expect(everyday('lrtting')).toBe('letting');
    expect(everyday('officailly')).toBe('officially');
    expect(everyday('leting')).toBe('letting');
    expect(everyday('lettting')).toBe('letting');
  });

  it('leaves alone words general English knows, rare neighbours, short words and non-letters', () => {
    expect(everyday('offcially')).toBeUndefined(); // known to general English (if rare): not a typo
    expect(createEverydayTypo((w) => ranks[w], 5_000)('officailly')).toBeUndefined(); // the neighbour is too rare
    expect(everyday('thr')).toBeUndefined();
    expect(everyday('l3tting')).toBeUndefined();
    expect(everyday('zzzzqqq')).toBeUndefined();
  });

  it('reads the word as its correction: a content word counts as that word, a stop word is dropped', () => {
    const plain = createAnalyzer(buildVocabulary([]).vocabulary);
    const mended: Record<string, string> = { lrtting: 'letting', thhe: 'the' };
    const read = plain.query('lrtting thhe drift', { known: (s) => s === 'drift', everyday: (w) => mended[w] });
    expect(read.terms.map((t) => [t.word, t.corrected, t.origin])).toEqual([
      ['lrtting', 'letting', 'typo'],
      ['drift', undefined, 'word'],
    ]);
    // The knowledge's own speller comes first.
    const both = plain.query('drfit', {
      known: (s) => s === 'drift',
      correct: (w) => (w === 'drfit' ? 'drift' : undefined),
      everyday: () => 'draft',
    });
    expect(both.terms.map((t) => t.corrected)).toEqual(['drift']);
  });
});
