// The vocabulary a maintainer owns as data (knowledge/vocabulary/*.yaml): concepts (the English words and phrases
// that mean one thing here, with their German terms), aliases (tool and product names, plant jargon and
// abbreviations that stand for concepts) and words to ignore (chat filler). Parsed with positions so `kb check` can say file:line; checked across
// files for duplicate ids, unknown concept ids, alias cycles and terms claimed by two concepts.
import { stemmer as germanStemmer } from '@orama/stemmers/german';
import { isNode, LineCounter, parseDocument } from 'yaml';
import { z } from 'zod';
import type { KnowledgeProblem } from './problem.ts';

/** Folder (directly under the knowledge directory) whose `*.yaml` files are vocabulary. */
export const VOCABULARY_DIR = 'vocabulary';

export interface Concept {
  id: string;
  /** English words and phrases; the first is the canonical term. */
  en: string[];
  /** German words and phrases meaning the same. */
  de: string[];
  file: string;
  line: number;
}

export interface Alias {
  alias: string;
  /** Concept ids (resolved: aliases named here are replaced by what they mean). */
  means: string[];
  file: string;
  line: number;
}

export interface VocabularyData {
  concepts: readonly Concept[];
  aliases: readonly Alias[];
  /** Words that never carry a topic here (chat filler, greetings, interjections: "lol", "pls", "hey"), lower case. */
  ignore: readonly string[];
}

export const EMPTY_VOCABULARY: VocabularyData = Object.freeze({ concepts: [], aliases: [], ignore: [] });

const term = z.string().trim().min(1, 'must not be empty').max(80, 'at most 80 characters');
const conceptSchema = z.strictObject({
  id: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]*$/, 'lower-case letters, digits and dashes, e.g. `on-prem`')
    .max(60, 'at most 60 characters'),
  en: z.array(term).min(1, 'needs at least one English term (the first is the canonical one)'),
  de: z.array(term).default([]),
});
const aliasSchema = z.strictObject({
  alias: term,
  means: z.union([term.transform((s) => [s]), z.array(term).min(1, 'name at least one concept id')]),
});
const fileSchema = z.strictObject({
  concepts: z.array(conceptSchema).default([]),
  aliases: z.array(aliasSchema).default([]),
  ignore: z.array(term.regex(/^[^\s]+$/u, 'one word per item')).default([]),
});

export function isVocabularyFile(rel: string): boolean {
  const parts = rel.split('/');
  return parts[0] === VOCABULARY_DIR && /\.ya?ml$/i.test(parts.at(-1) ?? '');
}

interface ParsedVocabulary {
  file: string;
  ignore: { word: string; line: number }[];
  concepts: Concept[];
  aliases: (Omit<Alias, 'means'> & { names: string[] })[];
  problems: KnowledgeProblem[];
}

/** Parses one vocabulary file; never throws. */
export function parseVocabularyFile(file: string, source: string): ParsedVocabulary {
  const out: ParsedVocabulary = { file, concepts: [], aliases: [], ignore: [], problems: [] };
  const error = (line: number, message: string) => out.problems.push({ file, line, message, severity: 'error' });
  const lineCounter = new LineCounter();
  const doc = parseDocument(source, { lineCounter, prettyErrors: false, uniqueKeys: true });
  for (const e of doc.errors) error(e.linePos?.[0].line ?? 1, `YAML syntax: ${e.message.split('\n')[0]}`);
  if (doc.errors.length > 0) return out;
  const lineOf = (path: readonly (string | number)[]): number => {
    for (let n = path.length; n >= 0; n--) {
      const node = doc.getIn(path.slice(0, n), true);
      if (isNode(node) && node.range) return lineCounter.linePos(node.range[0]).line;
    }
    return 1;
  };
  const data: unknown = doc.toJS() ?? {};
  const parsed = fileSchema.safeParse(data);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const path = issue.path as (string | number)[];
      const label = path
        .map((p) => (typeof p === 'number' ? `[${p}]` : `.${p}`))
        .join('')
        .replace(/^\./, '');
      const message =
        issue.code === 'unrecognized_keys'
          ? `${label ? `${label}: ` : ''}unknown field ${issue.keys.join(', ')} (a vocabulary file has \`concepts\` and \`aliases\`; see knowledge/vocabulary/README.md)`
          : `${label || '(file)'}: ${issue.message.replace(/^Invalid input: /, '')}`;
      error(lineOf(path), message);
    }
    return out;
  }
  parsed.data.concepts.forEach((c, i) => {
    out.concepts.push({ id: c.id, en: c.en, de: c.de, file, line: lineOf(['concepts', i]) });
  });
  parsed.data.aliases.forEach((a, i) => {
    out.aliases.push({ alias: a.alias, names: a.means, file, line: lineOf(['aliases', i]) });
  });
  parsed.data.ignore.forEach((word, i) => {
    out.ignore.push({ word: key(word), line: lineOf(['ignore', i]) });
  });
  return out;
}

const key = (s: string) => s.toLowerCase().normalize('NFKC').replace(/\s+/g, ' ').trim();

/** Checks the files together and resolves aliases to concept ids. */
export function buildVocabulary(files: ParsedVocabulary[]): {
  vocabulary: VocabularyData;
  problems: KnowledgeProblem[];
} {
  const problems: KnowledgeProblem[] = files.flatMap((f) => f.problems);
  const at = (x: { file: string; line: number }, message: string, severity: 'error' | 'warning' = 'error') =>
    problems.push({ file: x.file, line: x.line, message, severity });

  const concepts = new Map<string, Concept>();
  for (const c of files.flatMap((f) => f.concepts)) {
    const first = concepts.get(c.id);
    if (first) at(c, `duplicate concept id "${c.id}" (also in ${first.file}:${first.line})`);
    else concepts.set(c.id, c);
  }

  // A term claimed by two concepts makes the meaning of a question depend on file order: say so.
  const owner = new Map<string, Concept>();
  for (const c of concepts.values()) {
    for (const [lang, terms] of [
      ['en', c.en],
      ['de', c.de],
    ] as const) {
      const seen = new Set<string>();
      for (const t of terms) {
        const k = `${lang}:${key(t)}`;
        if (seen.has(k)) {
          at(c, `concept "${c.id}": "${t}" is listed twice`, 'warning');
          continue;
        }
        seen.add(k);
        const other = owner.get(k);
        if (other && other.id !== c.id) {
          at(c, `"${t}" belongs to two concepts: "${other.id}" (${other.file}:${other.line}) and "${c.id}"`, 'warning');
        } else owner.set(k, c);
      }
    }
  }

  // German words are matched by their Snowball stem, so two words that stem alike are one word to the bot: if they
  // sit in different concepts, a question with either is read as the first ("zuständig" and "Zustand" both stem to
  // "zustand": a question about who is responsible would read as one about health).
  const byGermanStem = new Map<string, { word: string; concept: Concept }>();
  for (const c of concepts.values()) {
    for (const t of c.de) {
      if (/[\s-]/.test(t.trim())) continue; // phrases are folded whole, not stemmed
      const s = germanStemmer(t.trim().toLowerCase());
      const other = byGermanStem.get(s);
      if (other && other.concept.id !== c.id && key(other.word) !== key(t)) {
        at(
          c,
          `German "${t}" (concept "${c.id}") and "${other.word}" (concept "${other.concept.id}", ${other.concept.file}:${other.concept.line}) have the same stem "${s}", so the bot cannot tell them apart: keep one of them, or list the meaning you want as a phrase`,
          'warning',
        );
      } else if (!other) byGermanStem.set(s, { word: t, concept: c });
    }
  }

  const rawAliases = files.flatMap((f) => f.aliases);
  const aliasByName = new Map<string, (typeof rawAliases)[number]>();
  for (const a of rawAliases) {
    const k = key(a.alias);
    const first = aliasByName.get(k);
    if (first) at(a, `duplicate alias "${a.alias}" (also in ${first.file}:${first.line})`);
    else aliasByName.set(k, a);
    if (concepts.has(k)) {
      // An alias may not hide a concept id: `means: [x]` would become ambiguous.
      at(a, `alias "${a.alias}" has the name of a concept id; rename it or add it to that concept's terms`);
    }
  }

  // An ignored word that is also a concept's term would silently switch that term off.
  const ignore = new Set<string>();
  for (const f of files) {
    for (const { word, line } of f.ignore) {
      const claimed = owner.get(`en:${word}`) ?? owner.get(`de:${word}`);
      if (claimed)
        at({ file: f.file, line }, `ignored word "${word}" is a term of concept "${claimed.id}"; remove one of them`);
      else ignore.add(word);
    }
  }

  const aliases: Alias[] = [];
  for (const a of aliasByName.values()) {
    const means = new Set<string>();
    let broken = false;
    const visit = (names: string[], trail: string[]) => {
      for (const n of names) {
        const k = key(n);
        if (concepts.has(k)) {
          means.add(k);
          continue;
        }
        const target = aliasByName.get(k);
        if (!target) {
          at(
            a,
            `alias "${a.alias}": unknown concept id "${n}" in means (define it under concepts: in a vocabulary file)`,
          );
          broken = true;
        } else if (trail.includes(k)) {
          at(a, `alias "${a.alias}": cycle ${[...trail, k].join(' → ')}`);
          broken = true;
        } else visit(target.names, [...trail, k]);
      }
    };
    visit(a.names, [key(a.alias)]);
    if (!broken) aliases.push({ alias: a.alias, means: [...means], file: a.file, line: a.line });
  }
  return {
    vocabulary: Object.freeze({
      concepts: Object.freeze([...concepts.values()]),
      aliases: Object.freeze(aliases),
      ignore: Object.freeze([...ignore].sort()),
    }),
    problems,
  };
}
