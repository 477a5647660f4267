// One error hierarchy with codes. Code that fails throws a MlopsGuideError (or a subclass) with a code;
// boundaries wrap unknown errors with asCodedError; one place (core/bot.ts errorReply) turns errors into text.

export const ErrorCode = {
  ConfigInvalid: 'config_invalid',
  KnowledgeInvalid: 'knowledge_invalid',
  KnowledgeNotFound: 'knowledge_not_found',
  IndexMissing: 'index_missing',
  IndexCorrupt: 'index_corrupt',
  IndexStale: 'index_stale',
  VectorsMissing: 'vectors_missing',
  EmbeddingsFailed: 'embeddings_failed',
  LlmFailed: 'llm_failed',
  LlmTimeout: 'llm_timeout',
  LlmInvalidAnswer: 'llm_invalid_answer',
  StoreUnavailable: 'store_unavailable',
  InputInvalid: 'input_invalid',
  InputTooLong: 'input_too_long',
  FlowUnknown: 'flow_unknown',
  FlowExpired: 'flow_expired',
  RateLimited: 'rate_limited',
  NotAuthorized: 'not_authorized',
  PlatformApi: 'platform_api',
  Unknown: 'unknown',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export class MlopsGuideError extends Error {
  readonly code: ErrorCode;
  /** What the reader can do about it (shown by the CLI, logged by the server). */
  readonly remedy: string | undefined;

  constructor(code: ErrorCode, message: string, options: { cause?: unknown; remedy?: string } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'MlopsGuideError';
    this.code = code;
    this.remedy = options.remedy;
  }
}

export class ConfigError extends MlopsGuideError {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(ErrorCode.ConfigInvalid, `Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

export function isCodedError(err: unknown): err is MlopsGuideError {
  return err instanceof MlopsGuideError;
}

/** Wraps anything thrown into a MlopsGuideError, keeping the original as `cause`. */
export function asCodedError(err: unknown, code: ErrorCode = ErrorCode.Unknown): MlopsGuideError {
  if (err instanceof MlopsGuideError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new MlopsGuideError(code, message, { cause: err });
}
