// Which embeddings the dense index uses: the offline word vectors by default; an OpenAI-compatible endpoint
// (OpenAI, Azure/vLLM gateways, Ollama's /v1) only when EMBEDDINGS_PROVIDER says so.
import type { EmbeddingsInterface } from '@langchain/core/embeddings';
import type { Logger } from '../base/index.ts';
import type { Config } from '../config.ts';
import { LocalEmbeddings } from './local-embeddings.ts';
import { ensureWordVectors } from './word-vectors.ts';

export interface NamedEmbeddings {
  /** Recorded in the index manifest: an index is only loaded with the embeddings that built it. */
  id: string;
  embeddings: EmbeddingsInterface;
}

/** The id the configured embeddings will have, without loading anything heavy (remote ones only). */
export function remoteEmbeddingsId(config: Pick<Config, 'embeddings'>): string | undefined {
  const e = config.embeddings;
  if (e.provider === 'local') return undefined;
  return `${e.provider}:${e.baseUrl ?? 'https://api.openai.com/v1'}:${e.model ?? ''}`;
}

export async function createEmbeddings(
  config: Pick<Config, 'embeddings' | 'dataDir'>,
  logger: Logger,
): Promise<NamedEmbeddings> {
  const e = config.embeddings;
  if (e.provider === 'local') {
    const local = new LocalEmbeddings(ensureWordVectors(config.dataDir, logger));
    return { id: local.id, embeddings: local };
  }
  const { OpenAIEmbeddings } = await import('@langchain/openai');
  const embeddings = new OpenAIEmbeddings({
    model: e.model ?? 'text-embedding-3-small',
    // Ollama ignores the key but the client insists on one.
    apiKey: e.apiKey ?? (e.provider === 'ollama' ? 'ollama' : undefined),
    maxRetries: 0,
    // A question waits for its embedding: fail after EMBEDDINGS_TIMEOUT_MS and rank lexically rather than hang.
    timeout: e.timeoutMs,
    ...(e.baseUrl ? { configuration: { baseURL: e.baseUrl } } : {}),
  });
  return { id: remoteEmbeddingsId(config) as string, embeddings };
}
