import { describe, expect, it } from 'vitest';
import { withoutPreamble } from '../../src/answer/context.ts';

describe('withoutPreamble: words about the message itself are not its topic', () => {
  it.each([
    ['quick question: whats a feature store', 'whats a feature store'],
    ['Hey folks, quick q: who owns the MES data?', 'who owns the MES data?'],
    ['sorry, dumb question - what is drift', 'what is drift'],
    ['ok thanks. separate thing: how do I pick a metric?', 'how do I pick a metric?'],
    ['I have a question: where do I find SEM images?', 'where do I find SEM images?'],
    ['Andere Frage: was ist eigentlich Kubernetes?', 'was ist eigentlich Kubernetes?'],
    ['Kurze Frage zu MLflow: wo läuft das?', 'MLflow: wo läuft das?'],
    ['Ich hätte mal eine Frage: wer ist Owner?', 'wer ist Owner?'],
    ['switching gears, how do we keep pickle files safe?', 'how do we keep pickle files safe?'],
    ['Themenwechsel: was ist MLflow?', 'was ist MLflow?'],
  ])('"%s" → "%s"', (question, rest) => {
    expect(withoutPreamble(question)).toBe(rest);
  });

  it.each([
    'What are the research questions of the study?',
    'Great Expectations vs Deequ?',
    'question',
    'hi',
    'Hinweise zur Datenfreigabe?',
    'okay',
  ])('leaves "%s" alone (the words are its topic, or nothing else would remain)', (question) => {
    expect(withoutPreamble(question)).toBe(question);
  });
});
