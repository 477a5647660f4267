// How a knowledge entry is seen by the indexes: weighted lexical fields and short texts for the dense index.
import type { Entry } from '../knowledge/schema.ts';

export interface LexicalDoc {
  id: string;
  title: string;
  questions: string;
  /** Names people use for the thing: property name/aliases, glossary term/aliases, dataset system/aliases… */
  names: string;
  summary: string;
  tags: string;
  body: string;
}

/** Field weights (BM25F-style boosts), tuned on the eval questions with bench/answers.ts. */
export const FIELD_BOOSTS: Readonly<Record<Exclude<keyof LexicalDoc, 'id'>, number>> = {
  title: 3,
  questions: 2.5,
  names: 3,
  summary: 2,
  tags: 1.5,
  body: 1,
};

export const LEXICAL_FIELDS = Object.keys(FIELD_BOOSTS) as (keyof typeof FIELD_BOOSTS)[];

const dash = (s: string) => s.replace(/-/g, ' ');

export function entryNames(entry: Entry): string[] {
  switch (entry.type) {
    case 'property':
      return [dash(entry.name), ...entry.aliases];
    case 'glossary':
      return [entry.term, ...entry.aliases];
    case 'dataset':
      return [entry.system, entry.domain, ...entry.aliases];
    case 'guideline':
      return [dash(entry.topic)];
    case 'infrastructure':
      return [dash(entry.option)];
    case 'study':
      return [dash(entry.section)];
    default:
      return [];
  }
}

/** Structured front matter that holds answer text (not just labels). */
export function entryDetails(entry: Entry): string[] {
  switch (entry.type) {
    case 'property':
      return [entry.explanation, entry.implications];
    case 'infrastructure':
      return [...entry.whenToUse, ...entry.whenToAvoid, entry.security, entry.gpu, entry.operations, entry.usability];
    case 'dataset':
      return [entry.accessProcedure, entry.classification, ...entry.owners.map((o) => `${dash(o.role)} ${o.name}`)];
    case 'study':
      return [
        entry.insight ?? '',
        ...(entry.subAspects ?? []).map((a) => `${a.name}: ${a.description}`),
        ...(entry.participants ?? []).map((p) => p.role),
      ];
    default:
      return [];
  }
}

export function toLexicalDoc(entry: Entry): LexicalDoc {
  return {
    id: entry.id,
    title: entry.title,
    questions: entry.questions.join('\n'),
    names: entryNames(entry).join('\n'),
    summary: entry.summary,
    tags: entry.tags.map(dash).join('\n'),
    body: [entry.body, ...entryDetails(entry), ...entry.sources.map((s) => s.insight ?? '')].join('\n'),
  };
}

/** Short texts embedded for the dense index, each pointing back at its entry (max similarity wins). */
export function denseTexts(entry: Entry): string[] {
  const names = entryNames(entry);
  return [`${entry.title}. ${names.join(', ')}. ${entry.summary}`, ...entry.questions];
}
