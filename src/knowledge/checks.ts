// Checks across entries (the schema checks one file at a time): duplicate ids, dangling references, duplicate
// questions, challenges without a solution, id/file-name mismatches and body conventions.

import { basename } from 'node:path';
import { normaliseText } from '../base/index.ts';
import type { FieldPath } from './front-matter.ts';
import type { Entry } from './schema.ts';
import type { KnowledgeProblem } from './types.ts';

/** One parsed entry file: its raw front matter (even when the schema rejected it) and, if valid, the entry. */
export interface ScannedFile {
  file: string;
  data: Record<string, unknown> | undefined;
  entry: Entry | undefined;
  body: string;
  bodyLine: number;
  lineOf(path: FieldPath): number;
}

/** The form in which two questions count as duplicates. */
export const normaliseQuestion = normaliseText;

const KEY_POINTS = /^##\s+key points\s*$/im;

export function crossCheck(files: ScannedFile[]): KnowledgeProblem[] {
  const problems: KnowledgeProblem[] = [];
  const add = (f: ScannedFile, path: FieldPath, message: string, severity: 'error' | 'warning' = 'error') =>
    problems.push({ file: f.file, line: f.lineOf(path), message, severity });

  // Ids and types come from the raw front matter so that one broken file doesn't cascade into
  // "unknown id" errors everywhere it is referenced.
  const byId = new Map<string, ScannedFile[]>();
  for (const f of files) {
    const id = f.data?.id;
    if (typeof id !== 'string' || id === '') continue;
    const list = byId.get(id) ?? [];
    list.push(f);
    byId.set(id, list);
  }
  const typeOf = (id: string): string | undefined => {
    const t = byId.get(id)?.[0]?.data?.type;
    return typeof t === 'string' ? t : undefined;
  };

  for (const [id, list] of byId) {
    if (list.length < 2) continue;
    for (const f of list) {
      const others = list.filter((o) => o !== f).map((o) => o.file);
      add(f, ['id'], `id: duplicate id "${id}", also used by ${others.join(', ')}`);
    }
  }

  for (const f of files) {
    const id = f.data?.id;
    if (typeof id === 'string' && id !== '' && basename(f.file, '.md') !== id) {
      add(f, ['id'], `id: "${id}" differs from the file name; rename the file to ${id}.md`, 'warning');
    }
  }

  const checkRefs = (f: ScannedFile, field: 'related' | 'solutions' | 'addresses', ids: string[], want?: string) => {
    let valid = 0;
    ids.forEach((ref, i) => {
      const type = typeOf(ref);
      if (type === undefined) add(f, [field, i], `${field}: unknown id "${ref}"`);
      else if (want !== undefined && type !== want)
        add(f, [field, i], `${field}: "${ref}" is a ${type}, not a ${want}`);
      else if (ref === f.entry?.id) add(f, [field, i], `${field}: "${ref}" refers to the entry itself`, 'warning');
      else valid++;
    });
    return valid;
  };

  const questions = new Map<string, { f: ScannedFile; index: number; text: string }[]>();
  const unique = new Map<string, Map<string, ScannedFile[]>>([
    ['name', new Map()],
    ['option', new Map()],
  ]);

  for (const f of files) {
    const e = f.entry;
    if (!e) continue;
    checkRefs(f, 'related', e.related);
    if (e.type === 'challenge') {
      const valid = checkRefs(f, 'solutions', e.solutions, 'solution');
      if (valid === 0) {
        add(
          f,
          ['solutions'],
          'challenge without an existing solution: add a solution entry or fix the ids in solutions',
        );
      }
    }
    if (e.type === 'solution') checkRefs(f, 'addresses', e.addresses, 'challenge');
    if (e.type === 'property') pushTo(unique.get('name'), e.name, f);
    if (e.type === 'infrastructure') pushTo(unique.get('option'), e.option, f);

    e.questions.forEach((text, index) => {
      const key = normaliseQuestion(text);
      const list = questions.get(key) ?? [];
      list.push({ f, index, text });
      questions.set(key, list);
    });

    if (f.body === '') {
      problems.push({
        file: f.file,
        line: f.bodyLine,
        message: 'empty body: write the direct answer as the first paragraph, then a "## Key points" list',
        severity: 'error',
      });
    } else if (!KEY_POINTS.test(f.body)) {
      problems.push({
        file: f.file,
        line: f.bodyLine,
        message: 'body has no "## Key points" section (the answerer quotes its bullets)',
        severity: 'warning',
      });
    }
  }

  for (const list of questions.values()) {
    if (list.length < 2) continue;
    for (const q of list) {
      const others = list
        .filter((o) => o !== q)
        .map((o) => (o.f === q.f ? `questions[${o.index}]` : `${o.f.entry?.id ?? o.f.file} (${o.f.file})`));
      add(q.f, ['questions', q.index], `questions: duplicate question "${q.text}", also in ${others.join(', ')}`);
    }
  }

  // An alias (or a glossary term) names an entry: the retriever gives an entry the question names a bonus, so a
  // name on two entries cannot tell them apart ("concept drift" as the glossary term and as an alias of the drift
  // property). Keep it on the entry it defines and mention it in the other's text.
  const names = new Map<string, { f: ScannedFile; path: FieldPath; text: string }[]>();
  const addName = (f: ScannedFile, path: FieldPath, text: string) => {
    const key = normaliseText(text);
    if (key === '') return;
    const list = names.get(key) ?? [];
    if (!list.some((n) => n.f === f)) list.push({ f, path, text });
    names.set(key, list);
  };
  for (const f of files) {
    const e = f.entry;
    if (!e) continue;
    if (e.type === 'glossary') addName(f, ['term'], e.term);
    if (e.type === 'glossary' || e.type === 'property' || e.type === 'dataset') {
      e.aliases.forEach((a, i) => {
        addName(f, ['aliases', i], a);
      });
    }
  }
  for (const list of names.values()) {
    if (list.length < 2) continue;
    for (const n of list) {
      const others = list.filter((o) => o !== n).map((o) => `${o.f.entry?.id} (${String(o.path[0])})`);
      add(
        n.f,
        n.path,
        `${String(n.path[0])}: "${n.text}" also names ${others.join(', ')}; a question with it cannot tell the entries apart: keep it on the entry it defines`,
        'warning',
      );
    }
  }

  for (const [field, map] of unique) {
    for (const [value, list] of map) {
      if (list.length < 2) continue;
      for (const f of list) {
        const others = list.filter((o) => o !== f).map((o) => o.file);
        add(f, [field], `${field}: "${value}" is also used by ${others.join(', ')} (commands look entries up by it)`);
      }
    }
  }

  return problems;
}

function pushTo(map: Map<string, ScannedFile[]> | undefined, key: string, f: ScannedFile) {
  if (!map) return;
  const list = map.get(key) ?? [];
  list.push(f);
  map.set(key, list);
}
