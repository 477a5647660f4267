// What kind of answer a question asks for, read from its form, in English and German: a definition ("what is a
// data steward?", "Was versteht man unter Konzeptdrift?", "data drift vs concept drift"), a way to do something
// ("how do we catch it automatically?", "Wie kriegen wir das vereinheitlicht?") or a reason ("why won't the team
// commit to a date?", "Wieso ist das so umständlich?"). The answerer ranks entries of the matching kinds a little
// higher (CALIBRATION.formPrior): the knowledge holds a glossary entry, a guideline and a challenge on many topics,
// and the words of the topic alone do not say which of them the user wants.

export type QuestionForm = 'define' | 'howto' | 'why';

// The opening of a definition question. "What is the chance …" or "what's the fix" ask for something else: a
// definition question names a thing and says little more (checked by length below).
const DEFINE_EN =
  /^(?:(?:so|ok|okay|hey|hi|pls|please|quick one|sry|sorry)[,:!]?\s+)*(?:what(?:'s| is| are| does| do)\b(?!.*\b(?:chance|fix|best|right|difference|point|risk|cost|plan|status)\b)|define\b|definition of\b|meaning of\b|explain\b|(?:can you )?explain\b|was (?:ist|sind|bedeutet|heißt|heisst|versteht man unter|macht (?:ein|eine|der|die|das))\b|erklär(?:e|en)?\b|definiere\b)/iu;
// "the difference between A and B", "A vs B", "Unterschied zwischen A und B": two terms to tell apart.
const CONTRAST = /\b(?:difference|diff|differ|distinguish|unterschied|unterscheiden)\b|\bvs\.?\s|\bversus\b/iu;
const HOWTO =
  /\b(?:how (?:do|can|should|would|could|to|does one)|how'?d|what (?:should|can|do) (?:i|we) do|steps? to|best way to|wie (?:kann|können|könnt|kriege|kriegen|krieg|mache|machen|sollte|sollten|soll|sollen|geht|komme|kommen|bekomme|bekommen|stelle|stellen|testet|baue|bauen|gehe|gehen|richte|richten|dokumentiere|dokumentieren|erkenne|erkennen|verhindere|verhindern)|was (?:muss|müssen|sollte|sollten|kann|können) (?:ich|wir) tun)\b/iu;
const WHY = /^(?:(?:so|ok|okay|but|and|hey)[,:]?\s+)*(?:why\b|how come\b|warum\b|wieso\b|weshalb\b)/iu;

/** The form of `question` (its own words, without any preamble), or undefined when it has none of these. */
export function questionForm(question: string): QuestionForm | undefined {
  const q = question.trim().replace(/\s+/g, ' ');
  const words = q.split(' ').length;
  if (CONTRAST.test(q) && words <= 14) return 'define';
  if (DEFINE_EN.test(q) && words <= 10) return 'define';
  if (WHY.test(q)) return 'why';
  if (HOWTO.test(q)) return 'howto';
  return undefined;
}
