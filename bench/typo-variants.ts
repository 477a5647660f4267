// Synthetic typo variants of the dev set's tuning files, for measuring how much a typo costs (issue 10): each
// answerable English question (not the typo, German or follow-up categories) gets `--typos N` typos (default 1) in
// words of five letters or more — a swapped, dropped, doubled or neighbouring-key letter, from a seeded generator so
// the set is the same every run. Cases keep their targets; `cat` becomes `typo-of-<cat>`, and with `--with-originals`
// each original follows as `orig-<cat>`. Derived from the tuning files only: tune on it, never report it as unseen.
//   node bench/typo-variants.ts [--typos 1] [--seed 12345] [--with-originals] > /tmp/typos.jsonl
//   node bench/answers.ts --set /tmp/typos.jsonl --quick

import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ROOT, readCases, TUNING_FILES } from './lib.ts';

const { values } = parseArgs({
  options: {
    typos: { type: 'string', default: '1' },
    seed: { type: 'string', default: '12345' },
    'with-originals': { type: 'boolean', default: false },
  },
});
let seed = Number(values.seed);
const random = () => {
  seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
  return seed / 2_147_483_648;
};
const ROWS = ['qwertyuiop', 'asdfghjkl', 'zxcvbnm'];
const neighbour = (c: string) => {
  for (const row of ROWS) {
    const i = row.indexOf(c);
    if (i >= 0) return row[Math.max(0, Math.min(row.length - 1, i + (random() < 0.5 ? -1 : 1)))] as string;
  }
  return c;
};
function typo(w: string): string {
  const i = 1 + Math.floor(random() * (w.length - 2));
  switch (Math.floor(random() * 4)) {
    case 0:
      return w.slice(0, i) + w[i + 1] + w[i] + w.slice(i + 2);
    case 1:
      return w.slice(0, i) + w.slice(i + 1);
    case 2:
      return w.slice(0, i) + w[i] + w.slice(i);
    default:
      return w.slice(0, i) + neighbour(w[i] as string) + w.slice(i + 1);
  }
}
const files = TUNING_FILES.filter((f) => !f.includes('german')).map((f) => join(ROOT, f));
const out: string[] = [];
for (const c of readCases(files)) {
  if (c.abstain || c.history || c.cat === 'typo' || c.cat === 'german') continue;
  const candidates = [...c.question.matchAll(/[A-Za-z]{5,}/g)].map((m) => m[0]);
  if (candidates.length === 0) continue;
  const picked = new Set<string>();
  while (picked.size < Math.min(Number(values.typos), candidates.length)) {
    picked.add(candidates[Math.floor(random() * candidates.length)] as string);
  }
  let question = c.question;
  for (const w of picked) question = question.replace(w, typo(w));
  out.push(JSON.stringify({ ...c, id: `${c.id}-typo`, cat: `typo-of-${c.cat}`, question }));
  if (values['with-originals']) out.push(JSON.stringify({ ...c, cat: `orig-${c.cat}` }));
}
process.stdout.write(`${out.join('\n')}\n`);
