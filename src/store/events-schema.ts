// Validation shared by the event stores: a malformed event is refused at record time (InputInvalid) rather than
// stored and then breaking `admin gaps` months later.
import { z } from 'zod';
import { ErrorCode, MlopsGuideError } from '../errors.ts';
import type { BotEvent, BotEventType } from './types.ts';

const base = {
  at: z.number().finite().nonnegative(),
  platform: z.string(),
  userHash: z.string(),
};

export const botEventSchema = z.discriminatedUnion('type', [
  z.object({
    ...base,
    type: z.literal('question'),
    text: z.string().optional(),
    answerId: z.string(),
    abstained: z.boolean(),
    soft: z.boolean().optional(),
    confidence: z.number().finite(),
    topSourceId: z.string().optional(),
  }),
  z.object({
    ...base,
    type: z.literal('feedback'),
    answerId: z.string(),
    rating: z.enum(['up', 'down']),
    reason: z.string().optional(),
    question: z.string().optional(),
  }),
  z.object({
    ...base,
    type: z.literal('walkthrough'),
    flow: z.string(),
    event: z.enum(['started', 'finished', 'cancelled']),
    outcome: z.string().optional(),
  }),
  z.object({ ...base, type: z.literal('catalog-miss'), query: z.string().optional() }),
]);

export const BOT_EVENT_TYPES: readonly BotEventType[] = ['question', 'feedback', 'walkthrough', 'catalog-miss'];

/**
 * Returns the event as stored (unknown keys dropped; a missing `at` becomes `now`); throws InputInvalid naming
 * the bad fields.
 */
export function validateEvent(event: unknown, now: number): BotEvent {
  const stamped =
    event !== null && typeof event === 'object' && !Array.isArray(event) && (event as { at?: unknown }).at === undefined
      ? { ...event, at: now }
      : event;
  const parsed = botEventSchema.safeParse(stamped);
  if (!parsed.success) {
    const details = parsed.error.issues.map((i) => `${i.path.join('.') || '(event)'}: ${i.message}`).join('; ');
    throw new MlopsGuideError(ErrorCode.InputInvalid, `Invalid event: ${details}`);
  }
  return parsed.data as BotEvent;
}

export function validateFilter(filter: { since?: number; types?: BotEventType[] } | undefined): void {
  if (filter?.since !== undefined && !Number.isFinite(filter.since)) {
    throw new MlopsGuideError(
      ErrorCode.InputInvalid,
      `Invalid event filter: since must be a time in ms, got ${filter.since}`,
    );
  }
  for (const t of filter?.types ?? []) {
    if (!BOT_EVENT_TYPES.includes(t)) {
      throw new MlopsGuideError(
        ErrorCode.InputInvalid,
        `Invalid event filter: unknown type "${String(t)}" (one of ${BOT_EVENT_TYPES.join(', ')})`,
      );
    }
  }
}

export function validateTime(at: number, what: string): void {
  if (!Number.isFinite(at))
    throw new MlopsGuideError(ErrorCode.InputInvalid, `${what}: expected a time in ms, got ${at}`);
}
