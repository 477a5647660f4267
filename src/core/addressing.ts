// Thread etiquette: whether a message in a thread the bot already answered is addressed to the bot. A mention or a
// direct message always is (the adapters answer those without asking); this rule is only for the messages that
// follow in a shared thread, where people mostly talk to each other ("thanks!", "lol", "@Carol can you check…").
// A bot that answers those gets muted, so the rule errs on the side of silence: a person who wants the bot again
// can always mention it.
//
// Platform-neutral and pure: the adapter says who asked the bot in the thread and whether the message mentions
// someone else (mention syntax is the platform's), this module reads the words.

export interface ThreadMessage {
  /** The text as the user meant it (mentions rendered readable, the bot's own mention removed). */
  text: string;
  /** The author asked the bot something earlier in this thread (mentioned it there). */
  fromAsker: boolean;
  /** The message mentions a person other than the bot: it is meant for them. */
  mentionsSomeoneElse: boolean;
}

export type Addressing =
  | { addressed: true; reason: 'question' | 'request' }
  | { addressed: false; reason: 'not the asker' | 'mentions someone else' | 'small talk' | 'empty' };

// Conversation mechanics, not MLOps vocabulary (which lives under knowledge/): the words that open a question or a
// request in the two languages the bot answers in. A message ending in "?" is a question whatever its first word.
const QUESTION_OPENERS = new Set([
  // English
  'how',
  'what',
  'whats',
  "what's",
  'why',
  'when',
  'where',
  'which',
  'who',
  'whom',
  'whose',
  'can',
  'could',
  'would',
  'should',
  'shall',
  'may',
  'might',
  'is',
  'are',
  'was',
  'were',
  'do',
  'does',
  'did',
  'will',
  'have',
  'has',
  'any',
  // German
  'wie',
  'warum',
  'wieso',
  'weshalb',
  'wann',
  'wo',
  'woher',
  'wohin',
  'womit',
  'welche',
  'welcher',
  'welches',
  'wer',
  'wen',
  'wem',
  'kann',
  'kannst',
  'können',
  'könnte',
  'könntest',
  'muss',
  'müssen',
  'soll',
  'sollte',
  'sollten',
  'gibt',
  'ist',
  'sind',
  'hat',
  'haben',
  'darf',
  'dürfen',
]);

const REQUEST_OPENERS = new Set([
  // English
  'please',
  'pls',
  'explain',
  'show',
  'tell',
  'give',
  'list',
  'compare',
  'recommend',
  'suggest',
  'find',
  'describe',
  'summarise',
  'summarize',
  'help',
  'more',
  // German
  'bitte',
  'erkläre',
  'erklär',
  'zeig',
  'zeige',
  'nenne',
  'nenn',
  'gib',
  'vergleiche',
  'empfiehl',
  'beschreibe',
  'hilf',
  'mehr',
]);

/** Words that only lead into the real sentence ("and how…", "ok, so what…"): skipped before reading the opener. */
const LEAD_INS = new Set([
  'and',
  'also',
  'so',
  'but',
  'ok',
  'okay',
  'then',
  'or',
  'hm',
  'hmm',
  'und',
  'aber',
  'dann',
  'oder',
  'noch',
  'ähm',
]);

/** The words of a message, lowercased, punctuation other than apostrophes removed. */
function words(text: string): string[] {
  return text
    .toLowerCase()
    .replace(/[^\p{L}\p{N}'\s]+/gu, ' ')
    .split(/\s+/)
    .filter(Boolean);
}

/**
 * Decides whether a follow-up in a thread the bot answered is addressed to the bot: from someone who asked the bot
 * in this thread, not mentioning another person, and reading as a question ("…?", "how…", "and what about…") or a
 * request ("please…", "explain…", "show me…"). Everything else — thanks, laughter, agreement, people talking to
 * each other — is not.
 */
export function threadMessageAddressesBot(message: ThreadMessage): Addressing {
  const text = message.text.trim();
  if (!text) return { addressed: false, reason: 'empty' };
  if (!message.fromAsker) return { addressed: false, reason: 'not the asker' };
  if (message.mentionsSomeoneElse) return { addressed: false, reason: 'mentions someone else' };
  const all = words(text);
  let i = 0;
  while (i < all.length - 1 && LEAD_INS.has(all[i] as string)) i++;
  const opener = all[i];
  // "Thanks?" or "lol?" is still small talk: a question needs more than one word unless it opens with a question word.
  if (/\?\s*$/.test(text) && (all.length > 1 || (opener !== undefined && QUESTION_OPENERS.has(opener)))) {
    return { addressed: true, reason: 'question' };
  }
  if (opener === undefined) return { addressed: false, reason: 'small talk' };
  // A question word alone at the start needs something after it: "who" on its own is a reaction, not a question.
  if (QUESTION_OPENERS.has(opener) && all.length - i >= 3) return { addressed: true, reason: 'question' };
  if (REQUEST_OPENERS.has(opener) && (all.length - i >= 2 || opener === 'more' || opener === 'mehr')) {
    return { addressed: true, reason: 'request' };
  }
  return { addressed: false, reason: 'small talk' };
}
