// Loads and checks walkthrough definitions (knowledge/walkthroughs/*.yaml). Problems carry file:line from the YAML
// parser's positions so `kb check` can point a maintainer at the exact line.
import { readdir, readFile, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { isNode, LineCounter, parseDocument } from 'yaml';
import type { z } from 'zod';
import { ErrorCode, MlopsGuideError } from '../errors.ts';
import { KnowledgeError } from '../knowledge/errors.ts';
import type { KnowledgeBase, KnowledgeProblem } from '../knowledge/types.ts';
import { definitionSchema, RESULT_STEP, type WalkthroughDefinition, type When } from './definition.ts';
import { normalise } from './match.ts';
import { placeholdersIn } from './template.ts';

type Path = readonly (string | number)[];

interface ParsedFile {
  file: string;
  definition?: WalkthroughDefinition;
  lineOf: (path: Path) => number;
}

export interface CheckOptions {
  /** Report file paths relative to this directory (default: the walkthroughs directory itself). */
  baseDir?: string;
  /** When given, cited knowledge entry ids are checked against it (unknown ids are warnings). */
  knowledge?: KnowledgeBase;
}

const SLACK_BUTTON_LABEL_MAX = 75;

async function listFiles(dir: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    throw new MlopsGuideError(ErrorCode.KnowledgeNotFound, `Walkthrough directory not found: ${dir}`, {
      cause: err,
      remedy: 'Set KNOWLEDGE_DIR to the folder that contains walkthroughs/ (see knowledge/walkthroughs/README.md).',
    });
  }
  return names.filter((n) => /\.ya?ml$/i.test(n)).sort();
}

async function parseFile(
  dir: string,
  name: string,
  baseDir: string,
  problems: KnowledgeProblem[],
): Promise<ParsedFile> {
  const file = relative(baseDir, join(dir, name)).split('\\').join('/');
  const source = await readFile(join(dir, name), 'utf8');
  const lineCounter = new LineCounter();
  const doc = parseDocument(source, { lineCounter, prettyErrors: false });
  const lineAt = (offset: number): number => lineCounter.linePos(offset).line;
  const lineOf = (path: Path): number => {
    for (let n = path.length; n >= 0; n--) {
      const node = doc.getIn(path.slice(0, n), true);
      if (isNode(node) && node.range) return lineAt(node.range[0]);
    }
    return 1;
  };
  const parsed: ParsedFile = { file, lineOf };
  if (doc.errors.length > 0) {
    for (const e of doc.errors)
      problems.push({ file, line: lineAt(e.pos[0]), message: `YAML: ${e.message.split('\n')[0]}`, severity: 'error' });
    return parsed;
  }
  const result = definitionSchema.safeParse(doc.toJS());
  if (!result.success) {
    const isMissing = (path: Path) => !doc.hasIn(path);
    for (const issue of result.error.issues) problems.push(issueProblem(file, issue, lineOf, isMissing));
    return parsed;
  }
  parsed.definition = { ...result.data, file };
  return parsed;
}

function issueProblem(
  file: string,
  issue: z.core.$ZodIssue,
  lineOf: (p: Path) => number,
  isMissing: (p: Path) => boolean,
): KnowledgeProblem {
  const path = issue.path.filter((p): p is string | number => typeof p !== 'symbol');
  const where = path.length > 0 ? `${path.join('.')}: ` : '';
  let message = issue.message;
  if (issue.code === 'unrecognized_keys') message = `unknown field(s) ${issue.keys.join(', ')}`;
  else if (issue.code === 'invalid_type' && path.length > 0 && isMissing(path)) message = 'missing required field';
  return { file, line: lineOf(path), message: `${where}${message}`, severity: 'error' };
}

function conditionsOf(when: When | undefined): Record<string, string[]>[] {
  if (when === undefined) return [];
  return Array.isArray(when) ? when : [when];
}

/** Cross-field checks a schema can't express: references between steps, rules, options, templates, entries. */
function crossCheck(parsed: ParsedFile, allIds: Set<string>, opts: CheckOptions): KnowledgeProblem[] {
  const def = parsed.definition;
  if (!def) return [];
  const out: KnowledgeProblem[] = [];
  const err = (path: Path, message: string) =>
    out.push({ file: parsed.file, line: parsed.lineOf(path), message, severity: 'error' });
  const warn = (path: Path, message: string) =>
    out.push({ file: parsed.file, line: parsed.lineOf(path), message, severity: 'warning' });
  const stepIds = new Map<string, number>();
  def.steps.forEach((s, i) => {
    if (s.id === RESULT_STEP) err(['steps', i, 'id'], `step id "${RESULT_STEP}" is reserved`);
    if (stepIds.has(s.id)) err(['steps', i, 'id'], `duplicate step id "${s.id}"`);
    stepIds.set(s.id, i);
  });
  const isTarget = (id: string) => id === RESULT_STEP || stepIds.has(id);
  const knownFacts = new Set([...stepIds.keys(), 'dataset-classification']);
  const checkWhen = (when: When | undefined, path: Path) => {
    conditionsOf(when).forEach((c) => {
      for (const [key, values] of Object.entries(c)) {
        if (!knownFacts.has(key)) {
          err([...path, key], `condition on unknown step "${key}"`);
          continue;
        }
        const step = def.steps[stepIds.get(key) ?? -1];
        if (step?.kind === 'choice' && !step.allowText) {
          for (const v of values)
            if (!step.options.some((o) => o.value === v)) err([...path, key], `step "${key}" has no option "${v}"`);
        }
      }
    });
  };
  const entryIds: { id: string; path: Path }[] = [];
  const checkTemplate = (template: string, path: Path, extra: readonly string[]) => {
    const known = new Set([...[...stepIds.keys()].map((s) => `answers.${s}`), 'date', 'title', ...extra]);
    for (const name of placeholdersIn(template)) if (!known.has(name)) err(path, `unknown placeholder {{${name}}}`);
  };

  def.steps.forEach((s, i) => {
    const at: Path = ['steps', i];
    if (s.next && !isTarget(s.next)) err([...at, 'next'], `next: no step "${s.next}"`);
    checkWhen(s.when, [...at, 'when']);
    if (s.kind === 'choice' && s.options.length < 2) err([...at, 'options'], 'a choice step needs at least 2 options');
    if (s.kind !== 'choice' && s.options.length > 0)
      warn([...at, 'options'], `options are ignored on a ${s.kind} step`);
    if ((s.kind === 'catalog-search' || s.kind === 'catalog-pick') && def.result.kind !== 'access-request') {
      err([...at, 'kind'], `${s.kind} steps need a result of kind access-request`);
    }
    const values = new Set<string>();
    const phrases = new Map<string, string>();
    s.options.forEach((o, j) => {
      if (values.has(o.value)) err([...at, 'options', j, 'value'], `duplicate option value "${o.value}"`);
      values.add(o.value);
      if (o.label.length > SLACK_BUTTON_LABEL_MAX)
        warn([...at, 'options', j, 'label'], `label longer than ${SLACK_BUTTON_LABEL_MAX} characters is cut by Slack`);
      if (o.next && !isTarget(o.next)) err([...at, 'options', j, 'next'], `next: no step "${o.next}"`);
      [o.label, ...o.synonyms].forEach((p, k) => {
        const n = normalise(p);
        const other = phrases.get(n);
        if (other !== undefined && other !== o.value) {
          warn([...at, 'options', j, k === 0 ? 'label' : 'synonyms'], `"${p}" also matches option "${other}"`);
        }
        phrases.set(n, o.value);
      });
    });
    s.sources.forEach((id, j) => {
      entryIds.push({ id, path: [...at, 'sources', j] });
    });
  });

  const r = def.result;
  if (r.kind === 'recommendation') {
    const vars = ['decision', 'option', 'rationale', 'context', 'alternatives', 'consequences', 'sources', 'citations'];
    r.rules.forEach((rule, i) => {
      const at: Path = ['result', 'rules', i];
      if (!r.options[rule.option]) err([...at, 'option'], `no option "${rule.option}" in result.options`);
      checkWhen(rule.when, [...at, 'when']);
      checkTemplate(rule.rationale, [...at, 'rationale'], vars);
      rule.sources.forEach((id, j) => {
        entryIds.push({ id, path: [...at, 'sources', j] });
      });
    });
    const last = r.rules[r.rules.length - 1];
    if (last?.when !== undefined)
      warn(['result', 'rules', r.rules.length - 1], 'the last rule should have no `when` (the fallback)');
    for (const [key, option] of Object.entries(r.options)) {
      entryIds.push({ id: option.entry, path: ['result', 'options', key, 'entry'] });
      option.sources.forEach((id, j) => {
        entryIds.push({ id, path: ['result', 'options', key, 'sources', j] });
      });
    }
    r.notes.forEach((n, i) => {
      checkWhen(n.when, ['result', 'notes', i, 'when']);
      for (const o of n.options ?? [])
        if (!r.options[o]) err(['result', 'notes', i, 'options'], `no option "${o}" in result.options`);
      checkTemplate(n.text, ['result', 'notes', i, 'text'], vars);
      if (n.offer && !allIds.has(n.offer)) err(['result', 'notes', i, 'offer'], `no walkthrough "${n.offer}"`);
      n.sources.forEach((id, j) => {
        entryIds.push({ id, path: ['result', 'notes', i, 'sources', j] });
      });
    });
    checkTemplate(r.decisionRecord, ['result', 'decisionRecord'], vars);
  } else {
    const search = def.steps[stepIds.get(r.searchStep) ?? -1];
    const pick = def.steps[stepIds.get(r.pickStep) ?? -1];
    if (search?.kind !== 'catalog-search') err(['result', 'searchStep'], `searchStep must name a catalog-search step`);
    if (pick?.kind !== 'catalog-pick') err(['result', 'pickStep'], `pickStep must name a catalog-pick step`);
    const vars = [
      'query',
      'dataset.id',
      'dataset.title',
      'dataset.system',
      'dataset.domain',
      'dataset.classification',
      'owner.business-owner',
      'owner.technical-owner',
      'owner.data-steward',
      'handling',
      'access-procedure',
      'notes',
    ];
    checkTemplate(r.template, ['result', 'template'], vars);
    checkTemplate(r.intro, ['result', 'intro'], vars);
    r.notes.forEach((n, i) => {
      checkWhen(n.when, ['result', 'notes', i, 'when']);
      if (n.offer && !allIds.has(n.offer)) err(['result', 'notes', i, 'offer'], `no walkthrough "${n.offer}"`);
      n.sources.forEach((id, j) => {
        entryIds.push({ id, path: ['result', 'notes', i, 'sources', j] });
      });
    });
    r.sources.forEach((id, j) => {
      entryIds.push({ id, path: ['result', 'sources', j] });
    });
  }
  if (opts.knowledge) {
    for (const { id, path } of entryIds)
      if (!opts.knowledge.get(id)) warn(path, `knowledge entry "${id}" not found (it is not cited)`);
  }
  return out;
}

/** Folder of the walkthroughs inside a knowledge directory. */
export const WALKTHROUGHS_SUBDIR = 'walkthroughs';

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    // Missing or unreadable: treated as "not a walkthroughs folder"; listFiles reports a missing directory.
    return false;
  }
}

async function readAll(
  given: string,
  opts: CheckOptions,
): Promise<{ problems: KnowledgeProblem[]; definitions: WalkthroughDefinition[] }> {
  // Accept the knowledge directory too (as `kb check` passes it): then read its walkthroughs/ folder and report
  // paths relative to the knowledge directory.
  const nested = join(given, WALKTHROUGHS_SUBDIR);
  const dir = (await isDirectory(nested)) ? nested : given;
  const baseDir = opts.baseDir ?? given;
  const problems: KnowledgeProblem[] = [];
  const files = await listFiles(dir);
  const parsed: ParsedFile[] = [];
  for (const name of files) parsed.push(await parseFile(dir, name, baseDir, problems));
  const seen = new Map<string, string>();
  for (const p of parsed) {
    const id = p.definition?.id;
    if (id === undefined) continue;
    const other = seen.get(id);
    if (other)
      problems.push({
        file: p.file,
        line: p.lineOf(['id']),
        message: `duplicate walkthrough id "${id}" (also in ${other})`,
        severity: 'error',
      });
    seen.set(id, p.file);
  }
  const allIds = new Set(seen.keys());
  for (const p of parsed) problems.push(...crossCheck(p, allIds, opts));
  problems.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : a.line - b.line));
  return { problems, definitions: parsed.flatMap((p) => (p.definition ? [p.definition] : [])) };
}

/**
 * Checks every `*.yaml` walkthrough definition in `dir` (or in `dir/walkthroughs/` when that exists); never throws on content problems (only KnowledgeNotFound
 * when the directory is missing). Problems are sorted by file and line.
 */
export async function checkWalkthroughs(dir: string, opts: CheckOptions = {}): Promise<KnowledgeProblem[]> {
  return (await readAll(dir, opts)).problems;
}

/** Loads the walkthrough definitions; throws KnowledgeError listing every problem when any is an error. */
export async function loadWalkthroughs(dir: string, opts: CheckOptions = {}): Promise<WalkthroughDefinition[]> {
  const { problems, definitions } = await readAll(dir, opts);
  if (problems.some((p) => p.severity === 'error')) throw new KnowledgeError(dir, problems);
  return definitions;
}
