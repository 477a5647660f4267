/** Cuts a list into consecutive pieces of at most `size` items (platform limits: blocks a message, buttons a row). */
export function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
