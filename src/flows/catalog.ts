// Forgiving search over the data catalog (the knowledge base's `dataset` entries): system names, domain words,
// aliases, a small synonym list (incl. German shop-floor words) and typos (MiniSearch fuzzy + prefix matching).
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

/** Query word → extra words to search for (domain synonyms, abbreviations, German terms). */
const SYNONYMS: Record<string, string[]> = {
  sensor: ['historian', 'signals', 'time-series', 'telemetry'],
  sensors: ['historian', 'signals', 'time-series', 'telemetry'],
  machine: ['equipment', 'tool', 'historian'],
  machines: ['equipment', 'tool', 'historian'],
  equipment: ['machine', 'tool'],
  measurement: ['metrology', 'measurements'],
  measurements: ['metrology'],
  metrology: ['measurement'],
  defect: ['defects', 'inspection', 'aoi'],
  defects: ['defect', 'inspection', 'aoi'],
  inspection: ['defect', 'aoi', 'quality'],
  images: ['image', 'microscopy', 'inspection'],
  photos: ['images', 'image'],
  quality: ['qm', 'nonconformance'],
  scrap: ['rework', 'nonconformance'],
  complaint: ['complaints', '8d', 'customer'],
  complaints: ['complaint', '8d', 'customer'],
  maintenance: ['alarms', 'pm', 'reliability'],
  alarm: ['alarms', 'maintenance'],
  failures: ['alarms', 'maintenance', 'reliability'],
  downtime: ['alarms', 'maintenance', 'reliability'],
  lot: ['genealogy', 'mes', 'traceability'],
  lots: ['genealogy', 'mes', 'traceability'],
  traceability: ['genealogy', 'mes'],
  genealogy: ['mes', 'traceability'],
  deposition: ['coating', 'sputter'],
  sputtering: ['coating', 'sputter'],
  layer: ['coating', 'multilayer'],
  polish: ['polishing'],
  roughness: ['afm', 'surface'],
  flatness: ['surface', 'figure', 'interferometer'],
  temperature: ['environment', 'cleanroom'],
  humidity: ['environment', 'cleanroom'],
  particles: ['cleanroom', 'environment'],
  power: ['energy'],
  electricity: ['energy'],
  lab: ['lims', 'laboratory'],
  laboratory: ['lims'],
  microscope: ['sem', 'microscopy'],
  supplier: ['incoming', 'supplier'],
  suppliers: ['supplier', 'incoming'],
  parts: ['spare', 'supply'],
  stock: ['supply', 'warehouse'],
  field: ['service', 'tickets'],
  service: ['field', 'tickets'],
  customer: ['customers', 'field', 'installed'],
  scanner: ['litho', 'lithography', 'telemetry'],
  kpi: ['kpis', 'yield'],
  kpis: ['yield'],
  test: ['acceptance', 'testing'],
  lifetime: ['euv', 'testing'],
  design: ['optical', 'plm'],
  calibration: ['caltrack'],
  vacuum: ['rga'],
  // German shop-floor words
  beschichtung: ['coating'],
  messdaten: ['measurement', 'metrology'],
  messung: ['measurement', 'metrology'],
  wartung: ['maintenance'],
  fehler: ['defect', 'alarms'],
  ausschuss: ['scrap'],
  schicht: ['shift'],
  reklamation: ['complaint'],
  lieferant: ['supplier'],
  energie: ['energy'],
  reinraum: ['cleanroom'],
};

const tokenize = (s: string): string[] =>
  s
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .split(/[^a-z0-9äöüß]+/)
    .filter((t) => t.length > 0);

const indexes = new WeakMap<KnowledgeBase, MiniSearch>();

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
  const expanded = [...new Set(words.flatMap((w) => [w, ...(SYNONYMS[w] ?? [])]))];
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
    const covered = words.filter((w) => matchedTerms.has(w) || (SYNONYMS[w] ?? []).some((s) => matchedTerms.has(s)));
    // A data set that matches only one word of a longer query ("payroll hr salaries" → "shift") is noise.
    if (covered.length / words.length < 0.5 && covered.length < 2) continue;
    matches.push({ entry, score: r.score, coverage: covered.length / words.length });
  }
  const top = matches[0];
  if (!top) return [];
  // Keep results reasonably close to the best one; drop weak tails.
  return matches.filter((m) => m.score >= top.score * 0.2).slice(0, Math.max(1, limit));
}
