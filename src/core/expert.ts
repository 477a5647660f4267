// "Ask an expert": when the bot cannot help (a soft or hard abstain, an answer rated 👎) it offers to hand the
// question to people — only when the user clicks, and only where an operator configured a channel
// (EXPERT_CHANNEL_SLACK / EXPERT_CHANNEL_TEAMS). A data-owner result offers to notify the data set's steward instead.
// Pure: this module decides what is offered, what is posted where and what the user is told; adapters deliver.
import { createHash } from 'node:crypto';
import { markdownToPlain } from '../base/index.ts';
import type { DatasetEntry } from '../knowledge/schema.ts';
import type { KnowledgeBase } from '../knowledge/types.ts';
import type { Platform } from './inbound.ts';
import {
  type Block,
  block,
  type Choice,
  CoreAction,
  type Escalation,
  type ExpertValue,
  expertValue,
  noticeReply,
  type Reply,
} from './reply.ts';

export interface ExpertSettings {
  /** The expert channel per platform (Slack channel id, Teams channel conversation id); absent = no button there. */
  channels: Partial<Record<Platform, string>>;
  /** How users are told where their question went (EXPERT_CHANNEL_NAME). */
  name: string;
}

export const ASK_EXPERT_LABEL = 'Ask an expert';
export const NOTIFY_STEWARD_LABEL = 'Notify the data steward';
/** Shown above the button on an abstain or after 👎. */
export const ASK_EXPERT_PROMPT = 'Want a person to look at it? I post your question only if you click:';

/** A steward contact the platform can post to: a Slack channel name. E-mail addresses are for people to use. */
const SLACK_CHANNEL_NAME = /^#[a-z0-9][a-z0-9._-]{0,79}$/;

export function expertChoice(value: ExpertValue, label = ASK_EXPERT_LABEL): Choice {
  return { actionId: CoreAction.Expert, value: expertValue(value), label };
}

/** The "Ask an expert" block to add to a reply, or undefined when the platform has no expert channel. */
export function askExpertBlock(settings: ExpertSettings, platform: Platform, value: ExpertValue): Block | undefined {
  if (!settings.channels[platform]) return undefined;
  return block.choices([expertChoice(value)], ASK_EXPERT_PROMPT);
}

const steward = (d: DatasetEntry) => d.owners.find((o) => o.role === 'data-steward');

/** Where a data set's steward can be reached on this platform (their Slack channel), if anywhere. */
function stewardChannel(platform: Platform, d: DatasetEntry): string | undefined {
  const contact = steward(d)?.contact.trim();
  return platform === 'slack' && contact && SLACK_CHANNEL_NAME.test(contact) ? contact : undefined;
}

/** Whether a click on this expert button could go anywhere (adapters never show a button that can't). */
export function expertAvailable(
  settings: ExpertSettings,
  platform: Platform,
  value: ExpertValue | undefined,
  kb: KnowledgeBase,
): boolean {
  if (settings.channels[platform]) return true;
  const d = value?.d ? kb.get(value.d) : undefined;
  return d?.type === 'dataset' && stewardChannel(platform, d) !== undefined;
}

/** Drops expert buttons that could go nowhere on this platform (and a choices block left empty by that). */
export function withoutUnavailableExperts(reply: Reply, available: (choice: Choice) => boolean): Reply {
  let changed = false;
  const blocks = reply.blocks.flatMap((b): Block[] => {
    if (b.type !== 'choices') return [b];
    const choices = b.choices.filter((c) => c.actionId !== CoreAction.Expert || available(c));
    if (choices.length === b.choices.length) return [b];
    changed = true;
    if (choices.length === 0) return [];
    return [b.prompt === undefined ? block.choices(choices) : block.choices(choices, b.prompt)];
  });
  return changed ? { ...reply, blocks } : reply;
}

export interface QuestionFacts {
  /** The user's question: from the button, or remembered with the answer (STORE_QUESTION_TEXT=true). */
  question?: string;
  /** The answer's title when the user rated it 👎. */
  answerTitle?: string;
}

/** A notice whose notification text is plain (no `**`). */
const told = (level: 'info' | 'warning', markdown: string): Reply => ({
  ...noticeReply(level, markdown),
  kind: 'command',
  fallbackText: markdownToPlain(markdown, { oneLine: true }),
});

const whereText = (name: string) => (name.startsWith('#') ? `**${name}**` : name);

/** The escalation for a question the bot could not answer (or answered unhelpfully). */
export function questionEscalation(settings: ExpertSettings, platform: Platform, facts: QuestionFacts): Reply {
  const to = settings.channels[platform];
  if (!to) return noticeReply('info', 'Asking an expert is not set up here. Ask the bot’s maintainers who can help.');
  const intro = facts.answerTitle
    ? `MLOps Guide answered with **${facts.answerTitle}**, and the person who asked found it unhelpful.`
    : 'MLOps Guide could not answer this question from its knowledge base.';
  const post: Reply = {
    kind: 'command',
    blocks: [
      block.heading('Question for the MLOps experts'),
      block.markdown(intro),
      facts.question
        ? block.plain(facts.question)
        : block.markdown(
            '_The question itself was not kept (STORE_QUESTION_TEXT=false): open the conversation to read it._',
          ),
      block.markdown('Please answer them in a thread here or contact them directly.'),
    ],
    fallbackText: facts.question
      ? `Question for the MLOps experts: ${facts.question}`
      : 'Question for the MLOps experts',
  };
  const where = whereText(settings.name);
  return escalationReply({
    to,
    post,
    delivered: told(
      'info',
      `I've posted your question in ${where}. An expert will answer there or contact you directly.`,
    ),
    failed: told(
      'warning',
      `I couldn't post your question in ${where}, so nobody has been told yet. Please ask there yourself, or tell the bot's maintainers (I may need to be invited to that channel).`,
    ),
    already: told(
      'info',
      `I've already posted this question in ${where}, so I haven't posted it again. An expert will answer there or contact you directly.`,
    ),
  });
}

/** The escalation after a data-owner walkthrough: the steward's channel where the platform can post there. */
export function stewardEscalation(settings: ExpertSettings, platform: Platform, d: DatasetEntry | undefined): Reply {
  if (!d) {
    return noticeReply('info', 'That data set is no longer in the catalog. Start the data-owner walkthrough again.');
  }
  const s = steward(d);
  const direct = stewardChannel(platform, d);
  const to = direct ?? settings.channels[platform];
  if (!to)
    return noticeReply(
      'info',
      `Please contact the data steward yourself: ${s ? `${s.name} (${s.contact})` : 'see the catalog entry'}.`,
    );
  const post: Reply = {
    kind: 'command',
    blocks: [
      block.heading(`Data access: ${d.title}`),
      block.markdown(
        direct
          ? 'Someone is preparing an access request for this data set with MLOps Guide and asked me to let its data steward know. They will send the request as the access procedure says.'
          : `Someone is preparing an access request for this data set with MLOps Guide. Please pass this on to its data steward${s ? `, **${s.name}** (${s.contact})` : ''}.`,
      ),
      block.fields([
        { label: 'Data set', value: d.title },
        { label: 'System of record', value: d.system },
        ...(s ? [{ label: 'Data steward', value: `${s.name} (${s.contact})` }] : []),
      ]),
    ],
    fallbackText: `Data access: ${d.title}`,
  };
  const where = whereText(direct ?? settings.name);
  const whom = direct ? 'the data steward' : 'the MLOps experts';
  return escalationReply({
    to,
    post,
    delivered: told(
      'info',
      `I've let ${whom} know in ${where}. Send your access request as the procedure says; they know it is coming.`,
    ),
    failed: told(
      'warning',
      `I couldn't post in ${where}, so nobody has been told yet. Please contact the data steward yourself${s ? `: ${s.name} (${s.contact})` : ''}.`,
    ),
    already: told('info', `I've already let ${whom} know in ${where}, so I haven't posted again.`),
  });
}

/**
 * Names an escalation for de-duplication: who clicked (platform and user), what about (the button's question, answer
 * or data set) and where it goes. Salted and hashed like every user id the bot stores.
 */
export function escalationKey(
  salt: string,
  platform: Platform,
  userId: string,
  to: string,
  value: ExpertValue,
): string {
  const about = value.d ? `d:${value.d}` : value.q ? `q:${value.q.trim().toLowerCase()}` : `a:${value.a ?? ''}`;
  const hash = createHash('sha256').update(`${salt}\u0000${platform}:${userId}\u0000${to}\u0000${about}`);
  return `expert:${hash.digest('hex').slice(0, 32)}`;
}

/**
 * The reply carrying an escalation (`delivered` and `failed` are `command` replies: messages the user keeps, not a
 * passing acknowledgement like feedback thanks). Its own blocks (what a platform that cannot deliver shows) are the failure
 * notice: nothing was posted unless an adapter delivered it.
 */
function escalationReply(escalation: Escalation): Reply {
  return { ...escalation.failed, ephemeral: true, escalation };
}
