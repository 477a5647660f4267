// Loads the knowledge base: every `*.md` under the directory (README.md files and walkthroughs/ excepted) is one
// entry, and `vocabulary/*.yaml` holds the synonyms, aliases and German terms (see vocabulary.ts). An entry has YAML
// front matter validated by entryFrontMatterSchema plus a Markdown body. Loading is all-or-nothing:
// any error throws a KnowledgeError listing every problem, so a running server keeps its last good knowledge.
import { createHash } from 'node:crypto';
import type { Dirent } from 'node:fs';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { deserialize, serialize } from 'node:v8';
import type { z } from 'zod';
import type { Logger } from '../base/index.ts';
import { ErrorCode, MlopsGuideError } from '../errors.ts';
import { crossCheck, type ScannedFile } from './checks.ts';
import { KnowledgeError } from './errors.ts';
import { type FieldPath, parseFrontMatter } from './front-matter.ts';
import { ENTRY_TYPES, type Entry, type EntryOf, type EntryType, entryFrontMatterSchema } from './schema.ts';
import type { KnowledgeBase, KnowledgeProblem } from './types.ts';
import {
  buildVocabulary,
  EMPTY_VOCABULARY,
  isVocabularyFile,
  parseVocabularyFile,
  type VocabularyData,
} from './vocabulary.ts';

/** Folder (directly under the knowledge directory) whose files are walkthrough definitions, not entries. */
export const WALKTHROUGHS_DIR = 'walkthroughs';

export interface KnowledgeCheck {
  /** Sorted by file, then line. Errors and warnings. */
  problems: KnowledgeProblem[];
  /** The entries that passed the schema (cross-entry errors may still concern them). */
  entries: Entry[];
  /** How many entry files were read. */
  files: number;
  /** Same value loadKnowledge would give the knowledge base. */
  hash: string;
  /** The vocabulary files (knowledge/vocabulary/*.yaml), checked together; aliases resolved. */
  vocabulary: VocabularyData;
}

interface KnowledgeFile {
  /** Relative to the knowledge directory, always with `/`. */
  rel: string;
  content: Buffer;
}

/**
 * Checks the knowledge directory and never throws on content problems (only when `dir` is missing:
 * KnowledgeNotFound).
 */
export async function checkKnowledge(dir: string): Promise<KnowledgeCheck> {
  return checkFiles(await readKnowledgeFiles(dir));
}

function checkFiles(all: KnowledgeFile[], hash = hashFiles(all)): KnowledgeCheck {
  const scanned: ScannedFile[] = [];
  const problems: KnowledgeProblem[] = [];
  for (const f of all) {
    if (!isEntryFile(f.rel)) continue;
    const parsed = parseFrontMatter(f.rel, f.content.toString('utf8'));
    problems.push(...parsed.problems);
    let entry: Entry | undefined;
    if (parsed.data) {
      const result = entryFrontMatterSchema.safeParse(parsed.data);
      if (result.success) entry = { ...result.data, body: parsed.body, file: f.rel } as Entry;
      else {
        for (const issue of result.error.issues) {
          for (const { path, message } of describeIssue(issue, parsed.data)) {
            problems.push({ file: f.rel, line: parsed.lineOf(path), message, severity: 'error' });
          }
        }
      }
    }
    scanned.push({
      file: f.rel,
      data: parsed.data,
      entry,
      body: parsed.body,
      bodyLine: parsed.bodyLine,
      lineOf: lazyLineOf(f),
    });
  }
  problems.push(...crossCheck(scanned));
  const vocabularyFiles = all
    .filter((f) => isVocabularyFile(f.rel))
    .map((f) => parseVocabularyFile(f.rel, f.content.toString('utf8')));
  const { vocabulary, problems: vocabularyProblems } = buildVocabulary(vocabularyFiles);
  problems.push(...vocabularyProblems);
  problems.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : a.line - b.line));
  const entries = scanned.flatMap((s) => (s.entry ? [s.entry] : []));
  return { problems, entries, files: scanned.length, hash, vocabulary };
}

/**
 * The line of a field, for the cross-entry checks (which report only a few problems, if any). The parsed YAML
 * document behind `parsed.lineOf` is large (nodes, positions): holding one per file until the cross-checks ran was
 * most of the memory of loading 50,000 entries (~1.5 GB). So the file is parsed again when a line is asked for
 * (the same parse, so the same line).
 */
function lazyLineOf(f: KnowledgeFile): (path: FieldPath) => number {
  let lineOf: ((path: FieldPath) => number) | undefined;
  return (path) => {
    lineOf ??= parseFrontMatter(f.rel, f.content.toString('utf8')).lineOf;
    return lineOf(path);
  };
}

/**
 * Loads and validates the knowledge base. Throws KnowledgeError (code KnowledgeInvalid) listing every problem
 * when there is any error; warnings are logged (when a logger is given) and don't stop loading.
 */
export async function loadKnowledge(
  dir: string,
  options: {
    logger?: Logger;
    cacheDir?: string;
    /**
     * Files changed less than this long before a start are not trusted by their size and times at the next start
     * (default 2 s: a second write in the same clock tick, with the same size, would look unchanged). Tests set 0.
     */
    settleMs?: number;
  } = {},
): Promise<KnowledgeBase> {
  const check = options.cacheDir
    ? await checkWithManifest(dir, options.cacheDir, options.logger, options.settleMs ?? 2000)
    : checkFiles(await readKnowledgeFiles(dir));
  if (check.problems.some((p) => p.severity === 'error')) throw new KnowledgeError(dir, check.problems);
  for (const p of check.problems) options.logger?.warn({ file: p.file, line: p.line }, p.message);
  return createKnowledgeBase(dir, check.entries, check.hash, check.vocabulary);
}

/**
 * Parsing and checking the YAML is most of a cold start (~0.1–0.2 s at 150 entries, more on a busy machine), and
 * its result depends only on the files and on this loader's code. So a passing check is kept (in V8's
 * serialisation format: at 15,000 entries it reads back in about half the time of JSON.parse) under
 * `cacheDir`, named by a hash of both; the next start with the same files reads it back in milliseconds. Any
 * change to a knowledge file or to the loader gives a new name (the old file is removed). A cache that can't be
 * read or written is ignored: the knowledge is then parsed as usual.
 */
async function checkCached(files: KnowledgeFile[], cacheDir: string, logger?: Logger): Promise<KnowledgeCheck> {
  const filesHash = hashFiles(files);
  const key = cacheKey(await loaderFingerprint(), filesHash);
  const path = join(cacheDir, `knowledge-${key}.v8`);
  const cached = readCachedCheck(cacheDir, key, filesHash, logger);
  if (cached) return cached;
  const check = checkFiles(files, filesHash);
  if (check.problems.some((p) => p.severity === 'error')) return check;
  try {
    await mkdir(cacheDir, { recursive: true });
    for (const old of await readdir(cacheDir)) {
      if (old.startsWith('knowledge-') && /\.(json|v8)$/.test(old)) await rm(join(cacheDir, old), { force: true });
    }
    const tmp = `${path}.${process.pid}.tmp`;
    await writeFile(tmp, serialize(check));
    await rename(tmp, path);
  } catch (err) {
    logger?.debug({ err, cacheDir }, 'knowledge cache not written');
  }
  return check;
}

/**
 * The files manifest (cacheDir/files-manifest.json): each knowledge file's path, size, modification and change
 * times (nanoseconds) and inode as of the last start whose check was cached, with the hash of their contents. When
 * a start finds the same files with the same figures, nothing was written to them since (any write sets the change
 * time, which no tool sets back), so it takes the hash from the manifest and reads the cached check without
 * reading or hashing a single file: at 15,000 entries (73 MB) that was ~1 s of a start. Any difference, or no
 * manifest, reads and hashes every file as before.
 */
const MANIFEST_FILE = 'files-manifest.json';
const MANIFEST_VERSION = 1;

interface FilesManifest {
  version: number;
  /** loaderFingerprint() when written: a new loader does not trust it. */
  loader: string;
  /** hashFiles() of the files listed. */
  hash: string;
  /** [rel, size, mtimeNs, ctimeNs, ino], in the order of listKnowledgeFiles. */
  files: [string, string, string, string, string][];
}

type FileStat = FilesManifest['files'][number];

function statOf(f: ListedFile): FileStat {
  const st = statSync(f.path, { bigint: true });
  return [f.rel, String(st.size), String(st.mtimeNs), String(st.ctimeNs), String(st.ino)];
}

async function checkWithManifest(
  dir: string,
  cacheDir: string,
  logger: Logger | undefined,
  settleMs: number,
): Promise<KnowledgeCheck> {
  const listed = listKnowledgeFiles(dir);
  const statsAt = Date.now();
  const stats = listed.map(statOf);
  const loader = await loaderFingerprint();
  const manifestPath = join(cacheDir, MANIFEST_FILE);
  let manifest: FilesManifest | undefined;
  try {
    manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as FilesManifest;
  } catch {
    manifest = undefined; // none yet (or unreadable): the files are read
  }
  const same =
    manifest?.version === MANIFEST_VERSION &&
    manifest.loader === loader &&
    typeof manifest.hash === 'string' &&
    Array.isArray(manifest.files) &&
    manifest.files.length === stats.length &&
    manifest.files.every((m, i) => {
      const s = stats[i] as FileStat;
      return Array.isArray(m) && m.length === s.length && m.every((v, j) => v === s[j]);
    });
  if (manifest && same) {
    const cached = readCachedCheck(cacheDir, cacheKey(loader, manifest.hash), manifest.hash, logger);
    if (cached) {
      logger?.debug({ files: stats.length }, 'knowledge files unchanged since the last start: read from the cache');
      return cached;
    }
  }
  const files = readListed(listed);
  logger?.debug({ files: files.length }, 'knowledge files read');
  const check = await checkCached(files, cacheDir, logger);
  if (check.problems.some((p) => p.severity === 'error')) return check;
  // Files written just before (or during) this start are not vouched for: the next start reads them again.
  const settled = stats.every((s) => BigInt(s[3]) / 1_000_000n < BigInt(statsAt - settleMs) || settleMs <= 0);
  if (!settled) return check;
  try {
    const next: FilesManifest = { version: MANIFEST_VERSION, loader, hash: check.hash, files: stats };
    const tmp = `${manifestPath}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(next));
    await rename(tmp, manifestPath);
  } catch (err) {
    logger?.debug({ err, cacheDir }, 'knowledge files manifest not written');
  }
  return check;
}

const cacheKey = (loader: string, filesHash: string) =>
  createHash('sha256').update(loader).update(filesHash).digest('hex').slice(0, 32);

/** The cached check of the files with this hash, or undefined (missing: silently; unreadable: with a warning). */
function readCachedCheck(
  cacheDir: string,
  key: string,
  filesHash: string,
  logger: Logger | undefined,
): KnowledgeCheck | undefined {
  const path = join(cacheDir, `knowledge-${key}.v8`);
  try {
    // Synchronous: an awaited read of a cache of tens of MB is one thread-pool round trip per 512 kB.
    const cached = deserialize(readFileSync(path)) as KnowledgeCheck;
    if (cached && Array.isArray(cached.entries) && cached.hash === filesHash) return cached;
    throw new Error('not a knowledge check of these files');
  } catch (err) {
    // Missing: the first start with these files. Anything else (truncated, garbage): say so, then parse.
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
      logger?.warn({ path, err: String(err) }, 'knowledge cache unreadable; parsing the knowledge instead');
    }
    return undefined;
  }
}

let fingerprint: Promise<string> | undefined;
/** A hash of the source of this folder's modules (schema, checks, vocabulary): a code change invalidates caches. */
function loaderFingerprint(): Promise<string> {
  fingerprint ??= (async () => {
    const here = import.meta.dirname;
    const h = createHash('sha256').update(`format:2\0`);
    for (const name of (await readdir(here)).filter((n) => /\.(ts|js)$/.test(n)).sort()) {
      h.update(`${name}\0`).update(await readFile(join(here, name)));
    }
    return h.digest('hex');
  })();
  return fingerprint;
}

/** Builds an immutable KnowledgeBase from entries already validated (also handy for tests of other modules). */
export function createKnowledgeBase(
  dir: string,
  entries: readonly Entry[],
  hash = hashEntries(entries),
  vocabulary: VocabularyData = EMPTY_VOCABULARY,
): KnowledgeBase {
  const list = Object.freeze([...entries].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)));
  const byId = new Map(list.map((e) => [e.id, e]));
  const byType = new Map<EntryType, Entry[]>(ENTRY_TYPES.map((t) => [t, list.filter((e) => e.type === t)]));
  return Object.freeze({
    dir,
    entries: list,
    hash,
    vocabulary,
    get: (id: string) => byId.get(id),
    ofType: <T extends EntryType>(type: T) => [...(byType.get(type) ?? [])] as EntryOf<T>[],
  });
}

function isEntryFile(rel: string): boolean {
  if (!rel.toLowerCase().endsWith('.md')) return false;
  const parts = rel.split('/');
  if (parts[0] === WALKTHROUGHS_DIR) return false;
  return (parts.at(-1) ?? '').toLowerCase() !== 'readme.md';
}

function hashFiles(files: KnowledgeFile[]): string {
  const h = createHash('sha256');
  for (const f of files) {
    // Length-prefixed so that moving bytes between a path and a content can never give the same hash.
    h.update(`${Buffer.byteLength(f.rel)}:${f.rel}\0${f.content.length}:`);
    h.update(f.content);
  }
  return h.digest('hex');
}

function hashEntries(entries: readonly Entry[]): string {
  return createHash('sha256').update(JSON.stringify(entries)).digest('hex');
}

async function readKnowledgeFiles(dir: string): Promise<KnowledgeFile[]> {
  return readListed(listKnowledgeFiles(dir));
}

interface ListedFile {
  /** Relative to the knowledge directory, always with `/`. */
  rel: string;
  path: string;
}

/** The knowledge files (dot files skipped, links to files followed), sorted by relative path. */
function listKnowledgeFiles(dir: string): ListedFile[] {
  const info = statSync(dir, { throwIfNoEntry: false });
  if (!info) {
    throw new MlopsGuideError(ErrorCode.KnowledgeNotFound, `Knowledge directory not found: ${dir}`, {
      remedy: 'Set KNOWLEDGE_DIR to the folder holding the knowledge Markdown files (default: ./knowledge).',
    });
  }
  if (!info.isDirectory()) {
    throw new MlopsGuideError(ErrorCode.KnowledgeNotFound, `Knowledge path is not a directory: ${dir}`, {
      remedy: 'Set KNOWLEDGE_DIR to the folder holding the knowledge Markdown files (default: ./knowledge).',
    });
  }
  const files: ListedFile[] = [];
  const walk = (abs: string): void => {
    const dirents: Dirent[] = readdirSync(abs, { withFileTypes: true });
    for (const d of dirents) {
      // Dot files are editor swap files, .git, .DS_Store: not knowledge, and they must not change the hash.
      if (d.name.startsWith('.')) continue;
      const path = join(abs, d.name);
      let isFile = d.isFile();
      let isDir = d.isDirectory();
      if (d.isSymbolicLink()) {
        // Follow links to files; links to directories are skipped so a loop can't hang the loader.
        const target = statSync(path, { throwIfNoEntry: false });
        isFile = target?.isFile() ?? false;
        isDir = false;
      }
      if (isDir) walk(path);
      else if (isFile) files.push({ rel: relative(dir, path).split(sep).join('/'), path });
    }
  };
  walk(dir);
  files.sort((a, b) => (a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0));
  return files;
}

/**
 * Reads the listed files. Synchronous reads: one awaited readFile per file costs a thread-pool round trip each,
 * which at 15,000 files was 8 s of a start against 1 s read synchronously. Loading happens at start-up, in `kb`
 * commands and in the reload worker thread, never on a thread that is serving questions.
 */
function readListed(listed: ListedFile[]): KnowledgeFile[] {
  return listed.map((f) => ({ rel: f.rel, content: readFileSync(f.path) }));
}

type Issue = z.core.$ZodIssue;

const pathLabel = (path: FieldPath): string =>
  path.reduce<string>(
    (s, seg) => (typeof seg === 'number' ? `${s}[${seg}]` : s === '' ? String(seg) : `${s}.${String(seg)}`),
    '',
  ) || '(front matter)';

function valueAt(data: unknown, path: FieldPath): unknown {
  let v = data;
  for (const seg of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[seg as string];
  }
  return v;
}

/** Turns a zod issue into `field: message` problems a maintainer understands. */
function describeIssue(issue: Issue, data: Record<string, unknown>): { path: FieldPath; message: string }[] {
  const path = issue.path as FieldPath;
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => ({
      path: [...path, key],
      message: `${pathLabel([...path, key])}: unknown field (see knowledge/README.md for the fields of each type)`,
    }));
  }
  if (issue.code === 'invalid_union' && path.length === 1 && path[0] === 'type') {
    const given = data.type;
    const what = given === undefined ? 'required' : `unknown type ${JSON.stringify(given)}`;
    return [{ path, message: `type: ${what}; must be one of ${ENTRY_TYPES.join(', ')}` }];
  }
  if (issue.code === 'invalid_type' && valueAt(data, path) === undefined) {
    return [{ path, message: `${pathLabel(path)}: required` }];
  }
  return [{ path, message: `${pathLabel(path)}: ${issue.message.replace(/^Invalid input: /, '')}` }];
}
