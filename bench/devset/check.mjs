#!/usr/bin/env node
// Validates the development question set (tune.jsonl + test.jsonl, german-tune.jsonl + german-test.jsonl, and
// tune-fresh.jsonl). Plain Node, no dependencies.
// Usage: node bench/devset/check.mjs        (exits 1 on any problem)
import { readFileSync, readdirSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const knowledgeDir = resolve(process.env.KNOWLEDGE_DIR ?? join(here, "..", "..", "knowledge"));
const FILES = ["tune.jsonl", "test.jsonl"];
const PREFIX = {
  plain: "plain",
  keyword: "keyword",
  long: "long",
  chat: "chat",
  typo: "typo",
  indirect: "indirect",
  "two-topics": "two-topics",
  stakeholder: "stakeholder",
  german: "german",
  followup: "followup",
  "out-of-scope": "oos",
};
const MIN = { "out-of-scope": 40, german: 24, followup: 24 };
const MIN_DEFAULT = 24;

const problems = [];
const problem = (msg) => problems.push(msg);

// Entry ids from the YAML front matter of every *.md below knowledge/ (README.md and walkthroughs/ excluded).
function collectIds(dir, ids) {
  for (const name of readdirSync(dir)) {
    if (name.startsWith(".")) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) {
      if (name !== "walkthroughs") collectIds(path, ids);
    } else if (name.endsWith(".md") && name !== "README.md") {
      const text = readFileSync(path, "utf8");
      const fm = text.match(/^---\r?\n([\s\S]*?)\r?\n---/);
      const id = fm?.[1].match(/^id:\s*["']?([^"'\s]+)["']?\s*$/m)?.[1];
      if (id) ids.add(id);
      else problem(`knowledge: no id in ${path}`);
    }
  }
  return ids;
}
const entryIds = collectIds(knowledgeDir, new Set());

const seen = new Map(); // id -> file
const byFile = {};
const targets = new Set();
const rowsByCat = {}; // cat -> [{id, file}]

/**
 * Visits each non-empty line of `file` as a parsed row with its `where` (file:line), once its id is present and
 * unique across all files. Returns false when the file cannot be read.
 */
function eachRow(file, visit) {
  let lines;
  try {
    lines = readFileSync(join(here, file), "utf8").split("\n");
  } catch (err) {
    problem(`${file}: cannot read (${err.message})`);
    return false;
  }
  lines.forEach((line, i) => {
    if (line.trim() === "") return;
    const where = `${file}:${i + 1}`;
    let row;
    try {
      row = JSON.parse(line);
    } catch (err) {
      problem(`${where}: not JSON (${err.message})`);
      return;
    }
    const { id } = row;
    if (typeof id !== "string" || !id) return problem(`${where}: missing id`);
    if (seen.has(id)) problem(`${where}: duplicate id ${id} (also in ${seen.get(id)})`);
    seen.set(id, file);
    visit(row, where);
  });
  return true;
}

/** A row's question and fields, and what it expects: out of scope abstains, anything else has 1-4 known targets. */
function checkRow(row, where, allowed, onTarget = () => {}) {
  const { id, question } = row;
  if (typeof question !== "string" || question.trim() === "") problem(`${where}: ${id} has no question`);
  for (const key of Object.keys(row)) if (!allowed.includes(key)) problem(`${where}: ${id} has unknown field "${key}"`);
  if (row.cat === "out-of-scope") {
    if (row.abstain !== true) problem(`${where}: ${id} out-of-scope needs "abstain": true`);
    if ("target" in row) problem(`${where}: ${id} out-of-scope must not have a target`);
    return;
  }
  if ("abstain" in row) problem(`${where}: ${id} answerable question must not have "abstain"`);
  const t = row.target;
  if (!Array.isArray(t) || t.length < 1 || t.length > 4) return problem(`${where}: ${id} needs 1-4 targets`);
  if (new Set(t).size !== t.length) problem(`${where}: ${id} repeats a target`);
  for (const x of t) {
    if (!entryIds.has(x)) problem(`${where}: ${id} target "${x}" is not a knowledge entry id`);
    else onTarget(x);
  }
}

for (const file of FILES) {
  byFile[file] = {};
  eachRow(file, (row, where) => {
    const { id, cat } = row;
    if (!(cat in PREFIX)) return problem(`${where}: ${id} has unknown cat "${cat}"`);
    if (!new RegExp(`^${PREFIX[cat]}-\\d{2,}$`).test(id)) problem(`${where}: id ${id} does not match prefix "${PREFIX[cat]}-NN"`);
    checkRow(row, where, ["id", "cat", "question", "target", "abstain", "history"], (x) => targets.add(x));
    if (cat === "followup") {
      const h = row.history;
      if (!Array.isArray(h) || h.length < 1 || h.length > 2 || h.some((m) => typeof m !== "string" || !m.trim()))
        problem(`${where}: ${id} followup needs history with 1-2 user messages`);
    } else if ("history" in row) problem(`${where}: ${id} only followups have history`);

    byFile[file][cat] = (byFile[file][cat] ?? 0) + 1;
    (rowsByCat[cat] ??= []).push({ id, file });
  });
}

// Fixed split rule: within each category, ordered by id, the 1st, 3rd, 5th ... go to tune, the others to test.
for (const [cat, rows] of Object.entries(rowsByCat)) {
  rows.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  rows.forEach((r, i) => {
    const want = i % 2 === 0 ? "tune.jsonl" : "test.jsonl";
    if (r.file !== want) problem(`split: ${r.id} is in ${r.file} but the split rule puts it in ${want}`);
  });
  const min = MIN[cat] ?? MIN_DEFAULT;
  if (rows.length < min) problem(`counts: ${cat} has ${rows.length} questions, fewer than ${min}`);
}
for (const cat of Object.keys(PREFIX)) if (!rowsByCat[cat]) problem(`counts: no questions in category ${cat}`);

// The German sets (german-tune.jsonl, german-test.jsonl): written before the German vocabulary was tuned.
// Ids gde-tNN (tune) / gde-sNN (test); cat "german" (answerable, with target) or "out-of-scope" (abstain).
const GERMAN = { "german-tune.jsonl": "gde-t", "german-test.jsonl": "gde-s" };
const germanCounts = {};
for (const [file, prefix] of Object.entries(GERMAN)) {
  const counts = (germanCounts[file] = { german: 0, "out-of-scope": 0 });
  const read = eachRow(file, (row, where) => {
    const { id, cat } = row;
    if (!new RegExp(`^${prefix}\\d{2,}$`).test(id)) problem(`${where}: id ${id} does not match "${prefix}NN"`);
    if (cat !== "german" && cat !== "out-of-scope") return problem(`${where}: ${id} has cat "${cat}" (german or out-of-scope)`);
    checkRow(row, where, ["id", "cat", "question", "target", "abstain"]);
    counts[cat]++;
  });
  if (read && (counts.german < 38 || counts["out-of-scope"] < 12))
    problem(`counts: ${file} has ${counts.german} German and ${counts["out-of-scope"]} out-of-scope questions (want 38 + 12)`);
}

// The fresh tuning sets (issue #10), each written later by someone who saw none of the other question files:
// tuning side only, so no split rule. Ids <prefix>-<category prefix>-NN; fixed counts per category.
const FRESH_SETS = [
  {
    file: "tune-fresh.jsonl",
    prefix: "fresh",
    counts: { plain: 16, keyword: 16, long: 14, chat: 16, typo: 16, indirect: 16, "two-topics": 14, stakeholder: 16, german: 40, followup: 20, "out-of-scope": 56 },
  },
  {
    file: "tune-fresh2.jsonl",
    prefix: "f2",
    counts: { plain: 20, keyword: 20, long: 18, chat: 22, typo: 26, indirect: 26, "two-topics": 14, stakeholder: 26, german: 40, followup: 20, "out-of-scope": 28 },
  },
];
for (const set of FRESH_SETS) {
  const freshCounts = {};
  set.seen = freshCounts;
  set.targets = new Set();
  const freshRead = eachRow(set.file, (row, where) => {
    const { id, cat } = row;
    if (!(cat in PREFIX)) return problem(`${where}: ${id} has unknown cat "${cat}"`);
    if (!new RegExp(`^${set.prefix}-${PREFIX[cat]}-\\d{2,}$`).test(id))
      problem(`${where}: id ${id} does not match "${set.prefix}-${PREFIX[cat]}-NN"`);
    checkRow(row, where, ["id", "cat", "question", "target", "abstain", "history"], (x) => set.targets.add(x));
    if (cat === "followup") {
      const h = row.history;
      if (!Array.isArray(h) || h.length < 1 || h.length > 2 || h.some((m) => typeof m !== "string" || !m.trim()))
        problem(`${where}: ${id} followup needs history with 1-2 user messages`);
    } else if ("history" in row) problem(`${where}: ${id} only followups have history`);
    freshCounts[cat] = (freshCounts[cat] ?? 0) + 1;
  });
  if (freshRead)
    for (const [cat, want] of Object.entries(set.counts))
      if ((freshCounts[cat] ?? 0) !== want) problem(`counts: ${set.file} has ${freshCounts[cat] ?? 0} ${cat} questions (want ${want})`);
}

// Report.
const cats = Object.keys(PREFIX);
const pad = (s, n) => String(s).padEnd(n);
console.log(`${pad("category", 14)}${pad("tune", 6)}${pad("test", 6)}total`);
let tt = 0;
let ts = 0;
for (const cat of cats) {
  const a = byFile["tune.jsonl"]?.[cat] ?? 0;
  const b = byFile["test.jsonl"]?.[cat] ?? 0;
  tt += a;
  ts += b;
  console.log(`${pad(cat, 14)}${pad(a, 6)}${pad(b, 6)}${a + b}`);
}
console.log(`${pad("all", 14)}${pad(tt, 6)}${pad(ts, 6)}${tt + ts}`);
console.log(`distinct targets: ${targets.size} of ${entryIds.size} knowledge entries`);
const untargeted = [...entryIds].filter((x) => !targets.has(x)).sort();
console.log(`entries never targeted (${untargeted.length}): ${untargeted.join(", ")}`);
for (const [file, c] of Object.entries(germanCounts))
  console.log(`${file}: ${c.german} German answerable + ${c["out-of-scope"]} out-of-scope`);
for (const set of FRESH_SETS) {
  const c = set.seen;
  const total = Object.values(c).reduce((a, b) => a + b, 0);
  console.log(`${set.file}: ${total} questions (${Object.entries(c).map(([k, n]) => `${k} ${n}`).join(", ")})`);
  const missing = [...entryIds].filter((x) => !set.targets.has(x)).sort();
  console.log(`${set.file}: ${set.targets.size} distinct targets; never targeted (${missing.length}): ${missing.join(", ")}`);
}

if (problems.length) {
  console.error(`\n${problems.length} problem(s):`);
  for (const p of problems) console.error(`  - ${p}`);
  process.exit(1);
}
console.log("\nOK");
