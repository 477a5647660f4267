// The Walkthroughs service the core calls: loads state from the KeyValueStore, runs the pure step function,
// stores the new state (with expiry) and records events. One walkthrough per platform, conversation (+thread)
// and user at a time; starting another replaces it.
import { createHash } from 'node:crypto';
import { type Clock, type Logger, silentLogger } from '../base/index.ts';
import type { UserRef } from '../core/inbound.ts';
import { block, type Choice, type Reply } from '../core/reply.ts';
import type { KnowledgeBase } from '../knowledge/types.ts';
import type { BotEvent, EventStore, KeyValueStore } from '../store/types.ts';
import type { WalkthroughDefinition } from './definition.ts';
import { advance } from './engine.ts';
import { looksLikeQuestion } from './match.ts';
import { shorten } from './replies.ts';
import {
  ACTION_PREFIX,
  type AdvanceResult,
  decodeAction,
  encodeAction,
  type FlowAnswer,
  type FlowContext,
  type FlowEvent,
  type FlowInput,
  type FlowState,
  startChoice,
} from './state.ts';
import type { FlowKey, FlowTextResult, Walkthroughs } from './types.ts';

export interface WalkthroughDeps {
  definitions: readonly WalkthroughDefinition[];
  store: KeyValueStore;
  /** The current knowledge base (a reload swaps it; each call reads it afresh). */
  knowledge: () => KnowledgeBase;
  events?: EventStore;
  /**
   * Turns the user (e.g. `{ platform: 'slack', userId: 'U123' }`) into the hash stored in events (default: sha256
   * of `platform:userId`, 16 hex characters; pass a salted hash in production).
   */
  hashUser?: (user: UserRef) => string;
  /**
   * Hashes the platform, conversation, thread and user ids into the state's store key (pass a salted hash in
   * production; default: unsalted sha256). Store keys never hold raw platform ids.
   */
  hashKey?: (ids: string) => string;
  clock?: Clock;
  /**
   * Whether typed text is a question the knowledge answers (the core's domain and decision evidence). Asked only
   * for question-shaped text at a catalog step: such a question is answered, anything else is searched for.
   */
  isKnowledgeQuestion?: (text: string) => Promise<boolean>;
  /** State lifetime after the last step (default 24 h). */
  ttlMs?: number;
  /**
   * STORE_QUESTION_TEXT. False: typed text (free-text answers, catalog searches) never reaches a store: the stored
   * state carries a placeholder and the text stays in this process's memory for the walkthrough's lifetime (another
   * replica, or this one after a restart, shows the placeholder instead); unmet searches are recorded without the
   * query. Default true.
   */
  storeTypedText?: boolean;
  logger?: Logger;
}

/** What a stored state shows in place of typed text when STORE_QUESTION_TEXT=false and the text is not in memory. */
export const TYPED_TEXT_NOT_KEPT = '(your typed answer: not kept, please fill in)';
/** Walkthroughs whose typed text is held in memory at most (STORE_QUESTION_TEXT=false); the oldest go first. */
const MAX_TYPED_IN_MEMORY = 10_000;

/** Holds the typed answers of walkthroughs in memory, keyed by the (hashed) store key, with the state's lifetime. */
function typedTextMemory(clock: Clock, ttlMs: number) {
  const held = new Map<string, { expires: number; answers: Record<string, FlowAnswer> }>();
  return {
    /** The state without typed text (for the store); the text is held here. */
    strip(storeKey: string, state: FlowState): FlowState {
      const typed = Object.entries(state.answers).filter(([, a]) => a.text !== undefined);
      if (typed.length === 0) {
        held.delete(storeKey);
        return state;
      }
      held.delete(storeKey);
      held.set(storeKey, { expires: clock() + ttlMs, answers: Object.fromEntries(typed) });
      while (held.size > MAX_TYPED_IN_MEMORY) held.delete(held.keys().next().value as string);
      const answers: Record<string, FlowAnswer> = {};
      for (const [id, a] of Object.entries(state.answers))
        answers[id] = a.text === undefined ? a : { value: a.value, label: TYPED_TEXT_NOT_KEPT };
      return { ...state, answers };
    },
    /** The stored state with its typed text put back, when this process still holds it. */
    restore(storeKey: string, state: FlowState | undefined): FlowState | undefined {
      const entry = held.get(storeKey);
      if (!state || !entry) return state;
      if (entry.expires <= clock()) {
        held.delete(storeKey);
        return state;
      }
      const answers = { ...state.answers };
      for (const [id, a] of Object.entries(entry.answers)) {
        const stored = answers[id];
        if (stored && stored.value === a.value && stored.label === TYPED_TEXT_NOT_KEPT) answers[id] = a;
      }
      return { ...state, answers };
    },
    forget(storeKey: string) {
      held.delete(storeKey);
    },
  };
}

export const DEFAULT_FLOW_TTL_MS = 24 * 60 * 60 * 1000;

const defaultHash = (user: UserRef): string =>
  createHash('sha256').update(`${user.platform}:${user.userId}`).digest('hex').slice(0, 16);
const defaultKeyHash = (ids: string): string => createHash('sha256').update(ids).digest('hex').slice(0, 32);

/** Store key of a user's walkthrough in a conversation (and thread): hashed, so no raw platform id is stored. */
export function flowStoreKey(key: FlowKey, hash: (ids: string) => string = defaultKeyHash): string {
  const parts = [key.platform, key.conversationId, key.threadId ?? '-', key.userId].map((p) => encodeURIComponent(p));
  return `flow:${hash(parts.join(':'))}`;
}

/** Names are user text: Markdown punctuation and mention tags are dropped so a name can't format the notice. */
const safeName = (name: string | undefined): string | undefined => {
  const clean = name
    ?.replace(/<[^>]*>/g, '')
    .replace(/[\\`*_~[\]()#|>]/g, '')
    .replace(/\s+/g, ' ')
    .trim();
  return clean ? shorten(clean, 60) : undefined;
};

/**
 * What a click on another user's walkthrough card gets (shown to the clicker only): it never advances, expires
 * or overwrites that walkthrough, and offers the clicker one of their own.
 */
export function othersCardReply(def: WalkthroughDefinition, ownerName?: string): Reply {
  const owner = safeName(ownerName);
  const whose = owner ? `${owner}'s` : "someone else's";
  const text = `This is ${whose} walkthrough — only they can answer its steps. Start your own to get your own answers:`;
  return {
    kind: 'walkthrough',
    ephemeral: true,
    blocks: [
      block.notice('info', text),
      block.choices([startChoice(def.id, `Start my own: ${shorten(def.title, 40)}`)]),
    ],
    fallbackText: `This is ${whose} walkthrough (${def.title}) — start your own?`,
  };
}

export function createWalkthroughs(deps: WalkthroughDeps): Walkthroughs {
  const byId = new Map(deps.definitions.map((d) => [d.id, d]));
  const clock = deps.clock ?? Date.now;
  const ttlMs = deps.ttlMs ?? DEFAULT_FLOW_TTL_MS;
  const logger = deps.logger ?? silentLogger;
  const hashUser = deps.hashUser ?? defaultHash;
  const storeKeyOf = (key: FlowKey) => flowStoreKey(key, deps.hashKey ?? defaultKeyHash);
  const storeTypedText = deps.storeTypedText ?? true;
  const typed = typedTextMemory(clock, ttlMs);

  const unknownFlow = (flowId: string): Reply => {
    const choices: Choice[] = [...byId.values()].map((d) => startChoice(d.id, d.title));
    return {
      kind: 'walkthrough',
      blocks: [
        block.notice('warning', `There is no walkthrough called “${flowId.slice(0, 60)}”.`),
        ...(choices.length > 0 ? [block.choices(choices, 'Available walkthroughs:')] : []),
      ],
      fallbackText: `There is no walkthrough called "${flowId.slice(0, 60)}". Available: ${[...byId.keys()].join(', ') || 'none'}.`,
    };
  };

  const record = async (key: FlowKey, flow: string, events: FlowEvent[]) => {
    if (!deps.events || events.length === 0) return;
    const base = {
      at: clock(),
      platform: key.platform,
      userHash: hashUser({ platform: key.platform, userId: key.userId }),
    };
    for (const e of events) {
      const event: BotEvent =
        e.type === 'catalog-miss'
          ? { type: 'catalog-miss', ...base, ...(storeTypedText ? { query: e.query } : {}) }
          : {
              type: 'walkthrough',
              ...base,
              flow,
              event: e.event,
              ...(e.outcome === undefined ? {} : { outcome: e.outcome }),
            };
      try {
        await deps.events.record(event);
      } catch (err) {
        // Statistics must never break a walkthrough; the failure is logged for the maintainer.
        logger.warn({ err, type: event.type }, 'could not record walkthrough event');
      }
    }
  };

  const run = async (
    key: FlowKey,
    def: WalkthroughDefinition,
    state: FlowState | undefined,
    input: FlowInput,
    extra: Pick<FlowContext, 'knowledgeQuestion'> = {},
  ): Promise<AdvanceResult> => {
    const ctx: FlowContext = {
      knowledge: deps.knowledge(),
      now: clock(),
      ...extra,
      ...(key.shared ? { shared: true } : {}),
    };
    const result = advance(def, state, input, ctx);
    const storeKey = storeKeyOf(key);
    if (result.state === undefined) {
      if (state !== undefined && state.flow === def.id) await deps.store.delete(storeKey);
      typed.forget(storeKey);
    } else if (result.state !== state) {
      await deps.store.set(storeKey, storeTypedText ? result.state : typed.strip(storeKey, result.state), ttlMs);
    }
    await record(key, def.id, result.events);
    logger.debug({ flow: def.id, step: result.state?.step, handled: result.handled }, 'walkthrough step');
    return result;
  };

  const load = async (key: FlowKey) => {
    const storeKey = storeKeyOf(key);
    const state = await deps.store.get<FlowState>(storeKey);
    return storeTypedText ? state : typed.restore(storeKey, state);
  };

  return {
    ids: () => [...byId.keys()],

    async start(key, flowId, text) {
      const def = byId.get(flowId);
      if (!def) return unknownFlow(flowId);
      return (await run(key, def, undefined, { kind: 'start', ...(text === undefined ? {} : { text }) })).reply;
    },

    ownsAction: (actionId) => actionId.startsWith(ACTION_PREFIX),

    async onAction(key, _actionId, value, input) {
      const action = decodeAction(value);
      const def = action ? byId.get(action.f) : undefined;
      if (!action || !def) {
        const reply = unknownFlow(action?.f ?? 'that button');
        reply.blocks[0] = block.notice('info', 'That button belongs to a walkthrough I no longer know — start again?');
        reply.fallbackText = 'That walkthrough has expired — start again?';
        // Possibly a button of someone else's message in a shared channel: only the clicker sees the answer.
        reply.ephemeral = true;
        return reply;
      }
      // Someone else's walkthrough card (a shared channel): only its owner answers its steps; starting is for anyone.
      if (input?.othersCard && action.a !== 'start') return othersCardReply(def, input.othersCard.ownerName);
      const state = action.a === 'start' ? undefined : await load(key);
      const click: FlowInput = { kind: 'click', action, ...(input?.text === undefined ? {} : { text: input.text }) };
      return (await run(key, def, state, click)).reply;
    },

    async onText(key, text): Promise<FlowTextResult> {
      const state = await load(key);
      const def = state ? byId.get(state.flow) : undefined;
      if (!state || !def) return { handled: false };
      const step = def.steps.find((st) => st.id === state.step);
      const knowledgeQuestion =
        (step?.kind === 'catalog-search' || step?.kind === 'catalog-pick') &&
        deps.isKnowledgeQuestion &&
        looksLikeQuestion(text)
          ? await deps.isKnowledgeQuestion(text)
          : undefined;
      const result = await run(
        key,
        def,
        state,
        { kind: 'text', text },
        knowledgeQuestion === undefined ? {} : { knowledgeQuestion },
      );
      if (result.handled) return { handled: true, reply: result.reply };
      // A finished walkthrough has nothing to resume: the text is simply a new question.
      if (state.finished && state.step === 'result') return { handled: false };
      const resume: Choice = {
        actionId: `${ACTION_PREFIX}show`,
        value: encodeAction({ f: state.flow, s: state.step, r: state.rev, a: 'show' }),
        label: 'Continue the walkthrough',
        style: 'primary',
      };
      return { handled: false, resume };
    },
  };
}
