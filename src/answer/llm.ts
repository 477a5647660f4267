// The opt-in LLM path: an OpenAI-compatible chat endpoint (OpenAI, Azure/vLLM gateways, Ollama's /v1) through
// LangChain's ChatOpenAI. The model sees only the retrieved entries, delimited and marked as data; its answer
// must cite them as [n], and the citations are checked before anything is shown.
import type { BaseChatModel } from '@langchain/core/language_models/chat_models';
import type { Logger } from '../base/index.ts';
import type { Config } from '../config.ts';
import { ErrorCode, MlopsGuideError } from '../errors.ts';
import type { Entry } from '../knowledge/schema.ts';
import { keyPoints } from './key-points.ts';
import { fillTemplate, loadPrompts, neutralizeDelimiters, type Prompts } from './prompts.ts';

/** A chat model the answerer can call (ChatOpenAI in production, FakeListChatModel in tests). */
export type ChatModel = Pick<BaseChatModel, 'invoke'>;

export interface LlmSettings {
  model: ChatModel;
  prompts: Prompts;
  timeoutMs: number;
}

/**
 * The opt-in LLM for `config.llm` (ChatOpenAI against an OpenAI-compatible endpoint) with the prompt templates
 * loaded from prompts/, or undefined when LLM_PROVIDER=none. @langchain/openai is imported lazily (≈300 ms).
 */
export async function createChatModel(
  config: Pick<Config, 'llm'>,
  logger?: Logger,
  options: { promptsDir?: string } = {},
): Promise<LlmSettings | undefined> {
  const l = config.llm;
  if (l.provider === 'none') return undefined;
  const prompts = loadPrompts(options.promptsDir);
  const { ChatOpenAI } = await import('@langchain/openai');
  logger?.info(
    { provider: l.provider, model: l.model, baseUrl: l.baseUrl, timeoutMs: l.timeoutMs },
    'LLM answers enabled',
  );
  const model = new ChatOpenAI({
    model: l.model ?? 'gpt-4o-mini',
    // Ollama and most on-prem gateways ignore the key, but the client insists on one.
    apiKey: l.apiKey ?? 'not-needed',
    temperature: 0,
    // No retries with back-off: a failed or slow call falls back to the extractive answer at once.
    maxRetries: 0,
    timeout: l.timeoutMs,
    ...(l.baseUrl ? { configuration: { baseURL: l.baseUrl } } : {}),
  });
  return { model, prompts, timeoutMs: l.timeoutMs };
}

export const MAX_LLM_ANSWER_CHARS = 3_000;

export function buildMessages(
  prompts: Prompts,
  question: string,
  entries: readonly Entry[],
): { system: string; user: string } {
  const blocks = entries.map((e, i) =>
    fillTemplate(prompts.entry, {
      n: String(i + 1),
      title: neutralizeDelimiters(e.title),
      type: e.type,
      summary: neutralizeDelimiters(e.summary),
      keyPoints: keyPoints(e.body)
        .slice(0, 6)
        .map((k) => `- ${neutralizeDelimiters(k)}`)
        .join('\n'),
    }),
  );
  return {
    system: prompts.system,
    user: fillTemplate(prompts.answer, { entries: blocks.join('\n\n'), question: neutralizeDelimiters(question) }),
  };
}

/** Checks a model answer: non-empty text, at least one citation, every citation within 1..n. */
export function checkCitations(text: string, n: number): { ok: true; cited: number[] } | { ok: false; reason: string } {
  const cited = [...text.matchAll(/\[(\d{1,3})\]/g)].map((m) => Number(m[1]));
  if (cited.length === 0) return { ok: false, reason: 'no citations' };
  const bad = cited.filter((c) => c < 1 || c > n);
  if (bad.length > 0) return { ok: false, reason: `citations to entries that were not given: ${bad.join(', ')}` };
  return { ok: true, cited: [...new Set(cited)].sort((a, b) => a - b) };
}

/** Calls the model; throws LlmTimeout, LlmFailed or LlmInvalidAnswer. Returns the checked Markdown. */
export async function generateAnswer(
  settings: LlmSettings,
  question: string,
  entries: readonly Entry[],
): Promise<string> {
  const { system, user } = buildMessages(settings.prompts, question, entries);
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      reject(new MlopsGuideError(ErrorCode.LlmTimeout, `LLM did not answer within ${settings.timeoutMs} ms`));
    }, settings.timeoutMs);
  });
  let content: unknown;
  try {
    const message = await Promise.race([
      settings.model.invoke(
        [
          { role: 'system', content: system },
          { role: 'user', content: user },
        ],
        { signal: controller.signal },
      ),
      timeout,
    ]);
    content = message.content;
  } catch (err) {
    if (err instanceof MlopsGuideError) throw err;
    throw new MlopsGuideError(
      ErrorCode.LlmFailed,
      `LLM call failed: ${err instanceof Error ? err.message : String(err)}`,
      {
        cause: err,
      },
    );
  } finally {
    clearTimeout(timer);
  }
  const text = typeof content === 'string' ? content.trim() : '';
  if (!text || text.includes('NO_ANSWER') || text.length > MAX_LLM_ANSWER_CHARS || /<<<|>>>/.test(text)) {
    throw new MlopsGuideError(ErrorCode.LlmInvalidAnswer, 'LLM answer was empty, refused, too long or malformed');
  }
  const check = checkCitations(text, entries.length);
  if (!check.ok) throw new MlopsGuideError(ErrorCode.LlmInvalidAnswer, `LLM answer rejected: ${check.reason}`);
  return withoutForeignLinks(
    text,
    entries.flatMap((e) => e.sources.map((src) => src.url).filter((u): u is string => Boolean(u))),
  );
}

/**
 * Generated text may only link to the retrieved entries' own sources: a prompt injection (in a question or an
 * entry) must not be able to put a live link into a bot message. Other Markdown links keep their label; other
 * bare URLs are removed.
 */
export function withoutForeignLinks(markdown: string, allowedUrls: readonly string[]): string {
  const allowed = new Set(allowedUrls);
  return markdown
    .replace(/\[([^\]]*)\]\(([^)\s]*)\)/g, (link, label: string, url: string) => (allowed.has(url) ? link : label))
    .replace(/<?\b(?:https?|ftp|mailto):[^\s<>)\]]+>?/gi, (raw) => {
      const url = raw.replace(/^<|>$/g, '');
      return allowed.has(url) ? raw : '(link removed)';
    });
}
