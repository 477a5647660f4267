// Bolt listeners: Slack surfaces → Inbound → bot → Reply → Block Kit → Web API. Follows bolt-js
// (https://docs.slack.dev/tools/bolt-js/concepts/acknowledge): ack() first, work after the ack, so Slack gets
// its HTTP 200 within 3 seconds whatever the bot does.
import { randomUUID } from 'node:crypto';
import { type App, Assistant, type RespondFn, type webApi } from '@slack/bolt';
import type { Logger } from '../../src/base/index.ts';
import { threadMessageAddressesBot } from '../../src/core/addressing.ts';
import { homeReply, suggestedPrompts, welcomeReply } from '../../src/core/commands.ts';
import { claimEscalation } from '../../src/core/escalation-once.ts';
import type { ConversationRef, Inbound } from '../../src/core/inbound.ts';
import { block, CoreAction, type Escalation, noticeReply, type Reply } from '../../src/core/reply.ts';
import type { Bot } from '../../src/core/types.ts';
import { asCodedError, ErrorCode } from '../../src/errors.ts';
import type { KeyValueStore } from '../../src/store/types.ts';
import { type CallResult, CHANNEL_ACCESS_ERRORS, callSlack } from './api.ts';
import type { BotIdentity } from './identity.ts';
import { decodeActionId, FEEDBACK_CALLBACK_ID, SHARE_ACTION_ID } from './ids.ts';
import {
  actionConversation,
  actionToInbound,
  type BlockActionsBody,
  commandToInbound,
  eventToInbound,
  type FeedbackMetadata,
  feedbackRating,
  feedbackViewToInbound,
  mentionsSomeoneElse,
  parseBlockActions,
  replyThreadTs,
  routeEvent,
  slackTextToPlain,
} from './inbound.ts';
import { MAX_RESPONSE_URL_USES } from './limits.ts';
import { feedbackModal, homeView, replyToBlockKit, type SlackMessage } from './render.ts';
import type { DropReason } from './work-queue.ts';

type WebClient = webApi.WebClient;

export interface ListenerDeps {
  bot: Bot;
  kv: KeyValueStore;
  logger: Logger;
  /** Show the progress reaction when an answer takes longer than this. */
  progressDelayMs: number;
  /** How long the bot keeps answering addressed follow-ups in a thread it answered, without a new mention. */
  threadTtlMs: number;
  /**
   * Runs work after the ack (queued, bounded; stop() waits for it). When the queue refuses the work (full, or it
   * waited too long) `busy` runs instead and resolves true when it told a user (what the dropped metric counts).
   */
  later(name: string, job: () => Promise<void>, busy: (reason: DropReason) => Promise<boolean>): void;
  /** True when new work would be refused now: a slash command then says "busy" in its own ack. */
  queueFull(): boolean;
  /** Counts work refused without the queue (a slash command answered "busy" in its ack). */
  refused(reason: DropReason): void;
  /** Hashes a platform id for store keys: the store never holds raw Slack user or channel ids. */
  hashId(id: string): string;
  /** The bot's own identity (auth.test, cached); `{}` when it cannot be looked up (logged by the provider). */
  botIdentity(): Promise<BotIdentity>;
  /** SLACK_ASSISTANT: answer in Slack's assistant threads (suggested prompts, status while answering). */
  assistant?: boolean;
}

/** What Slack shows under the bot's name while it answers in an assistant thread. */
export const ASSISTANT_STATUS = 'is looking this up…';

/** Slack retries an event up to 3 times when the ack is late; one hour covers every retry. */
export const EVENT_DEDUPE_TTL_MS = 60 * 60 * 1000;
/** How long a "Share in channel" button keeps working. */
export const SHARE_TTL_MS = 24 * 60 * 60 * 1000;
/** How long a user's DM channel id is cached (a Slack user id is not kept for ever; a miss costs one API call). */
export const DM_CHANNEL_TTL_MS = 7 * 24 * 60 * 60 * 1000;
/** A greeted user is not greeted again for this long (a year: practically once; a store entry still expires). */
export const WELCOME_MEMORY_MS = 365 * 24 * 60 * 60 * 1000;
export const PROGRESS_REACTION = 'hourglass_flowing_sand';

/** Askers remembered per thread (a thread with more people asking the bot than this is rare; the newest are kept). */
const MAX_THREAD_ASKERS = 50;

/** What the bot remembers of a thread it answered in: who asked it there (hashed ids). */
interface ThreadRecord {
  askers: string[];
}

/** Reads a stored thread record; an entry written before askers were kept (`1`) counts as a thread with no askers. */
function threadRecord(value: unknown): ThreadRecord | undefined {
  if (value === undefined || value === null) return undefined;
  const askers = (value as { askers?: unknown }).askers;
  return { askers: Array.isArray(askers) ? askers.filter((a): a is string => typeof a === 'string') : [] };
}

/** What a user reads when the bot cannot take on their message now (the work queue is full or too slow). */
export const BUSY_TEXT = "I'm busy right now, please try again in a minute.";

const BUSY: Reply = noticeReply('warning', BUSY_TEXT);
/**
 * Rendered once: under overload most messages get this reply, and the main thread's time per refused message is
 * what keeps acks fast (issue 12).
 */
export const BUSY_MESSAGES: SlackMessage[] = replyToBlockKit(BUSY);

const GENERIC_FAILURE: Reply = noticeReply(
  'error',
  'Sorry, something went wrong on my side. Please try again in a minute.',
  'error',
);

const notice = (text: string): Reply => noticeReply('warning', text);

/** The bot user an Events API payload was delivered for (`authorizations[0]`, when it is a bot). */
function authorizedBotUserId(body: unknown): string | undefined {
  const first = (body as { authorizations?: unknown } | undefined)?.authorizations;
  const auth = Array.isArray(first) ? (first[0] as { user_id?: unknown; is_bot?: unknown } | undefined) : undefined;
  return auth?.is_bot === true && typeof auth.user_id === 'string' ? auth.user_id : undefined;
}

export function registerListeners(app: App, deps: ListenerDeps): void {
  const { bot, kv, logger } = deps;
  // Event ids and share ids are Slack's or ours, not a person's; user and channel ids are hashed.
  const key = {
    event: (eventId: string) => `slack:event:${eventId}`,
    thread: (channel: string, ts: string) => `slack:thread:${deps.hashId(`${channel}:${ts}`)}`,
    share: (id: string) => `slack:share:${id}`,
    dm: (user: string) => `slack:dm:${deps.hashId(user)}`,
    welcome: (user: string) => `slack:welcome:${deps.hashId(user)}`,
  };

  const runBot = async (inbound: Inbound): Promise<Reply> => {
    const started = Date.now();
    try {
      const reply = await bot.handle(inbound);
      logger.info({ kind: inbound.kind, reply: reply.kind, ms: Date.now() - started }, 'slack reply ready');
      return reply;
    } catch (err) {
      // The core turns its errors into replies; this only catches a bug, so the user still hears back.
      const coded = asCodedError(err);
      logger.error({ code: coded.code, err: coded.message }, 'bot failed to handle a Slack message');
      return GENERIC_FAILURE;
    }
  };

  const post = async (
    client: WebClient,
    channel: string,
    threadTs: string | undefined,
    messages: SlackMessage[],
  ): Promise<CallResult<unknown>> => {
    let last: CallResult<unknown> = { ok: true, value: undefined };
    for (const m of messages) {
      last = await callSlack(logger, 'chat.postMessage', () =>
        client.chat.postMessage({
          channel,
          text: m.text,
          blocks: m.blocks,
          unfurl_links: false,
          unfurl_media: false,
          ...(threadTs ? { thread_ts: threadTs } : {}),
        }),
      );
      if (!last.ok) break;
    }
    return last;
  };

  const respondAll = async (
    respond: RespondFn,
    messages: SlackMessage[],
    mode: { replaceOriginal: boolean },
  ): Promise<void> => {
    for (const [i, m] of messages.entries()) {
      const res = await callSlack(logger, 'response_url', () =>
        respond({
          response_type: 'ephemeral',
          replace_original: mode.replaceOriginal && i === 0,
          text: m.text,
          blocks: m.blocks,
        }),
      );
      if (!res.ok) break;
    }
  };

  /**
   * Stores a reply the core marked shareable so its "Share in channel" button can post it later (the value is only
   * an id).
   */
  const shareValueFor = async (reply: Reply): Promise<string | undefined> => {
    if (!reply.shareable) return undefined;
    const id = randomUUID();
    try {
      await kv.set(key.share(id), reply, SHARE_TTL_MS);
      return id;
    } catch (err) {
      logger.warn({ code: asCodedError(err).code }, 'could not store a shareable reply; no Share button');
      return undefined;
    }
  };

  const renderEphemeral = async (reply: Reply) => {
    const shareValue = await shareValueFor(reply);
    return replyToBlockKit(reply, shareValue === undefined ? {} : { shareValue });
  };

  /** Adds a reaction if answering takes longer than progressDelayMs, and removes it once the answer is posted. */
  const withProgress = async <T>(client: WebClient, channel: string, ts: string, work: () => Promise<T>) => {
    let added: Promise<boolean> | undefined;
    const timer = setTimeout(() => {
      added = callSlack(logger, 'reactions.add', () =>
        client.reactions.add({ channel, timestamp: ts, name: PROGRESS_REACTION }),
      ).then((r) => r.ok);
    }, deps.progressDelayMs);
    try {
      return await work();
    } finally {
      clearTimeout(timer);
      if (added && (await added)) {
        await callSlack(logger, 'reactions.remove', () =>
          client.reactions.remove({ channel, timestamp: ts, name: PROGRESS_REACTION }),
        );
      }
    }
  };

  /** Logs a failed store call with its code; the caller decides what the user gets instead. */
  const storeFailed = (err: unknown, what: string, fields: Record<string, unknown> = {}) => {
    const coded = asCodedError(err, ErrorCode.StoreUnavailable);
    logger.warn({ ...fields, code: coded.code, err: coded.message }, what);
  };

  const dmChannel = async (client: WebClient, userId: string): Promise<string | undefined> => {
    let cached: string | undefined;
    try {
      cached = await kv.get<string>(key.dm(userId));
    } catch (err) {
      // Only a cache: asking Slack again gives the same channel.
      storeFailed(err, 'could not read the cached DM channel; asking Slack');
    }
    if (cached) return cached;
    const res = await callSlack(logger, 'conversations.open', () => client.conversations.open({ users: userId }));
    const id = res.ok ? res.value.channel?.id : undefined;
    if (id) {
      try {
        await kv.set(key.dm(userId), id, DM_CHANNEL_TTL_MS);
      } catch (err) {
        storeFailed(err, 'could not cache the DM channel');
      }
    }
    return id;
  };

  // ----------------------------------------------------------------------------------------------------------
  // A retried event (X-Slack-Retry-Num, same event_id) is answered once, across replicas when kv is Redis.
  app.use(async ({ body, context, next }) => {
    const b = body as { type?: unknown; event_id?: unknown };
    if (b.type === 'event_callback' && typeof b.event_id === 'string') {
      let first = true;
      try {
        first = await kv.setIfAbsent(key.event(b.event_id), 1, EVENT_DEDUPE_TTL_MS);
      } catch (err) {
        // Better to risk answering a retry twice than to drop every event while the store is down.
        logger.warn({ code: asCodedError(err).code }, 'event de-duplication unavailable');
      }
      if (!first) {
        logger.info({ eventId: b.event_id, retryNum: context.retryNum }, 'duplicate Slack event ignored');
        return;
      }
    }
    await next();
  });

  // ----------------------------------------------------------------------------------------------------------
  // Mentions, DMs and thread follow-ups. Bolt acks Events API requests before listeners run.
  /** The message to answer with its route, or undefined when the bot stays silent (not meant for it). */
  const messageTarget = async (event: unknown, body: unknown) => {
    // Waits for auth.test on the first message only (after the ack). If that fails, the bot user named in the
    // event's `authorizations` stands in; if that is missing too, messages with bot_id / subtype bot_message
    // (ours included) are still ignored.
    const botUserId = (await deps.botIdentity()).botUserId ?? authorizedBotUserId(body);
    const route = routeEvent(event, botUserId);
    if (route.route === 'ignore') {
      logger.debug({ reason: route.reason }, 'Slack message ignored');
      return undefined;
    }
    const { channel } = route.event;
    // Askers are kept hashed, like every id the store holds. Hashed on first use: a "busy" reply never needs it.
    let hashed: string | undefined;
    const asker = () => {
      hashed ??= deps.hashId(route.event.user ?? '');
      return hashed;
    };
    let thread: ThreadRecord | undefined;
    if (route.route === 'thread') {
      try {
        thread = threadRecord(await kv.get(key.thread(channel, route.threadTs)));
      } catch (err) {
        // Without the store the bot cannot tell whether it answered in this thread. It stays silent: answering
        // (or apologising in) every thread of every channel it is in would be worse. A mention is still answered.
        storeFailed(err, 'thread follow-up not answered: cannot tell whether the bot is in this thread', {
          channel,
          threadTs: route.threadTs,
        });
        return undefined;
      }
      if (!thread) return undefined;
      // Thread etiquette (README "Connect to Slack"): in a thread the bot answered, only messages addressed to it.
      const verdict = threadMessageAddressesBot({
        text: slackTextToPlain(route.event.text ?? '', botUserId),
        fromAsker: thread.askers.includes(asker()),
        mentionsSomeoneElse: mentionsSomeoneElse(route.event.text ?? '', botUserId),
      });
      if (!verdict.addressed) {
        logger.debug({ reason: verdict.reason }, 'Slack thread message not addressed to the bot');
        return undefined;
      }
    }
    return { route, botUserId, thread, asker };
  };

  const onMessage = async (
    event: unknown,
    body: unknown,
    client: WebClient,
    status?: (text: string) => Promise<unknown>,
  ) => {
    const target = await messageTarget(event, body);
    if (!target) return;
    const { route, botUserId, thread, asker } = target;
    const { channel, ts } = route.event;
    const inbound = eventToInbound(route, botUserId);
    const threadTs = replyThreadTs(route);
    const answer = async () => post(client, channel, threadTs, replyToBlockKit(await runBot(inbound)));
    let res: CallResult<unknown>;
    if (status) {
      // An assistant thread shows "<bot> is looking this up…" natively; Slack clears it when the reply is posted.
      await callSlack(logger, 'assistant.threads.setStatus', () => status(ASSISTANT_STATUS));
      res = await answer();
    } else {
      res = await withProgress(client, channel, ts, answer);
    }
    if (res.ok && threadTs && route.route !== 'dm') {
      // Who asked the bot here: only they get answers without a new mention.
      let askers = thread?.askers;
      if (route.route === 'mention') {
        try {
          askers = threadRecord(await kv.get(key.thread(channel, threadTs)))?.askers;
        } catch (err) {
          storeFailed(err, 'could not read the thread record; keeping only this asker', { channel, threadTs });
        }
      }
      const record: ThreadRecord = { askers: [...new Set([...(askers ?? []), asker()])].slice(-MAX_THREAD_ASKERS) };
      try {
        await kv.set(key.thread(channel, threadTs), record, deps.threadTtlMs);
      } catch (err) {
        storeFailed(err, 'could not remember the thread; follow-ups there need a mention', { channel, threadTs });
      }
    }
  };
  /**
   * The busy reply to a message the queue refused: in a DM a normal reply, in a channel an ephemeral one in the
   * thread the answer would have gone to (only the asker needs to know). False when the bot would have ignored it.
   */
  const busyMessage = async (event: unknown, body: unknown, client: WebClient): Promise<boolean> => {
    const target = await messageTarget(event, body);
    if (!target) return false;
    const { route } = target;
    const { channel, user } = route.event;
    const threadTs = replyThreadTs(route);
    if (route.route === 'dm' || !user) {
      await post(client, channel, threadTs, BUSY_MESSAGES);
      return true;
    }
    await postEphemeral(client, { channel, user, ...(threadTs ? { threadTs } : {}) }, BUSY_MESSAGES);
    return true;
  };
  if (deps.assistant) {
    // Slack's AI-app surface (https://docs.slack.dev/ai/developing-ai-apps): Bolt's Assistant takes the assistant
    // container's events (thread started, context changed, messages in its DM threads) before the listeners below.
    // Registered after the de-duplication middleware, so a retried event is answered once here too.
    app.assistant(
      new Assistant({
        // The bot does not use the channel the user is looking at; Bolt's default store would call the Web API.
        threadContextStore: { get: async () => ({}), save: async () => {} },
        threadStarted: async ({ setSuggestedPrompts }) => {
          deps.later(
            'assistant',
            async () => {
              await callSlack(logger, 'assistant.threads.setSuggestedPrompts', () =>
                setSuggestedPrompts(suggestedPrompts()),
              );
            },
            async () => false,
          );
        },
        userMessage: async ({ event, body, client, setStatus }) => {
          deps.later(
            'message',
            () => onMessage(event, body, client, setStatus),
            () => busyMessage(event, body, client),
          );
        },
      }),
    );
  }
  app.event('app_mention', async ({ event, body, client }) => {
    deps.later(
      'message',
      () => onMessage(event, body, client),
      () => busyMessage(event, body, client),
    );
  });
  app.event('message', async ({ event, body, client }) => {
    deps.later(
      'message',
      () => onMessage(event, body, client),
      () => busyMessage(event, body, client),
    );
  });

  // ----------------------------------------------------------------------------------------------------------
  // App Home: what the bot does and buttons to start each walkthrough.
  app.event('app_home_opened', async ({ event, client }) => {
    if (event.tab === 'messages') {
      deps.later(
        'welcome',
        () => welcome(client, event.user, event.channel),
        async () => false,
      );
      return;
    }
    if (event.tab !== 'home') return;
    const publish = async () => {
      await callSlack(logger, 'views.publish', () =>
        client.views.publish({ user_id: event.user, view: homeView(homeReply()) }),
      );
    };
    // The Home tab is static and costs one call, as a busy reply would: it is published even when the queue is
    // full, and not counted as dropped.
    deps.later('home', publish, async () => {
      await publish();
      return false;
    });
  });

  /**
   * The Messages tab greets a user once (Slack sends app_home_opened with `tab: "messages"` on every visit and says
   * nothing about a first one): remembered under the user's hash. Without the store the bot stays quiet rather than
   * greet on every visit; a failed post frees the key so the next visit tries again.
   */
  const welcome = async (client: WebClient, user: string, channel: string) => {
    let first: boolean;
    try {
      first = await kv.setIfAbsent(key.welcome(user), 1, WELCOME_MEMORY_MS);
    } catch (err) {
      storeFailed(err, 'welcome skipped: cannot tell whether this user was greeted');
      return;
    }
    if (!first) return;
    const res = await post(client, channel, undefined, replyToBlockKit(welcomeReply()));
    if (res.ok) return;
    try {
      await kv.delete(key.welcome(user));
    } catch (err) {
      storeFailed(err, 'could not forget a welcome that was not delivered');
    }
  };

  // ----------------------------------------------------------------------------------------------------------
  // /mlops <command> [text] → an ephemeral reply with a Share button. Any command name routes here, so an
  // admin may rename the command in the manifest.
  app.command(/.*/, async ({ ack, body, respond }) => {
    if (deps.queueFull()) {
      // The ack's own response is shown to the user at once (ephemeral) and costs no Web API call.
      const [busy] = BUSY_MESSAGES;
      await ack({ response_type: 'ephemeral', text: BUSY_TEXT, ...(busy ? { blocks: busy.blocks } : {}) });
      deps.refused('queue_full');
      return;
    }
    await ack();
    deps.later(
      'command',
      async () => {
        const inbound = commandToInbound(body);
        if (!inbound) {
          logger.warn({ type: 'slash_command' }, 'malformed Slack slash command ignored');
          return;
        }
        const reply = await runBot(inbound);
        await respondAll(respond, await renderEphemeral(reply), { replaceOriginal: false });
      },
      // Only reached when the command waited too long (a full queue was answered in the ack above).
      async () => {
        await respondAll(respond, BUSY_MESSAGES, { replaceOriginal: false });
        return true;
      },
    );
  });

  // ----------------------------------------------------------------------------------------------------------
  // Share in channel: posts the stored reply to the channel, noting who shared it.
  app.action(SHARE_ACTION_ID, async ({ ack, body, client, respond }) => {
    await ack();
    deps.later(
      'share',
      () => onShare(body, client, respond),
      () => busyAction(body, client, respond),
    );
  });
  /**
   * Posts a shared reply through the click's response_url as a message everyone in the conversation sees
   * (https://docs.slack.dev/interactivity/handling-user-interaction#message_responses: `response_type: in_channel`).
   * False when it could not: the caller falls back to chat.postMessage.
   */
  const shareThroughResponseUrl = async (respond: RespondFn, messages: SlackMessage[]): Promise<boolean> => {
    // One use is kept for deleting the ephemeral original afterwards.
    if (messages.length > MAX_RESPONSE_URL_USES - 1) return false;
    for (const [i, m] of messages.entries()) {
      const res = await callSlack(logger, 'response_url', () =>
        respond({ response_type: 'in_channel', replace_original: false, text: m.text, blocks: m.blocks }),
      );
      if (!res.ok) {
        // A part already posted stays; the rest follows through chat.postMessage only for a first failure.
        if (i > 0) logger.warn({ posted: i, of: messages.length }, 'shared reply only partly posted');
        return i > 0;
      }
    }
    return true;
  };

  const onShare = async (body: unknown, client: WebClient, respond: RespondFn) => {
    const parsed = parseBlockActions(body);
    const where = parsed && actionConversation(parsed);
    if (!parsed || !where) {
      logger.warn({ type: 'block_actions' }, 'malformed Slack share click ignored');
      return;
    }
    const id = parsed.actions[0]?.value ?? '';
    let reply: Reply | undefined;
    try {
      reply = await kv.get<Reply>(key.share(id));
    } catch (err) {
      // The reply may well still be there: say "try again", not "expired".
      storeFailed(err, 'could not read the shared reply');
      const unavailable = notice('Sharing is unavailable right now. Please try again in a minute.');
      await respondAll(respond, replyToBlockKit(unavailable), { replaceOriginal: false });
      return;
    }
    if (!reply) {
      const expired = notice('This reply can no longer be shared. Run the command again to share it.');
      await respondAll(respond, replyToBlockKit(expired), { replaceOriginal: false });
      return;
    }
    const messages = replyToBlockKit(reply, { sharedBy: parsed.user.id });
    // The click's response_url first: it posts as the app wherever the click happened, bot member or not,
    // including a DM between two people, where chat.postMessage can never post.
    if (parsed.response_url && (await shareThroughResponseUrl(respond, messages))) {
      await callSlack(logger, 'response_url', () => respond({ delete_original: true }));
      return;
    }
    // The response_url expired (30 minutes) or was used up: post as the bot, which needs membership.
    const res = await post(client, where.id, where.threadId, messages);
    if (!res.ok) {
      const text = !CHANNEL_ACCESS_ERRORS.has(res.code)
        ? 'Sharing failed. Please try again in a minute.'
        : where.isDirect || !where.id.startsWith('C')
          ? "I can't post in this conversation any more. Run the command again and press Share within 30 minutes."
          : "I can't post in this channel. Invite me with `/invite @MLOps Guide`, then press Share again.";
      await respondAll(respond, replyToBlockKit(notice(text)), { replaceOriginal: false });
      return;
    }
    await callSlack(logger, 'response_url', () => respond({ delete_original: true }));
  };

  // ----------------------------------------------------------------------------------------------------------
  // Every other button: walkthrough steps, suggestions, feedback.
  app.action(/^(?!mlops_share$)/, async ({ ack, body, client, respond }) => {
    await ack();
    deps.later(
      'action',
      () => onAction(body, client, respond),
      () => busyAction(body, client, respond),
    );
  });

  /** The busy reply to a click: only the clicking user sees it (response_url, or their DM for an App Home click). */
  const busyAction = async (body: unknown, client: WebClient, respond: RespondFn | undefined): Promise<boolean> => {
    const parsed = parseBlockActions(body);
    if (!parsed) return false;
    let conversation = actionConversation(parsed);
    if (!conversation && !respond) {
      const dm = await dmChannel(client, parsed.user.id);
      if (!dm) return true;
      conversation = { platform: 'slack', id: dm, isDirect: true };
    }
    await deliverPrivately(
      parsed,
      conversation ?? { platform: 'slack', id: '', isDirect: true },
      BUSY_MESSAGES,
      client,
      respond,
    );
    return true;
  };

  const onAction = async (body: unknown, client: WebClient, respond: RespondFn | undefined) => {
    const parsed = parseBlockActions(body);
    if (!parsed) {
      logger.warn({ type: 'block_actions' }, 'malformed Slack click ignored');
      return;
    }
    let conversation = actionConversation(parsed);
    if (!conversation) {
      // A click in the App Home: answer in the user's DM with the bot (its Messages tab).
      const dm = await dmChannel(client, parsed.user.id);
      if (!dm) return;
      conversation = { platform: 'slack', id: dm, isDirect: true };
    }
    const inbound = actionToInbound(parsed, conversation);
    if (!inbound) return;
    const actionId = decodeActionId(parsed.actions[0]?.action_id ?? '');
    if (actionId === CoreAction.Feedback && feedbackRating(inbound.value) === 'down' && parsed.trigger_id) {
      // 👎 asks for an optional reason first; the modal's submit or close forwards the feedback once.
      const metadata: FeedbackMetadata = { value: inbound.value, channel: conversation.id };
      if (conversation.threadId) metadata.threadTs = conversation.threadId;
      const opened = await callSlack(logger, 'views.open', () =>
        client.views.open({ trigger_id: parsed.trigger_id ?? '', view: feedbackModal(JSON.stringify(metadata)) }),
      );
      if (opened.ok) return;
    }
    let reply = await runBot(inbound);
    if (reply.escalation) reply = await deliverEscalation(parsed, conversation, reply.escalation, client);
    await deliverActionReply(parsed, conversation, actionId, reply, client, respond);
  };

  /**
   * "Ask an expert" clicked: posts the core's post to its channel as the bot (chat.postMessage, which needs the bot
   * in that channel), with who asked and a link back to the conversation where the experts can open it (not a DM).
   * Returns what the clicking user is told, privately: where it went (with a link to the post), or that nothing
   * was posted.
   */
  const deliverEscalation = async (
    parsed: BlockActionsBody,
    conversation: ConversationRef,
    escalation: Escalation,
    client: WebClient,
  ): Promise<Reply> => {
    const ephemeral = parsed.container?.is_ephemeral === true;
    const messageTs = ephemeral ? undefined : (parsed.container?.message_ts ?? parsed.message?.ts);
    const linkTs = conversation.isDirect ? undefined : (messageTs ?? conversation.threadId);
    const link = linkTs ? await permalink(client, conversation.id, linkTs) : undefined;
    const where = conversation.isDirect ? 'in a direct message with me' : `in <#${conversation.id}>`;
    const context = `Asked by <@${parsed.user.id}> ${where}${link ? ` · <${link}|Open the conversation>` : ''}`;
    const messages = replyToBlockKit(escalation.post);
    messages.at(-1)?.blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: context }] });
    const claim = await claimEscalation(kv, escalation, logger);
    if (!claim.fresh) return withPostLink(escalation.already, claim.link);
    let posted: { channel?: string; ts?: string } | undefined;
    for (const m of messages) {
      const res = await callSlack(logger, 'chat.postMessage', () =>
        client.chat.postMessage({
          channel: escalation.to,
          text: m.text,
          blocks: m.blocks,
          unfurl_links: false,
          unfurl_media: false,
        }),
      );
      if (!res.ok) {
        logger.warn({ code: res.code }, 'expert escalation not delivered');
        // Nothing posted if the first message failed: the next click tries again. A later part failing leaves a
        // partial post the experts can read; posting it all again would repeat the first part.
        if (!posted) await claim.release();
        else await claim.posted();
        return { ...escalation.failed, ephemeral: true };
      }
      posted ??= {
        ...(res.value.channel ? { channel: res.value.channel } : {}),
        ...(res.value.ts ? { ts: res.value.ts } : {}),
      };
    }
    logger.info({ to: escalation.to.startsWith('#') ? 'steward' : 'experts' }, 'expert escalation delivered');
    const postLink = posted?.channel && posted.ts ? await permalink(client, posted.channel, posted.ts) : undefined;
    await claim.posted(postLink);
    return withPostLink(escalation.delivered, postLink);
  };

  /** What the clicking user is told (privately), with a link to the post in the expert channel when there is one. */
  const withPostLink = (told: Reply, link: string | undefined): Reply => ({
    ...told,
    ephemeral: true,
    blocks: link ? [...told.blocks, block.markdown(`[Open the post](${link})`)] : told.blocks,
  });

  /** A message's permalink (no scope needed); undefined when Slack won't give one (logged). */
  const permalink = async (client: WebClient, channel: string, ts: string): Promise<string | undefined> => {
    const res = await callSlack(logger, 'chat.getPermalink', () =>
      client.chat.getPermalink({ channel, message_ts: ts }),
    );
    return res.ok ? res.value.permalink : undefined;
  };

  const deliverActionReply = async (
    parsed: BlockActionsBody,
    conversation: ConversationRef,
    actionId: string,
    reply: Reply,
    client: WebClient,
    respond: RespondFn | undefined,
  ) => {
    const ephemeral = parsed.container?.is_ephemeral === true;
    const messageTs =
      parsed.container?.type === 'message' ? (parsed.container.message_ts ?? parsed.message?.ts) : undefined;
    if (reply.ephemeral || reply.kind === 'notice' || reply.kind === 'error') {
      // Only for the user who clicked (e.g. a click on someone else's walkthrough): a new ephemeral message, never
      // an update of the clicked one. No Share button: the core chose to keep it private. Notices and errors about
      // a click (a stale or unknown button, an admin refusal, "try again") concern the clicker alone, too.
      await deliverPrivately(parsed, conversation, replyToBlockKit(reply), client, respond);
      return;
    }
    if (reply.replaceOriginal && ephemeral && respond) {
      // Ephemeral messages can only be changed through their response_url.
      await respondAll(respond, await renderEphemeral(reply), { replaceOriginal: true });
      return;
    }
    if (reply.replaceOriginal && !ephemeral && messageTs) {
      // Walkthrough steps update the clicked message in place: no pile-up of step messages.
      const [first, ...rest] = replyToBlockKit(reply);
      if (first) {
        await callSlack(logger, 'chat.update', () =>
          client.chat.update({ channel: conversation.id, ts: messageTs, text: first.text, blocks: first.blocks }),
        );
      }
      if (rest.length) await post(client, conversation.id, conversation.threadId, rest);
      return;
    }
    if ((ephemeral || actionId === CoreAction.Feedback) && respond) {
      // Replies to clicks on ephemeral messages, and feedback thanks, stay visible to the clicking user only.
      const messages = ephemeral ? await renderEphemeral(reply) : replyToBlockKit(reply);
      await respondAll(respond, messages, { replaceOriginal: false });
      return;
    }
    await post(client, conversation.id, conversation.threadId, replyToBlockKit(reply));
  };

  const deliverPrivately = async (
    parsed: BlockActionsBody,
    conversation: ConversationRef,
    messages: SlackMessage[],
    client: WebClient,
    respond: RespondFn | undefined,
  ) => {
    if (respond) {
      await respondAll(respond, messages, { replaceOriginal: false });
      return;
    }
    // No response_url (an App Home click): the conversation is the user's DM with the bot, seen by them only.
    if (conversation.isDirect) {
      await post(client, conversation.id, conversation.threadId, messages);
      return;
    }
    await postEphemeral(
      client,
      {
        channel: conversation.id,
        user: parsed.user.id,
        ...(conversation.threadId ? { threadTs: conversation.threadId } : {}),
      },
      messages,
    );
  };

  /** Messages only `user` sees in `channel` (and thread). Stops at the first failure (logged by callSlack). */
  const postEphemeral = async (
    client: WebClient,
    to: { channel: string; user: string; threadTs?: string },
    messages: SlackMessage[],
  ) => {
    for (const m of messages) {
      const res = await callSlack(logger, 'chat.postEphemeral', () =>
        client.chat.postEphemeral({
          channel: to.channel,
          user: to.user,
          text: m.text,
          blocks: m.blocks,
          ...(to.threadTs ? { thread_ts: to.threadTs } : {}),
        }),
      );
      if (!res.ok) break;
    }
  };

  // ----------------------------------------------------------------------------------------------------------
  // The 👎 modal: submitted with a reason, or closed without one. Either way the feedback goes to the core once.
  const onFeedbackView = async (body: unknown, client: WebClient) => {
    const parsed = feedbackViewToInbound(body);
    if (!parsed) {
      logger.warn({ type: 'view' }, 'malformed Slack feedback view ignored');
      return;
    }
    const reply = await runBot(parsed.inbound);
    await postEphemeral(client, feedbackTarget(parsed), replyToBlockKit(reply));
  };
  const feedbackTarget = (parsed: NonNullable<ReturnType<typeof feedbackViewToInbound>>) => ({
    channel: parsed.metadata.channel,
    user: parsed.inbound.user.id,
    ...(parsed.metadata.threadTs ? { threadTs: parsed.metadata.threadTs } : {}),
  });
  const busyFeedbackView = async (body: unknown, client: WebClient): Promise<boolean> => {
    const parsed = feedbackViewToInbound(body);
    if (!parsed) return false;
    await postEphemeral(client, feedbackTarget(parsed), BUSY_MESSAGES);
    return true;
  };
  app.view({ callback_id: FEEDBACK_CALLBACK_ID, type: 'view_submission' }, async ({ ack, body, client }) => {
    await ack();
    deps.later(
      'feedback',
      () => onFeedbackView(body, client),
      () => busyFeedbackView(body, client),
    );
  });
  app.view({ callback_id: FEEDBACK_CALLBACK_ID, type: 'view_closed' }, async ({ ack, body, client }) => {
    await ack();
    deps.later(
      'feedback',
      () => onFeedbackView(body, client),
      () => busyFeedbackView(body, client),
    );
  });

  app.error(async (err) => {
    const coded = err as { code?: unknown; message?: string };
    logger.error(
      { code: typeof coded.code === 'string' ? coded.code : 'unknown', err: coded.message },
      'Slack listener error',
    );
  });
}
