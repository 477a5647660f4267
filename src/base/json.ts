/**
 * Parses a JSON object that came back verbatim from a platform (a button value, a modal's metadata); undefined
 * for anything else, so callers treat a malformed or forged value as "not ours" instead of throwing.
 */
export function parseJsonObject(raw: string): Record<string, unknown> | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    // Not JSON: not a value the bot produced.
    return undefined;
  }
  return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)
    ? (parsed as Record<string, unknown>)
    : undefined;
}
