// Index persistence under DATA_DIR/index/: manifest.json, lexical.bin (compact-lexical.ts), stats.json (term statistics),
// names.json (the entries' names as stems) and dense/ (hnswlib-node, dense.ts: hnswlib.index, args.json, labels.json,
// docstore.json). An index is used only when its manifest matches the knowledge hash and the embeddings id; otherwise
// (stale, missing, corrupt, other embeddings) it is rebuilt.
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../base/index.ts';
import { silentLogger } from '../base/index.ts';
import type { Config } from '../config.ts';
import { ErrorCode, MlopsGuideError } from '../errors.ts';
import type { KnowledgeBase } from '../knowledge/types.ts';
import { compactFromBuffer } from './compact-lexical.ts';
import { buildDenseIndex, type DenseFiles, type DenseIndex, loadDenseIndex, readDenseFiles } from './dense.ts';
import { denseTexts } from './documents.ts';
import { createEmbeddings, type NamedEmbeddings } from './embeddings.ts';
import {
  analyzerFor,
  buildLexical,
  type HybridRetriever,
  nameStems,
  nameStemsYielding,
  type RetrievalOptions,
  retrieverFromParts,
  type TermStats,
} from './hybrid.ts';
import type { OnBuildProgress } from './types.ts';
import { ensureWordVectors, type WordVectors } from './word-vectors.ts';

/**
 * 2: vocabulary-driven analysis (knowledge/vocabulary/) and surface-word statistics for typo correction.
 * 3: the lexical index as lexical.bin (typed arrays, compact-lexical.ts) instead of MiniSearch's lexical.json.
 */
export const INDEX_FORMAT_VERSION = 3;

export interface IndexManifest {
  formatVersion: number;
  knowledgeHash: string;
  embeddingsId: string;
  builtAt: string;
  counts: { entries: number; lexicalTerms: number; vectors: number };
}

export interface IndexDeps {
  logger?: Logger;
  /** Embeddings to use instead of the configured ones (tests). */
  embeddings?: NamedEmbeddings;
  /** Word vectors for the abstain signals (general-English word frequencies); loaded from DATA_DIR when omitted. */
  vectors?: WordVectors | null;
  retrieval?: RetrievalOptions;
  /**
   * Yield to the event loop between the steps of loading (for a reload while questions are served). The lexical
   * index is read asynchronously and wrapped without parsing its postings, so no single step is long.
   */
  yielding?: boolean;
  /** Told each step of a build (`kb build` prints them). */
  onProgress?: OnBuildProgress;
  /** The index files started reading by `prefetchIndex` (used when they are of the index found). */
  prefetched?: IndexPrefetch;
}

export interface IndexInfo {
  manifest: IndexManifest;
  /** 'loaded' from disk, or 'built' (with why). */
  source: 'loaded' | 'built';
  reason?: string;
  ms: number;
}

/** A ready retriever plus what happened to its index. */
export type LoadedIndex = HybridRetriever & { readonly index: IndexInfo };

const withInfo = (retriever: HybridRetriever, index: IndexInfo): LoadedIndex => ({ ...retriever, index });

export const indexDir = (config: Pick<Config, 'dataDir'>) => join(config.dataDir, 'index');

/**
 * The offline word vectors, or null when they are missing but not needed for embeddings: remote embeddings still
 * work without them; only the specificity signal of the abstain decision is lost.
 */
export function optionalWordVectors(
  config: Pick<Config, 'dataDir' | 'embeddings'>,
  logger: Logger,
  onProgress?: OnBuildProgress,
): WordVectors | null {
  try {
    return ensureWordVectors(config.dataDir, logger, onProgress);
  } catch (err) {
    if (config.embeddings.provider === 'local') throw err;
    logger.warn({ err: String(err) }, 'offline word vectors unavailable; abstain signals use word frequencies only');
    return null;
  }
}

async function resolveDeps(config: Pick<Config, 'dataDir' | 'embeddings'>, deps: IndexDeps) {
  const logger = deps.logger ?? silentLogger;
  const vectors = deps.vectors === undefined ? optionalWordVectors(config, logger, deps.onProgress) : deps.vectors;
  const embeddings = deps.embeddings ?? (await createEmbeddings(config, logger));
  const options: RetrievalOptions = {
    onDenseError: (err: unknown) =>
      logger.warn({ code: ErrorCode.EmbeddingsFailed, err: String(err) }, 'query embedding failed; ranking lexically'),
    ...deps.retrieval,
    ...(vectors ? { generalRank: vectors.rank } : {}),
  };
  return { logger, embeddings, options };
}

/** Builds both indexes and writes them to DATA_DIR/index/ (atomically: a temp folder renamed into place). */
export async function buildIndex(
  kb: KnowledgeBase,
  config: Pick<Config, 'dataDir' | 'embeddings'>,
  deps: IndexDeps = {},
): Promise<LoadedIndex> {
  const started = performance.now();
  const { embeddings, options } = await resolveDeps(config, deps);
  return build(kb, config, embeddings, options, started, 'kb build', deps.onProgress);
}

/** Texts embedded per call while building the dense index (one batch of vectors is held at a time). */
const DENSE_BATCH = 1024;

/**
 * The dense index of the entries' texts (documents.ts denseTexts, in the knowledge's order), embedded in batches:
 * the same index as embedding all texts at once (hybrid.ts buildDense), without holding every vector.
 */
async function buildDenseStreamed(
  kb: KnowledgeBase,
  embeddings: NamedEmbeddings['embeddings'],
  onProgress?: OnBuildProgress,
): Promise<DenseIndex | undefined> {
  let count = 0;
  for (const e of kb.entries) count += denseTexts(e).length;
  if (count === 0) return undefined;
  onProgress?.({ step: 'embedding', texts: count });
  function* batches(): Generator<{ text: string; id: string }[]> {
    let batch: { text: string; id: string }[] = [];
    for (const e of kb.entries) {
      for (const text of denseTexts(e)) batch.push({ text, id: e.id });
      if (batch.length >= DENSE_BATCH) {
        yield batch;
        batch = [];
      }
    }
    if (batch.length > 0) yield batch;
  }
  return buildDenseIndex(embeddings, count, batches());
}

const NAMES_FILE = 'names.json';

/** names.json: the entries' names as stems (hybrid.ts nameStems), in the knowledge's order, and what they depend on. */
interface StoredNames {
  analysis: { synonyms: boolean | null; synonymWeight: number | null };
  entries: [string, string[][]][];
}

const namesAnalysis = (options: RetrievalOptions): StoredNames['analysis'] => ({
  synonyms: options.synonyms ?? null,
  synonymWeight: options.synonymWeight ?? null,
});

/**
 * The names stored with the index, when they are those of this knowledge (same entries in the same order) and
 * analysis; otherwise undefined and they are worked out again (an index written before names.json, other options).
 * Analysing every entry's names was ~0.3 s of a start at 15,000 entries.
 */
function readNames(dir: string, kb: KnowledgeBase, options: RetrievalOptions): Map<string, string[][]> | undefined {
  let stored: StoredNames;
  try {
    stored = JSON.parse(readFileSync(join(dir, NAMES_FILE), 'utf8')) as StoredNames;
  } catch {
    return undefined;
  }
  const want = namesAnalysis(options);
  if (
    stored?.analysis?.synonyms !== want.synonyms ||
    stored.analysis.synonymWeight !== want.synonymWeight ||
    !Array.isArray(stored.entries) ||
    stored.entries.length !== kb.entries.length ||
    stored.entries.some((e, i) => !Array.isArray(e) || e[0] !== kb.entries[i]?.id || !Array.isArray(e[1]))
  ) {
    return undefined;
  }
  return new Map(stored.entries);
}

async function build(
  kb: KnowledgeBase,
  config: Pick<Config, 'dataDir'>,
  embeddings: NamedEmbeddings,
  options: RetrievalOptions,
  started: number,
  reason: string,
  onProgress?: OnBuildProgress,
): Promise<LoadedIndex> {
  const analyzer = analyzerFor(kb, options);
  onProgress?.({ step: 'lexical', entries: kb.entries.length });
  const { lexical, stats } = buildLexical(kb, options, analyzer);
  const names = nameStems(kb, analyzer);
  let dense: DenseIndex | undefined;
  try {
    dense = await buildDenseStreamed(kb, embeddings.embeddings, onProgress);
  } catch (err) {
    throw new MlopsGuideError(ErrorCode.EmbeddingsFailed, `Embedding the knowledge failed: ${String(err)}`, {
      cause: err,
    });
  }
  const retriever = retrieverFromParts(kb, { lexical, stats, dense, names }, options, analyzer);
  const manifest: IndexManifest = {
    formatVersion: INDEX_FORMAT_VERSION,
    knowledgeHash: kb.hash,
    embeddingsId: embeddings.id,
    builtAt: new Date().toISOString(),
    counts: retriever.counts,
  };
  const dir = indexDir(config);
  onProgress?.({ step: 'writing', dir });
  const tmp = `${dir}.tmp-${process.pid}-${Date.now()}`;
  mkdirSync(tmp, { recursive: true });
  lexical.writeTo(join(tmp, 'lexical.bin'));
  writeFileSync(join(tmp, 'stats.json'), JSON.stringify(stats));
  const storedNames: StoredNames = { analysis: namesAnalysis(options), entries: [...names] };
  writeFileSync(join(tmp, NAMES_FILE), JSON.stringify(storedNames));
  if (dense) await dense.save(join(tmp, 'dense'));
  // The manifest is written last: a folder without one is never loaded.
  writeFileSync(join(tmp, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  rmSync(dir, { recursive: true, force: true });
  renameSync(tmp, dir);
  return withInfo(retriever, { manifest, source: 'built', reason, ms: performance.now() - started });
}

/** Reads the manifest, or undefined when there is none (throws IndexCorrupt when it is unreadable). */
export function readManifest(dir: string): IndexManifest | undefined {
  const path = join(dir, 'manifest.json');
  if (!existsSync(path)) return undefined;
  try {
    const m = JSON.parse(readFileSync(path, 'utf8')) as IndexManifest;
    if (typeof m.knowledgeHash !== 'string' || typeof m.embeddingsId !== 'string' || typeof m.counts !== 'object') {
      throw new Error('missing fields');
    }
    return m;
  } catch (err) {
    throw new MlopsGuideError(ErrorCode.IndexCorrupt, `Index manifest ${path} is unreadable: ${String(err)}`, {
      cause: err,
    });
  }
}

async function load(
  kb: KnowledgeBase,
  dir: string,
  manifest: IndexManifest,
  embeddings: NamedEmbeddings,
  options: RetrievalOptions,
  yielding = false,
  prefetched?: Promise<DenseFiles>,
): Promise<HybridRetriever> {
  try {
    const analyzer = analyzerFor(kb, options);
    // Read synchronously at start-up (an awaited read of tens of MB is a round trip per 512 kB chunk); a reload reads
    // while questions are answered, so it awaits.
    const lexicalPath = join(dir, 'lexical.bin');
    const lexical = compactFromBuffer(yielding ? await readFile(lexicalPath) : readFileSync(lexicalPath), {
      ...(options.fieldBoosts ? { fieldBoosts: options.fieldBoosts } : {}),
      ...(options.bm25 ? { bm25: options.bm25 } : {}),
    });
    // A reload (yielding) lets questions through between the steps; each step is short, or sliced (nameStems).
    const pause = () => (yielding ? new Promise((resolve) => setImmediate(resolve)) : Promise.resolve());
    await pause();
    const stats = JSON.parse(readFileSync(join(dir, 'stats.json'), 'utf8')) as TermStats;
    await pause();
    let dense: DenseIndex | undefined;
    if (manifest.counts.vectors > 0) {
      dense = await loadDenseIndex(join(dir, 'dense'), embeddings.embeddings, prefetched);
    }
    await pause();
    const names = readNames(dir, kb, options) ?? (yielding ? await nameStemsYielding(kb, analyzer) : undefined);
    const retriever = retrieverFromParts(kb, { lexical, stats, dense, ...(names ? { names } : {}) }, options, analyzer);
    const c = retriever.counts;
    if (
      c.entries !== manifest.counts.entries ||
      c.vectors !== manifest.counts.vectors ||
      lexical.documentCount !== c.entries
    ) {
      throw new Error(`counts differ from the manifest (${JSON.stringify(c)} vs ${JSON.stringify(manifest.counts)})`);
    }
    return retriever;
  } catch (err) {
    throw new MlopsGuideError(
      ErrorCode.IndexCorrupt,
      `Index in ${dir} is unreadable: ${err instanceof Error ? err.message : String(err)}`,
      {
        cause: err,
      },
    );
  }
}

/**
 * Loads DATA_DIR/index/ when it matches the knowledge and the embeddings; otherwise rebuilds it (and logs why).
 * Never fails because of the index itself: a corrupt index is rebuilt.
 */
export async function loadOrBuildIndex(
  kb: KnowledgeBase,
  config: Pick<Config, 'dataDir' | 'embeddings'>,
  logger: Logger,
  deps: Omit<IndexDeps, 'logger'> = {},
): Promise<LoadedIndex> {
  const started = performance.now();
  const { embeddings, options } = await resolveDeps(config, { ...deps, logger });
  const dir = indexDir(config);
  let reason: string;
  try {
    const manifest = readManifest(dir);
    if (!manifest) reason = 'no index yet';
    else if (manifest.formatVersion !== INDEX_FORMAT_VERSION)
      reason = `index format ${manifest.formatVersion} is outdated`;
    else if (manifest.embeddingsId !== embeddings.id) {
      reason = `index was built with other embeddings (${manifest.embeddingsId}, now ${embeddings.id})`;
    } else if (manifest.knowledgeHash !== kb.hash) reason = 'knowledge changed since the index was built';
    else {
      const prefetched =
        deps.prefetched?.dir === dir && deps.prefetched.builtAt === manifest.builtAt
          ? deps.prefetched.dense
          : undefined;
      const retriever = await load(kb, dir, manifest, embeddings, options, deps.yielding, prefetched);
      return withInfo(retriever, { manifest, source: 'loaded', ms: performance.now() - started });
    }
  } catch (err) {
    reason = err instanceof MlopsGuideError ? err.message : String(err);
    logger.warn({ dir, code: ErrorCode.IndexCorrupt, reason }, 'index is corrupt; rebuilding it');
  }
  logger.info({ dir, reason }, 'building the search index');
  const built = await build(kb, config, embeddings, options, started, reason);
  logger.info({ dir, ms: Math.round(built.index.ms), counts: built.index.manifest.counts }, 'search index built');
  return built;
}

/** Index files being read ahead (prefetchIndex). */
export interface IndexPrefetch {
  dir: string;
  /** The manifest's builtAt: the prefetch is used only for the index it was started for. */
  builtAt: string;
  dense?: Promise<DenseFiles>;
}

/**
 * Starts reading DATA_DIR/index/'s dense index (hnswlib reads it on a thread of libuv's pool, ~0.7 s at 15,000
 * entries) while this thread loads the knowledge, whose hash decides whether the index can be used at all. Pass
 * the result to loadOrBuildIndex as `prefetched`: it is used when the index is loaded and dropped when it is
 * rebuilt. Undefined when there is no usable index to read ahead; never throws (a failure shows when loading).
 */
export function prefetchIndex(config: Pick<Config, 'dataDir'>): IndexPrefetch | undefined {
  const dir = indexDir(config);
  let manifest: IndexManifest | undefined;
  try {
    manifest = readManifest(dir);
  } catch {
    return undefined;
  }
  if (!manifest || manifest.formatVersion !== INDEX_FORMAT_VERSION) return undefined;
  const prefetch: IndexPrefetch = { dir, builtAt: manifest.builtAt };
  if (manifest.counts.vectors > 0) {
    const dense = readDenseFiles(join(dir, 'dense'));
    // Handled here so that a prefetch nobody uses (a stale index) cannot end the process; a use awaits it again.
    dense.catch(() => {});
    prefetch.dense = dense;
  }
  return prefetch;
}
