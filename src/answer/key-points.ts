// Reading the knowledge convention: an entry body's `## Key points` section holds "- " bullets.

/** The bullets of the body's `## Key points` section (without the dash), in order. */
export function keyPoints(body: string): string[] {
  const lines = body.split(/\r?\n/);
  const start = lines.findIndex((l) => /^##\s+key points\s*$/i.test(l.trim()));
  if (start < 0) return [];
  const out: string[] = [];
  for (const raw of lines.slice(start + 1)) {
    const line = raw.trim();
    if (/^#{1,6}\s/.test(line)) break;
    const m = /^[-*]\s+(.*)$/.exec(line);
    if (m?.[1]) out.push(m[1].trim());
    else if (line && out.length > 0 && !/^\d+\.\s/.test(line)) out[out.length - 1] += ` ${line}`;
  }
  return out;
}

/** First sentence of a text, at most `max` characters (cut at a word, with an ellipsis). */
export function firstSentence(text: string, max = 220): string {
  const clean = text.replace(/\s+/g, ' ').trim();
  // A sentence ends at . ! ? followed by a space and a capital (or the end) — not inside "e.g. AWS" or "Dr. Vollmer".
  const end = /[.!?](?=\s+[A-Z0-9"'(\u00C0-\u024F]|$)/g;
  let s = clean;
  for (let m = end.exec(clean); m; m = end.exec(clean)) {
    const before = clean.slice(0, m.index + 1);
    if (/\b(?:e\.g|i\.e|etc|vs|cf|incl|approx|Dr|Prof|Mr|Ms|No|Fig|St)\.$/i.test(before)) continue;
    s = before;
    break;
  }
  if (s.length <= max) return s;
  const cut = s.slice(0, max);
  return `${cut.slice(0, Math.max(cut.lastIndexOf(' '), max - 20))}…`;
}
