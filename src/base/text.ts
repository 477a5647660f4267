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

/**
 * Markdown as plain text for places that show no formatting (notification fallback text, a decision record):
 * bold/italic underscores and code markers dropped, links reduced to their label. `oneLine` also collapses
 * whitespace, for a value that sits on one line of a record.
 */
export function markdownToPlain(markdown: string, options: { oneLine?: boolean } = {}): string {
  const plain = markdown.replace(/\*\*|__|`/g, '').replace(/\[([^\]]+)\]\([^)]+\)/g, '$1');
  return options.oneLine ? plain.replace(/\s+/g, ' ').trim() : plain;
}
