// Forgiving search over the data catalog (the knowledge base's `dataset` entries): system names, domain words,
// aliases, the knowledge's vocabulary (synonyms, German shop-floor words, tool names) and typos (MiniSearch fuzzy +
// prefix matching).
import MiniSearch from 'minisearch';
import type { DatasetEntry } from '../knowledge/schema.ts';
import type { KnowledgeBase } from '../knowledge/types.ts';

export interface CatalogMatch {
  entry: DatasetEntry;
  /** MiniSearch score (relative; higher is better). */
  score: number;
  /** Share of the meaningful query words that matched something (0..1). */
  coverage: number;
}

/** Words that say nothing about which data set is meant. */
const STOPWORDS = new Set(
  (
    'a an and are as at be by can could data dataset datasets do does find for from get give got have how i id ' +
    'in is it its like looking me my need needed of on or our please set sets some that the their there these ' +
    'this to us want we what where which who whom with would you your access owner owners own owns table tables ' +
    'information info about der die das und von für fur wo finde ich daten'
  ).split(' '),
);

const tokenize = (s: string): string[] =>
  s
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .split(/[^a-z0-9äöüß]+/)
    .filter((t) => t.length > 0);

const indexes = new WeakMap<KnowledgeBase, MiniSearch>();
const synonymTables = new WeakMap<KnowledgeBase, ReadonlyMap<string, string[]>>();
/** Extra words searched for one query word, at most. */
const MAX_EXPANSIONS = 12;

/**
 * Query word → the other words of its concepts in the knowledge's vocabulary (English and German terms, aliases):
 * "Beschichtung" also searches "coating", "sensors" also "historian". Maintainers extend it in knowledge/vocabulary/.
 */
function synonymsFor(kb: KnowledgeBase): ReadonlyMap<string, string[]> {
  const cached = synonymTables.get(kb);
  if (cached) return cached;
  const conceptWords = new Map<string, string[]>();
  for (const c of kb.vocabulary.concepts) {
    conceptWords.set(c.id, [...new Set([...c.en, ...c.de].flatMap(tokenize).filter((t) => !STOPWORDS.has(t)))]);
  }
  const table = new Map<string, Set<string>>();
  const link = (word: string, others: readonly string[]) => {
    const set = table.get(word) ?? new Set<string>();
    for (const o of others) if (o !== word && set.size < MAX_EXPANSIONS) set.add(o);
    table.set(word, set);
  };
  for (const c of kb.vocabulary.concepts) {
    const words = conceptWords.get(c.id) ?? [];
    for (const t of [...c.en, ...c.de]) {
      const parts = tokenize(t);
      if (parts.length === 1 && parts[0] && !STOPWORDS.has(parts[0])) link(parts[0], words);
    }
  }
  for (const a of kb.vocabulary.aliases) {
    const parts = tokenize(a.alias);
    if (parts.length === 1 && parts[0])
      link(
        parts[0],
        a.means.flatMap((id) => conceptWords.get(id) ?? []),
      );
  }
  const out = new Map([...table].map(([w, set]) => [w, [...set]]));
  synonymTables.set(kb, out);
  return out;
}

function indexFor(kb: KnowledgeBase): MiniSearch {
  const cached = indexes.get(kb);
  if (cached) return cached;
  const index = new MiniSearch({
    fields: ['title', 'aliases', 'system', 'domain', 'tags', 'summary', 'questions', 'idWords'],
    storeFields: [],
    tokenize,
    processTerm: (term) => (STOPWORDS.has(term) ? null : term),
  });
  index.addAll(
    kb.ofType('dataset').map((e) => ({
      id: e.id,
      title: e.title,
      aliases: e.aliases.join(' | '),
      system: e.system,
      domain: e.domain,
      tags: e.tags.join(' ').replace(/-/g, ' '),
      summary: e.summary,
      questions: e.questions.join(' | '),
      idWords: e.id.replace(/^dataset-/, '').replace(/-/g, ' '),
    })),
  );
  indexes.set(kb, index);
  return index;
}

/** The meaningful words of a query (stop words dropped). */
export function queryWords(query: string): string[] {
  return tokenize(query).filter((t) => !STOPWORDS.has(t));
}

/**
 * Finds the data sets a query most likely means, best first. Empty when nothing matches well enough (the caller
 * records a catalog miss). Pure apart from a per-knowledge-base index cache.
 */
export function searchCatalog(kb: KnowledgeBase, query: string, limit = 5): CatalogMatch[] {
  const words = queryWords(query).slice(0, 30);
  if (words.length === 0) return [];
  const index = indexFor(kb);
  const synonyms = synonymsFor(kb);
  const expanded = [...new Set(words.flatMap((w) => [w, ...(synonyms.get(w) ?? [])]))];
  const results = index.search(expanded.join(' '), {
    boost: { aliases: 3, title: 3, system: 2.5, idWords: 2, domain: 1.5, tags: 1.5, summary: 1, questions: 0.7 },
    // Typos: one edit in words of 4+ letters, two in 8+; prefixes from 3 letters ("interfero").
    fuzzy: (term) => (term.length >= 8 ? 2 : term.length >= 4 ? 1 : false),
    prefix: (term) => term.length >= 3,
    combineWith: 'OR',
  });
  const matches: CatalogMatch[] = [];
  for (const r of results) {
    const entry = kb.get(String(r.id));
    if (entry?.type !== 'dataset') continue;
    // Coverage counts the user's own words (a word counts when it or one of its synonyms matched).
    const matchedTerms = new Set(r.queryTerms);
    const covered = words.filter(
      (w) => matchedTerms.has(w) || (synonyms.get(w) ?? []).some((s) => matchedTerms.has(s)),
    );
    // A data set that matches only one word of a longer query ("payroll hr salaries" → "shift") is noise.
    if (covered.length / words.length < 0.5 && covered.length < 2) continue;
    matches.push({ entry, score: r.score, coverage: covered.length / words.length });
  }
  const top = matches[0];
  if (!top) return [];
  // Keep results reasonably close to the best one; drop weak tails.
  return matches.filter((m) => m.score >= top.score * 0.2).slice(0, Math.max(1, limit));
}
