// The platform-neutral bot: routes an Inbound (message, command, click) to a command, a walkthrough step or a
// question, and returns a Reply. Every collaborator is passed in (createBot(deps)); nothing here sends anything.
import { createHash } from 'node:crypto';
import { MAX_QUESTION_CHARS } from '../answer/answerer.ts';
import type { Answer, Answerer, AnswerToReply, ConversationContext } from '../answer/types.ts';
import { type Clock, type Logger, silentLogger } from '../base/index.ts';
import { asCodedError, ErrorCode, isCodedError, MlopsGuideError } from '../errors.ts';
import type { FlowKey, FlowTextResult, Walkthroughs } from '../flows/types.ts';
import type { KnowledgeBase, KnowledgeProblem } from '../knowledge/types.ts';
import type { EventStore, KeyValueStore } from '../store/types.ts';
import {
  aboutReply,
  COMMAND_ALIASES,
  challengesReply,
  guidelinesReply,
  helpReply,
  propertiesReply,
  propertyReply,
} from './commands.ts';
import {
  askExpertBlock,
  type ExpertSettings,
  escalationKey,
  expertAvailable,
  questionEscalation,
  stewardEscalation,
  withoutUnavailableExperts,
} from './expert.ts';
import { type Inbound, includesUser, type UserRef, userRefOf } from './inbound.ts';
import {
  block,
  CoreAction,
  type FeedbackValue,
  isShareable,
  noticeReply,
  parseExpertValue,
  parseFeedbackValue,
  type Reply,
  type SourceRef,
} from './reply.ts';
import type { Bot } from './types.ts';

/** What a question is answered from. Swapped as a whole on reload (questions in flight keep the old one). */
export interface KnowledgeRuntime {
  kb: KnowledgeBase;
  answerer: Answerer;
}

export interface ReloadResult {
  ok: boolean;
  entries: number;
  problems: KnowledgeProblem[];
  durationMs: number;
}

/** Hooks for metrics; all optional. */
export interface BotObserver {
  handled?(info: { platform: string; route: string; durationMs: number; outcome: 'ok' | 'error' | 'refused' }): void;
  answered?(info: { durationMs: number; abstained: boolean; generated: boolean; fallbackReason?: string }): void;
  /** A store call failed and the bot carried on without it (op: rate_limit, event_record, context_read, …). */
  storeFailed?(info: { op: string; code: string }): void;
}

export interface MaintainerReports {
  stats(): Promise<string>;
  gaps(): Promise<string>;
}

export interface BotDeps {
  knowledge: () => KnowledgeRuntime;
  answerToReply: AnswerToReply;
  walkthroughs: Walkthroughs;
  events: EventStore;
  kv: KeyValueStore;
  settings: {
    /** Users allowed to run admin commands (MAINTAINERS). */
    maintainers: readonly UserRef[];
    storeQuestionText: boolean;
    /** Messages per user per minute; 0 = off. */
    rateLimitPerMinute: number;
    userHashSalt: string;
    /** Include message text in logs (LOG_MESSAGE_TEXT); off by default. */
    logMessageText?: boolean;
    /** How long a conversation's context (its recent questions, for follow-ups) is kept (CONVERSATION_TTL_HOURS). */
    conversationTtlMs?: number;
    /**
     * RETENTION_DAYS in ms: nothing the core stores (remembered answers, context) outlives it, whatever its own
     * lifetime says. Default: no cap.
     */
    retentionMs?: number;
    /** "Ask an expert" (EXPERT_CHANNEL_SLACK / EXPERT_CHANNEL_TEAMS); absent or no channels = never offered. */
    experts?: ExpertSettings;
  };
  /** Reloads the knowledge (admin reload). */
  reload?: () => Promise<ReloadResult>;
  reports?: MaintainerReports;
  observer?: BotObserver;
  logger?: Logger;
  clock?: Clock;
}

/** The one question-length limit (the answerer's): the core refuses longer messages before answering. */
export const MAX_QUESTION_LENGTH = MAX_QUESTION_CHARS;
/** What a walkthrough says when its state cannot be read or written (everything else keeps working). */
export const WALKTHROUGH_UNAVAILABLE_TEXT =
  "I can't continue walkthroughs right now: my storage is not reachable. Questions and commands still work — please try the walkthrough again in a few minutes.";
const ANSWER_MEMORY_MS = 7 * 24 * 3_600_000;
/** Turns of a conversation kept for follow-ups. */
const CONTEXT_TURNS = 5;

/** A conversation's context as stored (see ConversationContext); `lastAnswerId` serves a bare `more`. */
interface StoredContext extends ConversationContext {
  lastAnswerId?: string;
}

/** What is remembered of an answer: its question for feedback, and the part behind "More". */
interface RememberedAnswer {
  question?: string;
  more?: string;
  moreSources?: SourceRef[];
  title?: string;
}

export function hashUserId(salt: string, platform: string, userId: string): string {
  return createHash('sha256').update(`${salt}\u0000${platform}:${userId}`).digest('hex').slice(0, 32);
}

export function createBot(deps: BotDeps): Bot {
  const logger = deps.logger ?? silentLogger;
  const clock = deps.clock ?? Date.now;
  const { settings } = deps;
  const experts: ExpertSettings = settings.experts ?? { channels: {}, name: '' };

  const userHash = (inbound: Inbound) => hashUserId(settings.userHashSalt, inbound.user.platform, inbound.user.id);
  const isMaintainer = (inbound: Inbound) => includesUser(settings.maintainers, userRefOf(inbound.user));
  const flowKey = (inbound: Inbound): FlowKey => {
    const key: FlowKey = {
      platform: inbound.user.platform,
      conversationId: inbound.conversation.id,
      userId: inbound.user.id,
    };
    if (inbound.conversation.threadId) key.threadId = inbound.conversation.threadId;
    if (!inbound.conversation.isDirect) key.shared = true;
    return key;
  };

  // Context is keyed by the platform conversation (and thread), hashed: the store never holds raw platform ids.
  const contextKey = (inbound: Inbound) =>
    `ctx:${hashUserId(settings.userHashSalt, inbound.user.platform, `${inbound.conversation.id}\u0000${inbound.conversation.threadId ?? ''}`)}`;
  // Every stored text obeys RETENTION_DAYS: a lifetime longer than the retention is cut to it.
  const retained = (ttlMs: number) => Math.min(ttlMs, settings.retentionMs ?? ttlMs);
  const contextTtl = retained(settings.conversationTtlMs ?? 24 * 3_600_000);
  const answerTtl = retained(ANSWER_MEMORY_MS);

  const storeUnavailable = (err: unknown): err is MlopsGuideError =>
    isCodedError(err) && err.code === ErrorCode.StoreUnavailable;
  const storeFailed = (op: string, err: MlopsGuideError) => {
    logger.warn({ op, code: err.code, err: err.message }, 'store unavailable; carrying on without it');
    deps.observer?.storeFailed?.({ op, code: err.code });
  };
  /**
   * A store call the reply does not depend on (rate limit, records, context): when the store is unavailable the
   * failure is logged and counted and the bot answers anyway. Any other error is a bug and still throws.
   */
  async function bestEffort<T>(op: string, fallback: T, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (err) {
      if (!storeUnavailable(err)) throw err;
      storeFailed(op, err);
      return fallback;
    }
  }
  /** A walkthrough needs its state: without the store it says so clearly instead of a generic error. */
  async function walkthroughStep(step: () => Promise<Reply>): Promise<Reply> {
    try {
      return await step();
    } catch (err) {
      if (!storeUnavailable(err)) throw err;
      storeFailed('walkthrough', err);
      return notice('warning', WALKTHROUGH_UNAVAILABLE_TEXT);
    }
  }

  async function remember(inbound: Inbound, answer: Answer, context: StoredContext | undefined): Promise<void> {
    if (answer.abstained && !answer.soft) return;
    // Without STORE_QUESTION_TEXT the turn keeps the answer's topic (its entry's title), not the user's words.
    const topic = settings.storeQuestionText
      ? answer.question
      : (deps.knowledge().kb.get(answer.entryIds[0] ?? '')?.title ?? '');
    const turns = [...(context?.turns ?? []), { question: topic, entryIds: answer.entryIds.slice(0, 5) }];
    const next: StoredContext = { turns: turns.slice(-CONTEXT_TURNS), lastAnswerId: answer.answerId };
    await deps.kv.set(contextKey(inbound), next, contextTtl);
  }

  async function rateLimited(inbound: Inbound): Promise<boolean> {
    if (settings.rateLimitPerMinute <= 0) return false;
    const window = Math.floor(clock() / 60_000);
    // Keyed by the salted user hash: no raw platform id in the store. Fails open: a store outage must not
    // silence everyone (the limit protects the bot, it is not a security boundary).
    const count = await bestEffort('rate_limit', 0, () =>
      deps.kv.increment(`rate:${userHash(inbound)}:${window}`, 60_000),
    );
    return count > settings.rateLimitPerMinute;
  }

  async function answerQuestion(inbound: Inbound, question: string): Promise<Reply> {
    const text = question.trim();
    if (!text) throw new MlopsGuideError(ErrorCode.InputInvalid, 'empty question');
    if (text.length > MAX_QUESTION_LENGTH) throw new MlopsGuideError(ErrorCode.InputTooLong, 'question too long');
    const started = clock();
    const runtime = deps.knowledge();
    const context = await bestEffort('context_read', undefined, () => deps.kv.get<StoredContext>(contextKey(inbound)));
    const answer: Answer = await runtime.answerer.answer(
      text,
      context && context.turns.length > 0 ? { turns: context.turns } : undefined,
    );
    deps.observer?.answered?.({
      durationMs: clock() - started,
      abstained: answer.abstained,
      generated: answer.generated,
      ...(answer.fallbackReason ? { fallbackReason: answer.fallbackReason } : {}),
    });
    logger.info(
      {
        answerId: answer.answerId,
        platform: inbound.user.platform,
        abstained: answer.abstained,
        soft: answer.soft ?? false,
        followUp: answer.followUp ?? false,
        language: answer.language,
        confidence: Number(answer.confidence.toFixed(3)),
        generated: answer.generated,
        ms: clock() - started,
        // Message text only when the operator opted in (LOG_MESSAGE_TEXT=true).
        ...(settings.logMessageText ? { text } : {}),
      },
      'answered',
    );
    const topSourceId = answer.sources[0]?.id ?? answer.offered?.[0]?.id;
    await bestEffort('event_record', undefined, () =>
      deps.events.record({
        type: 'question',
        at: clock(),
        platform: inbound.user.platform,
        userHash: userHash(inbound),
        ...(settings.storeQuestionText ? { text } : {}),
        answerId: answer.answerId,
        abstained: answer.abstained,
        ...(answer.abstained && answer.soft ? { soft: true } : {}),
        confidence: answer.confidence,
        ...(topSourceId ? { topSourceId } : {}),
      }),
    );
    await bestEffort('answer_write', undefined, () =>
      rememberAnswer(answer, settings.storeQuestionText ? text : undefined),
    );
    await bestEffort('context_write', undefined, () => remember(inbound, answer, context));
    const reply = deps.answerToReply(answer);
    // The question rides on the button (not in the store): STORE_QUESTION_TEXT=false keeps nothing more.
    const ask = answer.abstained ? askExpertBlock(experts, inbound.user.platform, { q: text }) : undefined;
    return ask ? { ...reply, blocks: [...reply.blocks, ask] } : reply;
  }

  /** "Ask an expert" / "Notify the data steward" clicked: what to post where (the adapter delivers it). */
  async function escalate(inbound: Inbound & { kind: 'action' }): Promise<Reply> {
    const value = parseExpertValue(inbound.value);
    if (!value) throw new MlopsGuideError(ErrorCode.InputInvalid, 'malformed expert value');
    const platform = inbound.user.platform;
    // The key lets the adapter post once however often the user clicks (or the platform redelivers the click).
    const keyed = (reply: Reply): Reply =>
      reply.escalation
        ? {
            ...reply,
            escalation: {
              ...reply.escalation,
              key: escalationKey(settings.userHashSalt, platform, inbound.user.id, reply.escalation.to, value),
            },
          }
        : reply;
    if (value.d) {
      const entry = deps.knowledge().kb.get(value.d.slice(0, 100));
      return keyed(stewardEscalation(experts, platform, entry?.type === 'dataset' ? entry : undefined));
    }
    if (value.q) return keyed(questionEscalation(experts, platform, { question: value.q }));
    const remembered = await bestEffort('answer_read', undefined, () =>
      deps.kv.get<RememberedAnswer>(`answer:${(value.a ?? '').slice(0, 100)}`),
    );
    return keyed(
      questionEscalation(experts, platform, {
        ...(remembered?.question ? { question: remembered.question } : {}),
        ...(remembered?.title ? { answerTitle: remembered.title } : {}),
      }),
    );
  }

  /** Remembered so that feedback on this answer can be stored with its question, and "More" can be shown. */
  async function rememberAnswer(answer: Answer, question: string | undefined): Promise<void> {
    const value: RememberedAnswer = {
      ...(question ? { question } : {}),
      ...(answer.more ? { more: answer.more, moreSources: answer.moreSources ?? answer.sources } : {}),
      ...(answer.sources[0] ? { title: answer.sources[0].title } : {}),
    };
    await deps.kv.set(`answer:${answer.answerId}`, value, answerTtl);
  }

  /** `more [answerId]`: the rest of an answer (related entries, options, further points). */
  async function more(inbound: Inbound, answerId: string): Promise<Reply> {
    const id = answerId.trim() || (await deps.kv.get<StoredContext>(contextKey(inbound)))?.lastAnswerId;
    const remembered = id ? await deps.kv.get<RememberedAnswer>(`answer:${id.slice(0, 100)}`) : undefined;
    if (!remembered?.more)
      return notice('info', 'There is nothing more to that answer. Ask a follow-up question, or type `help`.');
    return {
      kind: 'answer',
      blocks: [
        ...(remembered.title ? [block.heading(`More: ${remembered.title}`)] : []),
        block.markdown(remembered.more),
        ...(remembered.moreSources?.length ? [block.sources(remembered.moreSources)] : []),
      ],
      fallbackText: `More: ${remembered.title ?? ''}`.trim(),
    };
  }

  /** `show <entry id>` (a button of a soft abstain): that entry's answer, which later follow-ups build on. */
  async function show(inbound: Inbound, entryId: string): Promise<Reply> {
    const runtime = deps.knowledge();
    const answer = runtime.answerer.entry(entryId.trim().slice(0, 100));
    if (!answer)
      return notice('info', 'That entry is no longer in the knowledge base. Ask your question again, or type `help`.');
    const context = await bestEffort('context_read', undefined, () => deps.kv.get<StoredContext>(contextKey(inbound)));
    await bestEffort('answer_write', undefined, () => rememberAnswer(answer, undefined));
    await bestEffort('context_write', undefined, () => remember(inbound, answer, context));
    return deps.answerToReply(answer);
  }

  async function feedback(inbound: Inbound & { kind: 'action' }): Promise<Reply> {
    const parsed = parseFeedbackValue(inbound.value);
    if (!parsed) throw new MlopsGuideError(ErrorCode.InputInvalid, 'malformed feedback value');
    const value: FeedbackValue = { answerId: parsed.answerId.slice(0, 100), rating: parsed.rating };
    const remembered = await deps.kv.get<RememberedAnswer>(`answer:${value.answerId}`);
    const typedReason = inbound.text?.trim().slice(0, 1000);
    // A 👎 reason is typed text: with STORE_QUESTION_TEXT=false only the rating is kept.
    const reason = settings.storeQuestionText ? typedReason : undefined;
    await deps.events.record({
      type: 'feedback',
      at: clock(),
      platform: inbound.user.platform,
      userHash: userHash(inbound),
      answerId: value.answerId,
      rating: value.rating,
      ...(reason ? { reason } : {}),
      ...(remembered?.question ? { question: remembered.question } : {}),
    });
    const text =
      value.rating === 'up'
        ? 'Thanks for the feedback — glad it helped.'
        : reason
          ? 'Thanks — your reason was passed to the maintainers of the knowledge base.'
          : typedReason
            ? 'Thanks — the maintainers will look at this answer. (Typed text is not kept here, so your reason was not stored.)'
            : 'Thanks — the maintainers will look at this answer. You can add a reason if you like.';
    const ask =
      value.rating === 'down' ? askExpertBlock(experts, inbound.user.platform, { a: value.answerId }) : undefined;
    return ask
      ? { ...noticeReply('info', text), blocks: [block.notice('info', text), ask] }
      : noticeReply('info', text);
  }

  async function admin(inbound: Inbound, text: string): Promise<Reply> {
    if (!isMaintainer(inbound)) {
      const msg =
        'Sorry, admin commands are for the maintainers of this bot. If you think you should have access, ask them to add your id to MAINTAINERS.';
      return noticeReply('info', msg);
    }
    const [sub = ''] = text.trim().toLowerCase().split(/\s+/);
    if (sub === 'reload') {
      if (!deps.reload) return notice('info', 'Reload is not available in this process.');
      const result = await deps.reload();
      if (result.ok) {
        return adminReply(`Knowledge reloaded: ${result.entries} entries in ${result.durationMs} ms.`);
      }
      const lines = result.problems
        .filter((p) => p.severity === 'error')
        .slice(0, 30)
        .map((p) => `${p.file}:${p.line}: ${p.message}`);
      return {
        kind: 'admin',
        blocks: [
          block.notice(
            'error',
            'Reload failed — the last good knowledge stays in service. Problems (as `kb check` reports them):',
          ),
          block.copyable('kb check', lines.join('\n') || 'unknown problem'),
        ],
        fallbackText: `Reload failed: ${lines.join('; ')}`,
      };
    }
    if (sub === 'stats' || sub === 'gaps') {
      if (!deps.reports) return notice('info', 'Reports are not available in this process.');
      const markdown = sub === 'stats' ? await deps.reports.stats() : await deps.reports.gaps();
      return adminReply(markdown);
    }
    return adminReply(
      'Admin commands: `admin reload` (reload the knowledge), `admin stats` (usage), `admin gaps` (what the bot could not answer).',
    );
  }

  const adminReply = (markdown: string): Reply => ({
    kind: 'admin',
    blocks: [block.markdown(markdown)],
    fallbackText: markdown,
  });
  const notice = noticeReply;

  async function runCommand(inbound: Inbound, command: string, text: string): Promise<Reply> {
    const name = COMMAND_ALIASES[command.toLowerCase()];
    const runtime = deps.knowledge();
    switch (name) {
      case 'help':
        return helpReply({ isMaintainer: isMaintainer(inbound) });
      case 'ask':
        if (!text.trim())
          return notice('info', 'Ask me a question after `ask`, e.g. `ask How do I find the owner of a data set?`');
        return answerQuestion(inbound, text);
      case 'properties':
        return propertiesReply(runtime.kb);
      case 'property':
        return propertyReply(runtime.kb, text);
      case 'challenges':
        return challengesReply(runtime.kb);
      case 'guidelines':
        return guidelinesReply(runtime.kb, text);
      case 'about':
        return aboutReply(runtime.kb);
      case 'infra':
        return walkthroughStep(() => deps.walkthroughs.start(flowKey(inbound), 'infra', text.trim() || undefined));
      case 'data-owner':
        return walkthroughStep(() => deps.walkthroughs.start(flowKey(inbound), 'data-owner', text.trim() || undefined));
      case 'admin':
        return admin(inbound, text);
      case 'more':
        return more(inbound, text);
      case 'show':
        if (!text.trim()) return notice('info', 'Show which entry? Ask a question, or type `help`.');
        return show(inbound, text);
      default:
        if (!command.trim()) return helpReply({ isMaintainer: isMaintainer(inbound) });
        // `/mlops how do I version data?`: not a command word but a question — answer it.
        if (text.trim()) return answerQuestion(inbound, `${command} ${text}`);
        return helpReply({
          isMaintainer: isMaintainer(inbound),
          notice: "I don't know that command. Here is what I can do:",
          echo: `You typed: ${command.slice(0, 80)}`,
        });
    }
  }

  /** `property drift` typed as text → a command; anything else → undefined. */
  function asCommandLine(text: string): { command: string; rest: string } | undefined {
    const m = /^\s*\/?([a-z?-]+)(?:\s+([\s\S]*))?$/i.exec(text);
    if (!m?.[1]) return undefined;
    const word = m[1].toLowerCase();
    if (!(word in COMMAND_ALIASES)) return undefined;
    const rest = (m[2] ?? '').trim();
    // "more" takes nothing or an answer id, "show" one entry id: "more about drift" is a question.
    if (word === 'more' && rest && !/^[0-9a-f-]{36}$/i.test(rest)) return undefined;
    if (word === 'show' && !/^[a-z0-9][a-z0-9-]*$/.test(rest)) return undefined;
    // "about …" or "property of …" typed as a sentence are questions, not commands.
    if (
      (word === 'about' || word === 'challenges' || word === 'properties' || word === 'help') &&
      rest.split(/\s+/).length > 2
    ) {
      return undefined;
    }
    return { command: word, rest };
  }

  async function onMessage(inbound: Inbound & { kind: 'message' }): Promise<Reply> {
    const text = inbound.text;
    if (!text.trim()) return helpReply({ isMaintainer: isMaintainer(inbound) });
    const commandLine = asCommandLine(text);
    if (commandLine) return runCommand(inbound, commandLine.command, commandLine.rest);
    let flow: FlowTextResult;
    let flowUnavailable = false;
    try {
      flow = await deps.walkthroughs.onText(flowKey(inbound), text);
    } catch (err) {
      // Without the store the bot can't tell whether this was a walkthrough step: it answers the text as a
      // question and says that a walkthrough can't continue.
      if (!storeUnavailable(err)) throw err;
      storeFailed('walkthrough', err);
      flow = { handled: false };
      flowUnavailable = true;
    }
    if (flow.handled) return flow.reply;
    const answer = await answerQuestion(inbound, text);
    if (flowUnavailable) {
      return { ...answer, blocks: [...answer.blocks, block.notice('warning', WALKTHROUGH_UNAVAILABLE_TEXT)] };
    }
    if (flow.resume) {
      return {
        ...answer,
        blocks: [...answer.blocks, block.choices([flow.resume], 'You are in the middle of a walkthrough:')],
      };
    }
    return answer;
  }

  async function onAction(inbound: Inbound & { kind: 'action' }): Promise<Reply> {
    if (inbound.actionId === CoreAction.Feedback) return feedback(inbound);
    if (inbound.actionId === CoreAction.Expert) return escalate(inbound);
    if (inbound.actionId === CoreAction.Command) {
      const line = asCommandLine(inbound.value) ?? { command: 'ask', rest: inbound.value };
      return runCommand(inbound, line.command, line.rest);
    }
    if (deps.walkthroughs.ownsAction(inbound.actionId)) {
      const input = {
        ...(inbound.text ? { text: inbound.text } : {}),
        ...(inbound.othersCard ? { othersCard: inbound.othersCard } : {}),
      };
      return walkthroughStep(() =>
        deps.walkthroughs.onAction(flowKey(inbound), inbound.actionId, inbound.value, input),
      );
    }
    logger.warn({ actionId: inbound.actionId.slice(0, 60) }, 'unknown action');
    return notice('info', 'That button is no longer supported. Type `help` to see what I can do.');
  }

  function routeOf(inbound: Inbound): string {
    if (inbound.kind === 'command') return COMMAND_ALIASES[inbound.command.toLowerCase()] ?? 'unknown';
    if (inbound.kind === 'action') return inbound.actionId.split(':')[0] ?? 'action';
    // A typed command counts as that command on every platform (Slack, Teams and the terminal alike).
    const line = asCommandLine(inbound.text);
    return line ? (COMMAND_ALIASES[line.command] ?? 'message') : 'message';
  }

  const respond = async (inbound: Inbound): Promise<Reply> => {
    const started = clock();
    const route = routeOf(inbound);
    let outcome: 'ok' | 'error' | 'refused' = 'ok';
    try {
      if (await rateLimited(inbound)) {
        outcome = 'refused';
        return notice('info', `You're sending messages faster than I can think — please wait a minute and try again.`);
      }
      switch (inbound.kind) {
        case 'command':
          return await runCommand(inbound, inbound.command, inbound.text);
        case 'action':
          return await onAction(inbound);
        case 'message':
          return await onMessage(inbound);
      }
    } catch (err) {
      outcome = 'error';
      return errorReply(err, logger);
    } finally {
      deps.observer?.handled?.({ platform: inbound.user.platform, route, durationMs: clock() - started, outcome });
    }
  };

  return {
    async handle(inbound: Inbound): Promise<Reply> {
      const platform = inbound.user.platform;
      // Expert buttons (walkthroughs offer "Notify the data steward") only where a click can go somewhere.
      const reply = withoutUnavailableExperts(await respond(inbound), (c) =>
        expertAvailable(experts, platform, parseExpertValue(c.value), deps.knowledge().kb),
      );
      // The core decides what may be shared; an adapter only offers it (Slack: a Share button on a private reply).
      // A walkthrough reply may show what the user typed (a search, a purpose): with STORE_QUESTION_TEXT=false it
      // is not offered for sharing, which would store it (Slack keeps a shareable reply for its button).
      const shareable =
        !reply.escalation && isShareable(reply) && (settings.storeQuestionText || reply.kind !== 'walkthrough');
      return { ...reply, shareable };
    },
  };
}

/** The one place that turns an error into what the user reads. */
export function errorReply(err: unknown, logger: Logger = silentLogger): Reply {
  const coded = asCodedError(err);
  const text = (() => {
    switch (coded.code) {
      case ErrorCode.InputInvalid:
        return 'I could not read that. Ask a question in your own words, or type `help`.';
      case ErrorCode.InputTooLong:
        return `That message is too long for me (over ${MAX_QUESTION_LENGTH.toLocaleString('en')} characters). Please ask a shorter question.`;
      case ErrorCode.StoreUnavailable:
        return 'My storage is not reachable right now, so I cannot continue. Please try again in a moment.';
      case ErrorCode.FlowExpired:
        return 'That walkthrough has expired. Start it again with `infra` or `data-owner`.';
      case ErrorCode.RateLimited:
        return 'You are sending messages faster than I can answer — please wait a minute.';
      default:
        return `Something went wrong on my side (error code ${coded.code}). Please try again; if it keeps happening, tell the maintainers.`;
    }
  })();
  const expected =
    isCodedError(err) && (coded.code === ErrorCode.InputInvalid || coded.code === ErrorCode.InputTooLong);
  if (expected) logger.info({ code: coded.code }, 'rejected input');
  else logger.error({ code: coded.code, err: coded.message, cause: String(coded.cause ?? '') }, 'request failed');
  return noticeReply(expected ? 'info' : 'error', text, 'error');
}
