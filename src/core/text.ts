/**
 * Lowercase, accents and punctuation stripped, whitespace collapsed: "What is drift?" and "what is  drift" are
 * the same text. Used to compare user-written texts (duplicate questions, grouping knowledge gaps).
 */
export function normaliseText(text: string): string {
  return text
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^\p{L}\p{N}\s]+/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}
