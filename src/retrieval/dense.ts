// The dense index: hnswlib-node (HierarchicalNSW, cosine space) over the entries' embedded texts, each vector
// labelled with its entry id. Used directly rather than through LangChain's HNSWLib wrapper, which pulled in
// @langchain/community (and its peers) for this one use. The embeddings stay behind LangChain's EmbeddingsInterface.
// On disk (DATA_DIR/index/dense/) it keeps the files the wrapper wrote — hnswlib.index, args.json, docstore.json —
// so an index built before this change still loads.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { EmbeddingsInterface } from '@langchain/core/embeddings';
import type { HierarchicalNSW } from 'hnswlib-node';

/** What args.json records (the wrapper's constructor arguments). */
interface DenseArgs {
  space: 'cosine';
  numDimensions: number;
}

/** labels.json: the entry id of each label (index = label). */
const LABELS_FILE = 'labels.json';

/** Vectors kept in JavaScript for exact similarities (least recently used dropped first). */
const POINT_CACHE_LABELS = 16_384;

/** docstore.json: [label, document] pairs, the document's `metadata.id` being the entry id. */
type StoredDocs = [string, { pageContent: string; metadata: { id: string } }][];

export interface DenseHit {
  /** The entry the vector belongs to (an entry has several vectors). */
  id: string;
  /** Cosine distance (1 − similarity): lower is closer. */
  distance: number;
}

export interface DenseIndex {
  readonly embeddings: EmbeddingsInterface;
  /** Vectors in the index. */
  readonly count: number;
  /** The `k` nearest vectors to `query` (k is capped at the count). */
  search(query: number[], k: number): DenseHit[];
  /**
   * Exact cosine similarity of `query` (unit length) to the closest of an entry's vectors; undefined for an entry
   * without vectors. For candidates the approximate top-k search did not reach.
   */
  similarity(query: number[], id: string): number | undefined;
  /** Writes hnswlib.index, args.json and docstore.json into `dir` (a loaded index writes its labels without texts). */
  save(dir: string): Promise<void>;
}

/** hnswlib-node is CommonJS: in ESM its classes come from the default export. */
async function hierarchicalNsw(args: DenseArgs): Promise<HierarchicalNSW> {
  const { default: hnswlib } = await import('hnswlib-node');
  return new hnswlib.HierarchicalNSW(args.space, args.numDimensions);
}

function denseIndex(
  embeddings: EmbeddingsInterface,
  index: HierarchicalNSW,
  args: DenseArgs,
  /** The entry id of each label (index = label). */
  ids: readonly string[],
): DenseIndex {
  const labelsOf = new Map<string, number[]>();
  for (let label = 0; label < ids.length; label++) {
    const id = ids[label] as string;
    const list = labelsOf.get(id);
    if (list) list.push(label);
    else labelsOf.set(id, [label]);
  }
  // getPoint copies a vector out of the native index into a new JavaScript array on every call: under load that
  // was ~5 % of the main thread (10 candidates × their question vectors per answer). The vectors asked for are
  // kept as Float32Array (the index stores float32, so the values are the same), the most recently used first, up
  // to POINT_CACHE_LABELS (~8 MB at 100 dimensions: all of a 1,500-entry knowledge base).
  const points = new Map<number, Float32Array>();
  const point = (label: number): Float32Array => {
    let p = points.get(label);
    if (p) {
      points.delete(label);
    } else {
      p = Float32Array.from(index.getPoint(label));
      if (points.size >= POINT_CACHE_LABELS) points.delete(points.keys().next().value as number);
    }
    points.set(label, p);
    return p;
  };
  return {
    embeddings,
    get count() {
      return index.getCurrentCount();
    },
    search(query, k) {
      if (query.length !== args.numDimensions) {
        throw new Error(`query vector has ${query.length} dimensions, the index ${args.numDimensions}`);
      }
      const n = Math.min(k, index.getCurrentCount());
      if (n <= 0) return [];
      const { neighbors, distances } = index.searchKnn(query, n);
      return neighbors.map((label, i) => ({ id: ids[label] ?? '', distance: distances[i] ?? 1 }));
    },
    similarity(query, id) {
      const labels = labelsOf.get(id);
      if (!labels || query.length !== args.numDimensions) return undefined;
      let best = -Infinity;
      for (const label of labels) {
        // The cosine space stores unit-length vectors: the dot product is the cosine.
        const p = point(label);
        let dot = 0;
        for (let d = 0; d < p.length; d++) dot += (p[d] as number) * (query[d] as number);
        if (dot > best) best = dot;
      }
      return best === -Infinity ? undefined : best;
    },
    async save(dir) {
      await mkdir(dir, { recursive: true });
      await index.writeIndex(join(dir, 'hnswlib.index'));
      await writeFile(join(dir, 'args.json'), JSON.stringify(args));
      // The docstore as the LangChain wrapper wrote it, but without the embedded texts (nothing reads them; at
      // 50,000 entries they were an 80 MB JSON string at the end of a build).
      const docs: StoredDocs = ids.map((id, label) => [String(label), { pageContent: '', metadata: { id } }]);
      await writeFile(join(dir, 'docstore.json'), JSON.stringify(docs));
      // The entry id of each label on its own: what loading needs.
      await writeFile(join(dir, LABELS_FILE), JSON.stringify(ids));
    },
  };
}

/** A dense index of `vectors`, the i-th labelled with `texts[i]`'s entry id; undefined when there are none. */
export async function createDenseIndex(
  embeddings: EmbeddingsInterface,
  vectors: number[][],
  texts: { text: string; id: string }[],
): Promise<DenseIndex | undefined> {
  if (vectors.length === 0) return undefined;
  if (vectors.length !== texts.length) throw new Error('vectors and texts must have the same length');
  return buildDenseIndex(embeddings, vectors.length, [texts], async () => vectors);
}

/**
 * The dense index of `count` texts, embedded and added batch by batch in the order given (so the same graph as
 * embedding them all first: hnswlib's seed and insertion order decide it), so that only one batch of vectors is
 * held as JavaScript arrays at a time: at 50,000 entries (437,000 texts) all of them at once were ~0.4 GB.
 * undefined when there are no texts.
 */
export async function buildDenseIndex(
  embeddings: EmbeddingsInterface,
  count: number,
  batches: Iterable<{ text: string; id: string }[]>,
  embed: (texts: string[]) => Promise<number[][]> = (texts) => embeddings.embedDocuments(texts),
): Promise<DenseIndex | undefined> {
  if (count === 0) return undefined;
  let index: HierarchicalNSW | undefined;
  let args: DenseArgs | undefined;
  const ids: string[] = [];
  for (const batch of batches) {
    if (batch.length === 0) continue;
    const vectors = await embed(batch.map((t) => t.text));
    if (vectors.length !== batch.length) throw new Error('vectors and texts must have the same length');
    for (let j = 0; j < batch.length; j++) {
      const v = vectors[j] as number[];
      if (!index || !args) {
        args = { space: 'cosine', numDimensions: v.length };
        index = await hierarchicalNsw(args);
        // hnswlib's defaults (M 16, efConstruction 200, seed 100), as the wrapper used them.
        index.initIndex(count);
      }
      const i = ids.length;
      if (v.length !== args.numDimensions)
        throw new Error(`vector ${i} has ${v.length} dimensions, not ${args.numDimensions}`);
      if (i >= count) throw new Error(`more than the ${count} texts announced`);
      index.addPoint(v, i);
      ids.push((batch[j] as { id: string }).id);
    }
  }
  if (!index || !args || ids.length !== count) throw new Error(`${ids.length} texts embedded, ${count} announced`);
  return denseIndex(embeddings, index, args, ids);
}

/** The files of a dense index read, before they are joined with the embeddings (readDenseFiles). */
export interface DenseFiles {
  index: HierarchicalNSW;
  args: DenseArgs;
  labels: string[];
}

/** Reads a dense index written by `save` (or by LangChain's HNSWLib before); `prefetched`: readDenseFiles(dir) begun. */
export async function loadDenseIndex(
  dir: string,
  embeddings: EmbeddingsInterface,
  prefetched?: Promise<DenseFiles>,
): Promise<DenseIndex> {
  const { index, args, labels } = await (prefetched ?? readDenseFiles(dir));
  return denseIndex(embeddings, index, args, labels);
}

/** Reads hnswlib.index (on a thread of libuv's pool), args.json and the labels; throws when they don't agree. */
export async function readDenseFiles(dir: string): Promise<DenseFiles> {
  const args = JSON.parse(await readFile(join(dir, 'args.json'), 'utf8')) as DenseArgs;
  if (args.space !== 'cosine' || !Number.isInteger(args.numDimensions) || args.numDimensions <= 0) {
    throw new Error(`dense index arguments are invalid: ${JSON.stringify(args)}`);
  }
  const index = await hierarchicalNsw(args);
  // labels.json (written since issue 12) holds just the entry id of each label; older indexes have only the
  // docstore, whose embedded texts are most of the file and are not kept.
  const labelsPath = join(dir, LABELS_FILE);
  const [labels] = await Promise.all([
    readFile(labelsPath, 'utf8').then(
      (t) => {
        const ids = JSON.parse(t) as unknown;
        if (!Array.isArray(ids) || ids.some((id) => typeof id !== 'string'))
          throw new Error(`${labelsPath} is invalid`);
        return ids as string[];
      },
      async (err: NodeJS.ErrnoException) => {
        if (err.code !== 'ENOENT') throw err;
        const docs = JSON.parse(await readFile(join(dir, 'docstore.json'), 'utf8')) as StoredDocs;
        const ids: string[] = [];
        for (const [label, doc] of docs) ids[Number(label)] = String(doc.metadata.id);
        return ids;
      },
    ),
    index.readIndex(join(dir, 'hnswlib.index')),
  ]);
  if (labels.length !== index.getCurrentCount()) {
    throw new Error(`dense index has ${index.getCurrentCount()} vectors but ${labels.length} labels`);
  }
  return { index, args, labels };
}
