// "Ask an expert" posts once: a second click on the same button (or on another reply's button for the same question),
// and a platform's redelivery of the click (Teams redelivers an activity whose request failed; Socket Mode redelivers
// an envelope that was not acknowledged), must not post the question in the expert channel again. The claim lives in
// the key/value store, so it holds across replicas sharing Redis as well as on one machine (SQLite).
import type { Logger } from '../base/index.ts';
import { asCodedError, ErrorCode } from '../errors.ts';
import type { KeyValueStore } from '../store/types.ts';
import type { Escalation } from './reply.ts';

/** How long a posted escalation is remembered: a week (the experts' thread is then the place to follow up). */
export const ESCALATION_MEMORY_MS = 7 * 24 * 60 * 60 * 1000;
/**
 * How long a claim holds while the post is being made. Short: a replica that dies mid-post must not block the
 * question for a week; a live one finishes (or releases the claim) well within it, Slack's and Teams' retries included.
 */
export const ESCALATION_POSTING_MS = 2 * 60 * 1000;

const noop = { posted: async () => {}, release: async () => {} };

interface Stored {
  state: 'posting' | 'posted';
  /** A link to the post, where the platform gives one (Slack's permalink). */
  link?: string;
}

export interface EscalationClaim {
  /** False: posted (or being posted) already; `link` is the earlier post's, when known. */
  fresh: boolean;
  link?: string;
  /** Records the delivered post (best effort: logged when the store fails). */
  posted(link?: string): Promise<void>;
  /** Gives the claim up after a failed post, so that the user's next click tries again. */
  release(): Promise<void>;
}

/**
 * Claims an escalation before it is posted. Without a key, or when the store cannot be reached, the claim is fresh:
 * a question posted twice beats a question nobody sees (logged).
 */
export async function claimEscalation(
  kv: KeyValueStore,
  escalation: Escalation,
  logger: Logger,
): Promise<EscalationClaim> {
  const key = escalation.key;
  const unchecked: EscalationClaim = { fresh: true, posted: async () => {}, release: async () => {} };
  if (!key) return unchecked;
  const storeFailed = (err: unknown, what: string) => {
    const coded = asCodedError(err, ErrorCode.StoreUnavailable);
    logger.warn({ code: coded.code, err: coded.message }, what);
  };
  try {
    if (!(await kv.setIfAbsent<Stored>(key, { state: 'posting' }, ESCALATION_POSTING_MS))) {
      const earlier = await kv.get<Stored>(key);
      logger.info({ state: earlier?.state ?? 'posting' }, 'expert escalation not posted again');
      return { fresh: false, ...(earlier?.link ? { link: earlier.link } : {}), ...noop };
    }
  } catch (err) {
    storeFailed(err, 'expert escalation de-duplication skipped');
    return unchecked;
  }
  return {
    fresh: true,
    posted: (link) =>
      kv
        .set<Stored>(key, { state: 'posted', ...(link ? { link } : {}) }, ESCALATION_MEMORY_MS)
        .catch((err: unknown) => storeFailed(err, 'expert escalation not remembered; a repeated click may post again')),
    release: () =>
      kv
        .delete(key)
        .catch((err: unknown) => storeFailed(err, 'expert escalation claim not released; the user may retry later')),
  };
}
