// Background-prefixed variants of dev set questions, for measuring what a sentence of context before the question
// costs (issue 10): each answerable English question (not keyword, long, German or follow-up) gets one of six
// background sentences in front — a role, a team, a plant detail — from a seeded generator, so the set is the same
// every run; each original follows as `orig-<cat>`. By default from the tuning files (for tuning); `--test` uses the
// test half instead, to check that a rule tuned on the first generalises to questions it never saw.
//   node bench/background-variants.ts [--test] [--seed 4242] > /tmp/background.jsonl
//   node bench/answers.ts --set /tmp/background.jsonl --quick
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ROOT, readCases, TEST_FILES, TUNING_FILES } from './lib.ts';

const { values } = parseArgs({
  options: { test: { type: 'boolean', default: false }, seed: { type: 'string', default: '4242' } },
});
const BACKGROUND = [
  "I'm a process engineer in the coating department.",
  'Hi, I work as a data scientist at the polishing line in Oberkochen.',
  "We're a small team of three and have been building a defect classifier since spring.",
  'Quick background: I joined the metrology group last month and my manager asked me to look into this.',
  'Our plant runs two shifts and most of our sensors write into the historian.',
  "I'm the product owner for a predictive maintenance pilot.",
];
let seed = Number(values.seed);
const random = () => {
  seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
  return seed / 2_147_483_648;
};
const files = (values.test ? TEST_FILES : TUNING_FILES).filter((f) => !f.includes('german')).map((f) => join(ROOT, f));
const out: string[] = [];
for (const c of readCases(files)) {
  if (c.abstain || c.history || ['german', 'long', 'keyword'].includes(c.cat ?? '')) continue;
  const background = BACKGROUND[Math.floor(random() * BACKGROUND.length)] as string;
  out.push(JSON.stringify({ ...c, id: `${c.id}-ctx`, cat: `ctx-${c.cat}`, question: `${background} ${c.question}` }));
  out.push(JSON.stringify({ ...c, cat: `orig-${c.cat}` }));
}
process.stdout.write(`${out.join('\n')}\n`);
