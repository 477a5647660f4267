// The lexical index in typed arrays (issue 12, "scale with the knowledge"). It replaces MiniSearch in the retriever:
// MiniSearch keeps a Map per term and field and a result object per matching document, which at 15,000 entries
// took most of the answer time (every candidate scored into fresh objects), ~1 GB of heap, and a giant
// JSON.parse at every start. Here the postings are flat arrays, read from one binary file without parsing them.
//
// Scores are MiniSearch's exactly (same BM25 formula, same field lengths and running average field lengths, same
// floating-point order of operations: per term the fields in order, then the terms in order, times the number of
// distinct matched terms), so answers do not change; test/retrieval/compact-lexical.test.ts compares the two.
// Only what the retriever uses is kept: exact term lookup (no prefix or fuzzy search), OR combination, no
// stored fields, no document removal.
import { closeSync, openSync, writeSync } from 'node:fs';
import { FIELD_BOOSTS, LEXICAL_FIELDS, type LexicalDoc } from './documents.ts';

/** MiniSearch's BM25 defaults (k, b, d). */
export const DEFAULT_BM25 = { k: 1.2, b: 0.7, d: 0.5 } as const;

export interface Bm25Params {
  k: number;
  b: number;
  d: number;
}

/** What one search found: parallel arrays over the matching documents (first-match order). */
export interface LexicalMatches {
  /** Matching documents (index into `ids`). */
  docs: Uint32Array;
  /** MiniSearch's score of each (BM25F sum times the number of distinct query terms matched). */
  scores: Float64Array;
  /** Words per document in the bit sets below (32 query terms a word). */
  words: number;
  /** Bit j of document i (at i * words + j / 32): the i-th document contains query term j (any field). */
  found: Uint32Array;
  /** Likewise, restricted to the head fields given to `search`. */
  head: Uint32Array;
  /** The distinct query terms, bit j standing for terms[j]. */
  terms: string[];
}

export interface CompactLexical {
  readonly documentCount: number;
  readonly termCount: number;
  /** Document index → entry id. */
  readonly ids: readonly string[];
  indexOf(id: string): number | undefined;
  /**
   * Scores every document containing one of `terms` (duplicates count twice, as in MiniSearch) with the boost of
   * each term; `headFields` marks the fields whose matches count in `head`.
   */
  search(
    terms: readonly string[],
    termBoost: (term: string) => number,
    headFields: ReadonlySet<string>,
  ): LexicalMatches;
  /** The binary form (see `compactFromBuffer`). */
  toBuffer(): Buffer;
  /** Writes the binary form to a file (without building it in memory first: at 50,000 entries it is ~130 MB). */
  writeTo(path: string): void;
}

export interface CompactOptions {
  /** Tokens of a field's text (the retriever's analysis: stems plus bigrams). */
  tokenize: (text: string) => string[];
  fieldBoosts?: Partial<typeof FIELD_BOOSTS>;
  bm25?: Bm25Params;
}

interface Parts {
  ids: string[];
  fields: string[];
  /** Sorted (JavaScript string order), for binary search. */
  terms: string[];
  avgFieldLength: Float64Array;
  /** [doc * fields + field]: distinct tokens of that field, as MiniSearch counts field length. */
  fieldLength: Uint32Array;
  /** [term * fields + field] .. [+1]: the slice of postDoc/postTf for that term in that field. */
  termFieldStart: Uint32Array;
  postDoc: Uint32Array;
  postTf: Uint16Array | Uint32Array;
}

/** Postings collected in document order, in fixed-size typed chunks (no doubling copies, no JavaScript arrays). */
class PostingChunks {
  static readonly SIZE = 1 << 20;
  readonly keys: Uint32Array[] = [];
  readonly docs: Uint32Array[] = [];
  readonly tfs: Uint32Array[] = [];
  length = 0;
  push(key: number, doc: number, tf: number): void {
    const at = this.length % PostingChunks.SIZE;
    if (at === 0) {
      this.keys.push(new Uint32Array(PostingChunks.SIZE));
      this.docs.push(new Uint32Array(PostingChunks.SIZE));
      this.tfs.push(new Uint32Array(PostingChunks.SIZE));
    }
    const c = this.keys.length - 1;
    (this.keys[c] as Uint32Array)[at] = key;
    (this.docs[c] as Uint32Array)[at] = doc;
    (this.tfs[c] as Uint32Array)[at] = tf;
    this.length++;
  }
  forEach(visit: (key: number, doc: number, tf: number) => void): void {
    for (let i = 0; i < this.length; i++) {
      const c = Math.floor(i / PostingChunks.SIZE);
      const at = i % PostingChunks.SIZE;
      visit(
        (this.keys[c] as Uint32Array)[at] as number,
        (this.docs[c] as Uint32Array)[at] as number,
        (this.tfs[c] as Uint32Array)[at] as number,
      );
    }
  }
}

/**
 * Indexes `docs` as MiniSearch would with these fields and tokenizer. The postings are collected as (term, field,
 * document, frequency) rows in typed arrays and then placed by a counting sort on the sorted terms: the same
 * layout as collecting one JavaScript array per term and field (documents in order within each), which at 50,000
 * entries (millions of terms with the bigrams) held over 1 GB.
 */
export function buildCompactLexical(docs: readonly LexicalDoc[], options: CompactOptions): CompactLexical {
  const fields = [...LEXICAL_FIELDS];
  const F = fields.length;
  const ids: string[] = [];
  const fieldLength = new Uint32Array(docs.length * F);
  const avg = new Float64Array(F);
  const rows = new PostingChunks();
  const termList: string[] = [];
  let maxTf = 0;
  {
    const termId = new Map<string, number>();
    const seenId = new Set<string>();
    docs.forEach((doc, d) => {
      if (seenId.has(doc.id)) throw new Error(`duplicate document id ${doc.id}`);
      seenId.add(doc.id);
      ids.push(doc.id);
      fields.forEach((field, f) => {
        const tokens = options.tokenize(doc[field as keyof LexicalDoc]);
        const unique = new Set(tokens).size;
        fieldLength[d * F + f] = unique;
        // MiniSearch's running average (addFieldLength), kept bit for bit.
        avg[f] = ((avg[f] || 0) * d + unique) / (d + 1);
        const tf = new Map<string, number>();
        for (const t of tokens) if (t) tf.set(t, (tf.get(t) ?? 0) + 1);
        for (const [t, n] of tf) {
          let id = termId.get(t);
          if (id === undefined) {
            id = termList.length;
            termId.set(t, id);
            termList.push(t);
          }
          if (n > maxTf) maxTf = n;
          rows.push(id * F + f, d, n);
        }
      });
    });
  }
  const order = Array.from({ length: termList.length }, (_, i) => i).sort((x, y) => {
    const a = termList[x] as string;
    const b = termList[y] as string;
    return a < b ? -1 : a > b ? 1 : 0;
  });
  const terms = order.map((i) => termList[i] as string);
  const rank = new Uint32Array(termList.length);
  order.forEach((id, r) => {
    rank[id] = r;
  });
  termList.length = 0;
  const slotOf = (key: number) => (rank[Math.floor(key / F)] as number) * F + (key % F);
  const total = rows.length;
  const termFieldStart = new Uint32Array(terms.length * F + 1);
  rows.forEach((key) => {
    const k = slotOf(key) + 1;
    termFieldStart[k] = (termFieldStart[k] as number) + 1;
  });
  for (let i = 1; i < termFieldStart.length; i++) {
    termFieldStart[i] = (termFieldStart[i] as number) + (termFieldStart[i - 1] as number);
  }
  const cursor = termFieldStart.slice(0, terms.length * F);
  const postDoc = new Uint32Array(total);
  const postTf = maxTf > 0xffff ? new Uint32Array(total) : new Uint16Array(total);
  rows.forEach((key, doc, tf) => {
    const k = slotOf(key);
    const at = cursor[k] as number;
    cursor[k] = at + 1;
    postDoc[at] = doc;
    postTf[at] = tf;
  });
  return compact({ ids, fields, terms, avgFieldLength: avg, fieldLength, termFieldStart, postDoc, postTf }, options);
}

const MAGIC = 'MGLX';
/** Bumped when the binary layout changes (the index manifest's format version covers it too). */
const LAYOUT_VERSION = 1;

interface Header {
  layout: number;
  ids: string[];
  fields: string[];
  terms: string[];
  tfBytes: 2 | 4;
  /** Byte offset and element count of each section, in this order. */
  sections: [number, number][];
}

const align8 = (n: number) => Math.ceil(n / 8) * 8;

function layout(p: Parts) {
  const arrays = [p.avgFieldLength, p.fieldLength, p.termFieldStart, p.postDoc, p.postTf];
  const sections: [number, number][] = [];
  // The header's own length decides where the sections start: lay them out after a first guess, then fix.
  const headerFor = (start: number): Buffer => {
    sections.length = 0;
    let off = start;
    for (const a of arrays) {
      sections.push([off, a.length]);
      off = align8(off + a.byteLength);
    }
    const h: Header = {
      layout: LAYOUT_VERSION,
      ids: p.ids,
      fields: p.fields,
      terms: p.terms,
      tfBytes: p.postTf.BYTES_PER_ELEMENT as 2 | 4,
      sections,
    };
    return Buffer.from(JSON.stringify(h), 'utf8');
  };
  let header = headerFor(0);
  let start = align8(12 + header.length);
  for (;;) {
    header = headerFor(start);
    const need = align8(12 + header.length);
    if (need <= start) break;
    start = need;
  }
  const last = sections[sections.length - 1] as [number, number];
  const size = align8(last[0] + last[1] * p.postTf.BYTES_PER_ELEMENT);
  const head = Buffer.alloc(start);
  head.write(MAGIC, 0, 'latin1');
  head.writeUInt32LE(LAYOUT_VERSION, 4);
  head.writeUInt32LE(header.length, 8);
  header.copy(head, 12);
  /** The file's pieces in order: the header (padded), then each section and the zeros up to the next. */
  const pieces: Buffer[] = [head];
  arrays.forEach((a, i) => {
    const [off] = sections[i] as [number, number];
    const end = i + 1 < arrays.length ? (sections[i + 1] as [number, number])[0] : size;
    pieces.push(Buffer.from(a.buffer, a.byteOffset, a.byteLength));
    if (end > off + a.byteLength) pieces.push(Buffer.alloc(end - off - a.byteLength));
  });
  return { pieces, size };
}

function toBuffer(p: Parts): Buffer {
  const { pieces, size } = layout(p);
  return Buffer.concat(pieces, size);
}

/** Writes the binary form piece by piece: the same bytes as toBuffer, without a copy of the postings in memory. */
function writeTo(p: Parts, path: string): void {
  const fd = openSync(path, 'w');
  try {
    for (const piece of layout(p).pieces) {
      let done = 0;
      while (done < piece.length) done += writeSync(fd, piece, done, piece.length - done);
    }
  } finally {
    closeSync(fd);
  }
}

/**
 * Reads the binary form. Throws (with what is wrong) on anything that is not a complete, consistent index, so a
 * truncated or corrupt file is rebuilt rather than searched.
 */
export function compactFromBuffer(input: Buffer, options: Omit<CompactOptions, 'tokenize'> = {}): CompactLexical {
  if (input.length < 12 || input.toString('latin1', 0, 4) !== MAGIC) throw new Error('not a lexical index file');
  const layout = input.readUInt32LE(4);
  if (layout !== LAYOUT_VERSION) throw new Error(`lexical index layout ${layout}, expected ${LAYOUT_VERSION}`);
  const headerLength = input.readUInt32LE(8);
  if (12 + headerLength > input.length) throw new Error('lexical index header is truncated');
  const h = JSON.parse(input.toString('utf8', 12, 12 + headerLength)) as Header;
  if (!Array.isArray(h.ids) || !Array.isArray(h.fields) || !Array.isArray(h.terms) || h.sections?.length !== 5) {
    throw new Error('lexical index header is incomplete');
  }
  // Typed arrays need aligned offsets: a Buffer from a pool may not start at an 8-byte boundary.
  const buf = input.byteOffset % 8 === 0 ? input : Buffer.from(input);
  const view = <T>(i: number, bytes: number, make: (b: ArrayBuffer, off: number, n: number) => T): T => {
    const [off, n] = h.sections[i] as [number, number];
    if (off % bytes !== 0 || off + n * bytes > buf.length) throw new Error(`lexical index section ${i} is truncated`);
    return make(buf.buffer as ArrayBuffer, buf.byteOffset + off, n);
  };
  const F = h.fields.length;
  const N = h.ids.length;
  const T = h.terms.length;
  const p: Parts = {
    ids: h.ids,
    fields: h.fields,
    terms: h.terms,
    avgFieldLength: view(0, 8, (b, o, n) => new Float64Array(b, o, n)),
    fieldLength: view(1, 4, (b, o, n) => new Uint32Array(b, o, n)),
    termFieldStart: view(2, 4, (b, o, n) => new Uint32Array(b, o, n)),
    postDoc: view(3, 4, (b, o, n) => new Uint32Array(b, o, n)),
    postTf:
      h.tfBytes === 4
        ? view(4, 4, (b, o, n) => new Uint32Array(b, o, n))
        : view(4, 2, (b, o, n) => new Uint16Array(b, o, n)),
  };
  if (p.avgFieldLength.length !== F || p.fieldLength.length !== N * F || p.termFieldStart.length !== T * F + 1) {
    throw new Error('lexical index sections do not match its header');
  }
  if (p.postDoc.length !== p.postTf.length || p.termFieldStart[T * F] !== p.postDoc.length) {
    throw new Error('lexical index postings do not match their offsets');
  }
  for (let i = 1; i < p.termFieldStart.length; i++) {
    if ((p.termFieldStart[i] as number) < (p.termFieldStart[i - 1] as number)) {
      throw new Error('lexical index offsets are not in order');
    }
  }
  for (let i = 0; i < p.postDoc.length; i++) {
    if ((p.postDoc[i] as number) >= N) throw new Error('lexical index names a document it does not have');
  }
  return compact(p, options);
}

function compact(p: Parts, options: Omit<CompactOptions, 'tokenize'>): CompactLexical {
  const F = p.fields.length;
  const N = p.ids.length;
  const { k, b, d } = options.bm25 ?? DEFAULT_BM25;
  const boosts = { ...FIELD_BOOSTS, ...options.fieldBoosts } as Record<string, number>;
  // As MiniSearch: `boost[field] || 1`, the fields in the index's order.
  const fieldBoost = p.fields.map((f) => (Object.hasOwn(boosts, f) ? boosts[f] : undefined) || 1);
  let byId: Map<string, number> | undefined;
  const termIndex = (t: string): number => {
    let lo = 0;
    let hi = p.terms.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const m = p.terms[mid] as string;
      if (m === t) return mid;
      if (m < t) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  };
  // Scratch space reused across searches (one search runs at a time: searching is synchronous).
  let termScore = new Float64Array(N);
  let total = new Float64Array(N);
  let slot = new Int32Array(N).fill(-1);
  let stamp = new Uint32Array(N);
  let generation = 0;
  return {
    documentCount: N,
    termCount: p.terms.length,
    ids: p.ids,
    indexOf(id) {
      byId ??= new Map(p.ids.map((x, i) => [x, i]));
      return byId.get(id);
    },
    search(queryTerms, termBoost, headFields) {
      if (termScore.length !== N) {
        termScore = new Float64Array(N);
        total = new Float64Array(N);
        slot = new Int32Array(N).fill(-1);
        stamp = new Uint32Array(N);
      }
      const distinct: string[] = [];
      const bitOf = new Map<string, number>();
      for (const t of queryTerms) {
        if (!bitOf.has(t)) {
          bitOf.set(t, distinct.length);
          distinct.push(t);
        }
      }
      const words = Math.max(1, Math.ceil(distinct.length / 32));
      const head = p.fields.map((f) => headFields.has(f));
      const order: number[] = [];
      let found: number[] = [];
      let inHead: number[] = [];
      const touched: number[] = [];
      for (const term of queryTerms) {
        const ti = termIndex(term);
        if (ti < 0) continue;
        const boost = termBoost(term);
        const bit = bitOf.get(term) as number;
        const w = bit >>> 5;
        const mask = 1 << (bit & 31);
        touched.length = 0;
        generation = (generation + 1) >>> 0;
        if (generation === 0) {
          stamp.fill(0);
          generation = 1;
        }
        for (let f = 0; f < F; f++) {
          const from = p.termFieldStart[ti * F + f] as number;
          const to = p.termFieldStart[ti * F + f + 1] as number;
          if (from === to) continue;
          const matching = to - from;
          const avgLen = p.avgFieldLength[f] as number;
          const invDocFreq = Math.log(1 + (N - matching + 0.5) / (matching + 0.5));
          const weight = 1 * boost * (fieldBoost[f] as number) * 1;
          for (let i = from; i < to; i++) {
            const doc = p.postDoc[i] as number;
            const tf = p.postTf[i] as number;
            const len = p.fieldLength[doc * F + f] as number;
            const raw = invDocFreq * (d + (tf * (k + 1)) / (tf + k * (1 - b + (b * len) / avgLen)));
            const s = weight * raw;
            let at = slot[doc] as number;
            if (at < 0) {
              at = order.length;
              slot[doc] = at;
              order.push(doc);
              for (let j = 0; j < words; j++) {
                found.push(0);
                inHead.push(0);
              }
            }
            // Per term the fields' scores are summed first, then added to the document's total (as MiniSearch
            // combines one result map per term): the same floating-point result.
            if (stamp[doc] !== generation) {
              stamp[doc] = generation;
              touched.push(doc);
              termScore[doc] = s;
            } else termScore[doc] = (termScore[doc] as number) + s;
            found[at * words + w] = (found[at * words + w] as number) | mask;
            if (head[f]) inHead[at * words + w] = (inHead[at * words + w] as number) | mask;
          }
        }
        for (const doc of touched) total[doc] = (total[doc] as number) + (termScore[doc] as number);
      }
      const n = order.length;
      const docs = new Uint32Array(order);
      const scores = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        const doc = order[i] as number;
        let quality = 0;
        for (let j = 0; j < words; j++) quality += popcount(found[i * words + j] as number);
        scores[i] = (total[doc] as number) * (quality || 1);
        total[doc] = 0;
        slot[doc] = -1;
      }
      const result: LexicalMatches = {
        docs,
        scores,
        words,
        found: Uint32Array.from(found),
        head: Uint32Array.from(inHead),
        terms: distinct,
      };
      found = [];
      inHead = [];
      return result;
    },
    toBuffer: () => toBuffer(p),
    writeTo: (path) => writeTo(p, path),
  };
}

function popcount(x: number): number {
  let v = x - ((x >>> 1) & 0x55555555);
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return (((v + (v >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}
