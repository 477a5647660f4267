// Typo correction against the knowledge's own words: a word that neither the knowledge nor general English knows
// ("drfit", "clasification") is replaced by the closest knowledge word within a small edit distance
// (optimal string alignment: a swap of two letters counts as one edit). Words that general English knows well are
// left alone — they are real words the knowledge does not use, not typos.

/** Words at least this common in general English (frequency rank) are never "corrected". */
export const COMMON_RANK = 30_000;
const MIN_LENGTH = 4;

/** Optimal string alignment distance, giving up (returning max + 1) as soon as it must exceed `max`. */
export function editDistance(a: string, b: string, max: number): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  const m = a.length;
  const n = b.length;
  let prev2 = new Array<number>(n + 1).fill(0);
  let prev = Array.from({ length: n + 1 }, (_, j) => j);
  for (let i = 1; i <= m; i++) {
    const cur = new Array<number>(n + 1);
    cur[0] = i;
    let rowMin = i;
    for (let j = 1; j <= n; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min((prev[j] as number) + 1, (cur[j - 1] as number) + 1, (prev[j - 1] as number) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        v = Math.min(v, (prev2[j - 2] as number) + 1);
      cur[j] = v;
      if (v < rowMin) rowMin = v;
    }
    if (rowMin > max) return max + 1;
    prev2 = prev;
    prev = cur;
  }
  return prev[n] as number;
}

/** Returns `correct(word)`: the knowledge word a typo most likely meant, or undefined. */
export function createSpeller(
  dictionary: Readonly<Record<string, number>>,
  generalRank?: (word: string) => number | undefined,
): (word: string) => string | undefined {
  const byLength = new Map<number, [string, number][]>();
  for (const [w, n] of Object.entries(dictionary)) {
    const list = byLength.get(w.length) ?? [];
    list.push([w, n]);
    byLength.set(w.length, list);
  }
  const cache = new Map<string, string | undefined>();
  return (word) => {
    if (word.length < MIN_LENGTH || /\p{N}/u.test(word) || dictionary[word] !== undefined) return undefined;
    if (cache.has(word)) return cache.get(word);
    const rank = generalRank?.(word);
    let best: string | undefined;
    if (rank === undefined || rank >= COMMON_RANK) {
      const max = word.length >= 8 ? 2 : 1;
      let bestDistance = max + 1;
      let bestCount = 0;
      for (let len = word.length - max; len <= word.length + max; len++) {
        for (const [w, n] of byLength.get(len) ?? []) {
          const d = editDistance(word, w, Math.min(max, bestDistance));
          if (d < bestDistance || (d === bestDistance && d <= max && n > bestCount)) {
            bestDistance = d;
            bestCount = n;
            best = w;
          }
        }
      }
      if (bestDistance > max) best = undefined;
    }
    if (cache.size < 10_000) cache.set(word, best);
    return best;
  };
}

const LETTERS = 'abcdefghijklmnopqrstuvwxyz';

/**
 * Returns `everyday(word)`: the most common general-English word one edit away (a letter dropped, added, changed,
 * or two swapped) when its frequency rank is below `maxRank`, else undefined. Asked only for words neither the
 * knowledge nor general English knows: "coms", "lrtting", "actulaly" are typos of everyday words and count as
 * those words do (chat filler, a stop word), not as a rare topic word the knowledge lacks.
 */
export function createEverydayTypo(
  generalRank: (word: string) => number | undefined,
  maxRank: number,
): (word: string) => string | undefined {
  const cache = new Map<string, string | undefined>();
  return (word) => {
    if (word.length < MIN_LENGTH || !/^[a-z]+$/.test(word) || generalRank(word) !== undefined) return undefined;
    if (cache.has(word)) return cache.get(word);
    let best: string | undefined;
    let bestRank = maxRank;
    const consider = (candidate: string) => {
      const rank = generalRank(candidate);
      if (rank !== undefined && rank < bestRank) {
        bestRank = rank;
        best = candidate;
      }
    };
    for (let i = 0; i < word.length; i++) {
      consider(word.slice(0, i) + word.slice(i + 1));
      if (i + 1 < word.length) consider(word.slice(0, i) + word[i + 1] + word[i] + word.slice(i + 2));
      for (const c of LETTERS) if (c !== word[i]) consider(word.slice(0, i) + c + word.slice(i + 1));
    }
    for (let i = 0; i <= word.length; i++) for (const c of LETTERS) consider(word.slice(0, i) + c + word.slice(i));
    if (cache.size < 10_000) cache.set(word, best);
    return best;
  };
}
