// LangChain EmbeddingsInterface over the offline word vectors: SIF-weighted averages (Arora et al. 2017,
// "A simple but tough-to-beat baseline for sentence embeddings"), with word frequencies approximated from the
// source vocabulary's frequency rank (Zipf). No network, no model weights beyond DATA_DIR/vectors/.
import { Embeddings } from '@langchain/core/embeddings';
import { isContentWord, words } from './text.ts';
import type { WordVectors } from './word-vectors.ts';

/** SIF smoothing constant: words more frequent than ~1/1000 get down-weighted. */
const SIF_A = 1e-3;

export const LOCAL_EMBEDDINGS_VERSION = 'sif-v1';

export class LocalEmbeddings extends Embeddings {
  readonly id: string;
  readonly #vectors: WordVectors;
  readonly #zipf: number;

  constructor(vectors: WordVectors) {
    super({});
    this.#vectors = vectors;
    this.id = `local:${vectors.meta.id}:${LOCAL_EMBEDDINGS_VERSION}`;
    // Zipf normaliser for the source vocabulary (harmonic number ≈ ln N + γ; the source had ~341k words).
    this.#zipf = Math.log(Math.max(vectors.size, 341_479)) + 0.5772;
  }

  /** Unit-length vector (all zeros when no word of the text is known). */
  embed(text: string): number[] {
    const dims = this.#vectors.dimensions;
    const acc = new Float64Array(dims);
    for (const w of words(text)) {
      if (!isContentWord(w)) continue;
      const rank = this.#vectors.rank(w);
      if (rank === undefined) continue;
      const p = 1 / ((rank + 1) * this.#zipf);
      this.#vectors.addTo(acc, w, SIF_A / (SIF_A + p));
    }
    let norm = 0;
    for (let d = 0; d < dims; d++) norm += (acc[d] as number) ** 2;
    norm = Math.sqrt(norm);
    const out = new Array<number>(dims);
    for (let d = 0; d < dims; d++) out[d] = norm > 0 ? (acc[d] as number) / norm : 0;
    return out;
  }

  async embedDocuments(documents: string[]): Promise<number[][]> {
    return documents.map((d) => this.embed(d));
  }

  async embedQuery(document: string): Promise<number[]> {
    return this.embed(document);
  }
}
