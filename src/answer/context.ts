// Follow-ups: a message that depends on the conversation ("when should I avoid it?", "and for inference?", "how do I
// get access to it?") is read together with the previous question, preferring the entries the previous answer came
// from and their related entries (for a data set: its own owners and access procedure). A self-contained new
// question is left alone unless the context makes it clearly better understood.
import type { KnowledgeBase } from '../knowledge/types.ts';
import type { Retrieval } from '../retrieval/hybrid.ts';
import type { Decision } from './decide.ts';
import type { ConversationContext } from './types.ts';

/** Words that point back at something said before (English and German). */
const POINTS_BACK =
  /(?<![\p{L}])(it|its|that|this|these|those|they|them|their|there|one|ones|same|es|das|dies|diese|dieser|dieses|dafür|dazu|davon|damit|darauf|darüber|dort|ihn|ihm|denen|dessen)(?![\p{L}])/iu;
/** Openings that continue the previous question ("and for inference?", "what about GPUs?", "und in der Cloud?"). */
const CONTINUES =
  /^\s*(and|also|but|or|so|what about|how about|what if|same for|und|aber|auch|oder|was ist mit|wie ist es mit|wie sieht es mit|und wenn|und für|und bei)(?![\p{L}])/iu;

/** Phrases that say the topic changes ("another question:", "separate thing", "andere Frage"). */
const SWITCH_PHRASES =
  'an?other (?:question|thing|topic|subject)|(?:different|separate|unrelated|new) (?:question|thing|topic|subject)|something (?:else|different)|on another note|(?:changing|change) (?:the )?(?:subject|topic)|change of (?:topic|subject)|switching (?:gears|topics?)|unrelated(?: to that)?,|off[- ]topic|totally different|andere frage|anderes thema|neue frage|neues thema|themenwechsel|(?:etwas|was|ganz) anderes|andere sache|mal was anderes';
/** A message with such a phrase starts a new topic: no context then. */
const SWITCHES = new RegExp(`(?<![\\p{L}])(?:${SWITCH_PHRASES})(?![\\p{L}])`, 'iu');
/**
 * Words about the message itself, not its topic, at its start: "quick question:", "sorry, dumb question -",
 * "ok thanks. separate thing:", "Kurze Frage:", "Ich hätte eine Frage:". Read as topic words they pull answers to
 * entries that happen to contain "question" or "Frage" (the study's research questions).
 */
const PREAMBLE = new RegExp(
  '^(?:' +
    [
      '(?:hey|hi|hello|hallo|moin|servus|ok(?:ay)?|thanks|thank you|thx|danke|sorry|sry|alles klar)(?: (?:all|folks|team|everyone|zusammen|leute))?',
      SWITCH_PHRASES,
      '(?:(?:a|one|another|quick|short|small|simple|dumb|stupid|silly|basic|general|random|newbie|noob|follow-?up|kurze|kleine|dumme|blöde|doofe|allgemeine|kurz|eine|ne) )*(?:question|frage|q)(?: (?:for you|for you all|for everyone|here|an euch|an alle|zu|dazu))?',
      '(?:i (?:have|got) a|ich (?:habe|hätte|hab) (?:mal )?(?:eine|ne|n)) (?:(?:quick|short|kurze|kleine) )?(?:question|frage)',
    ].join('|') +
    ')(?![\\p{L}])[\\s,.:;!\\-–—]*',
  'iu',
);

/** The question without a leading preamble about the message itself; unchanged when nothing else would remain. */
export function withoutPreamble(question: string): string {
  let rest = question.trim();
  for (let i = 0; i < 4; i++) {
    const m = PREAMBLE.exec(rest);
    if (!m || m[0].length === 0) break;
    const next = rest.slice(m[0].length).trim();
    if (!/\p{L}/u.test(next)) break;
    rest = next;
  }
  return rest;
}

/** Bonus on the fused score (0..1) for the previous answer's entries and their neighbours. */
const PREFER = { previousBest: 0.25, previousOther: 0.1, related: 0.08 } as const;
/** Weight of the previous questions' words relative to the follow-up's own (tuned on the dev set's tuning half). */
export const CONTEXT_WEIGHT = 0.3;
/** A question with at most this many words the knowledge knows leans on its context when it points back. */
const FEW_TERMS = 4;

export interface FollowUpPlan {
  /** The previous question(s), read with the question at CONTEXT_WEIGHT. */
  context: string;
  prefer: Map<string, number>;
  /** The message clearly refers back: answer it in context even if the context reading is not more confident. */
  refersBack: boolean;
}

export function followUpPlan(
  question: string,
  direct: Retrieval | undefined,
  decision: Decision,
  context: ConversationContext,
  kb: KnowledgeBase,
): FollowUpPlan | undefined {
  const last = context.turns.at(-1);
  if (!last || SWITCHES.test(question)) return undefined;
  const knownTerms = direct ? direct.signals.terms.filter((t) => t.known && t.specificity >= 0.3).length : 0;
  const own = withoutPreamble(question);
  const pointsBack = POINTS_BACK.test(own);
  const refersBack = CONTINUES.test(own) || (pointsBack && knownTerms <= FEW_TERMS);
  if (!refersBack && !pointsBack && decision.kind === 'answer') return undefined;

  const prefer = new Map<string, number>();
  const add = (id: string, bonus: number) => prefer.set(id, Math.max(prefer.get(id) ?? 0, bonus));
  last.entryIds.forEach((id, i) => {
    add(id, i === 0 ? PREFER.previousBest : PREFER.previousOther);
    const e = kb.get(id);
    if (e && i === 0) for (const rel of e.related) add(rel, PREFER.related);
  });
  // The previous question, and the one before when the previous was itself a short follow-up.
  const earlier = context.turns.slice(-2).map((t) => t.question);
  const lastWords = last.question.trim().split(/\s+/).length;
  return { context: (lastWords <= 6 ? earlier.reverse() : [last.question]).join('\n'), prefer, refersBack };
}
