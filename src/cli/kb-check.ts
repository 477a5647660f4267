// `mlops-guide kb check [DIR]`: validates the knowledge base (and walkthrough definitions) and prints every
// problem as `file:line: message`, so editors and CI logs link straight to the offending line.
import { isAbsolute, join, relative, resolve } from 'node:path';
import { type Env, loadConfig } from '../config.ts';
import { ErrorCode, isCodedError } from '../errors.ts';
import { checkWalkthroughs } from '../flows/index.ts';
import { formatProblem } from '../knowledge/errors.ts';
import { checkKnowledge, createKnowledgeBase } from '../knowledge/load.ts';
import type { KnowledgeProblem } from '../knowledge/types.ts';
import { type CliIo, EXIT } from './io.ts';

export interface KbCliOptions {
  /** Environment for the default directory (KNOWLEDGE_DIR); default process.env. */
  env?: Env;
  /** Directory paths are resolved against and printed relative to; default process.cwd(). */
  cwd?: string;
  /** Walkthrough checks over the same directory (default: checkWalkthroughs from src/flows); paths relative to it. */
  checkWalkthroughs?: (dir: string) => Promise<KnowledgeProblem[]>;
}

const CHECK_USAGE = `Usage: mlops-guide kb check [DIR]

Validates the knowledge base in DIR (default: KNOWLEDGE_DIR, ./knowledge).
Prints each problem as file:line: message. Exit code 0 when there are no errors
(warnings don't fail), 1 when there are errors, 2 on a usage error.`;

export interface KbArgs {
  dir: string;
  flags: Set<string>;
}

/**
 * Parses `[DIR] [--flag…]`: returns the resolved directory and the flags given, or prints a usage error and
 * returns an exit code. `--help` prints the usage and returns 0.
 */
export function parseKbArgs(
  args: string[],
  io: CliIo,
  usage: string,
  known: string[],
  options: KbCliOptions,
): KbArgs | number {
  const flags = new Set<string>();
  const positional: string[] = [];
  let onlyPositional = false;
  for (const arg of args) {
    if (!onlyPositional && arg === '--') onlyPositional = true;
    else if (!onlyPositional && (arg === '--help' || arg === '-h')) {
      io.out(usage);
      return EXIT.ok;
    } else if (!onlyPositional && arg.startsWith('-') && arg !== '-') {
      if (!known.includes(arg)) {
        io.err(`Unknown option: ${arg}\n\n${usage}`);
        return EXIT.usage;
      }
      flags.add(arg);
    } else positional.push(arg);
  }
  if (positional.length > 1) {
    io.err(`Expected at most one directory, got ${positional.length}: ${positional.join(' ')}\n\n${usage}`);
    return EXIT.usage;
  }
  const cwd = options.cwd ?? process.cwd();
  if (positional[0] !== undefined) return { dir: resolve(cwd, positional[0]), flags };
  try {
    return { dir: loadConfig(options.env ?? process.env, cwd).knowledgeDir, flags };
  } catch (err) {
    if (!isCodedError(err)) throw err;
    io.err(`${err.message}\nPass the knowledge directory explicitly (kb check DIR) or fix the configuration.`);
    return EXIT.usage;
  }
}

/** Prints a missing-directory error; returns true when `err` was that error. */
export function reportNotFound(err: unknown, io: CliIo): boolean {
  if (!isCodedError(err) || err.code !== ErrorCode.KnowledgeNotFound) return false;
  io.err(`${err.message}${err.remedy ? `\n${err.remedy}` : ''}`);
  return true;
}

export async function kbCheck(args: string[], io: CliIo, options: KbCliOptions = {}): Promise<number> {
  const parsed = parseKbArgs(args, io, CHECK_USAGE, [], options);
  if (typeof parsed === 'number') return parsed;
  const { dir } = parsed;
  const cwd = options.cwd ?? process.cwd();

  let result: Awaited<ReturnType<typeof checkKnowledge>>;
  try {
    result = await checkKnowledge(dir);
  } catch (err) {
    if (reportNotFound(err, io)) return EXIT.usage;
    throw err;
  }
  // Walkthroughs cite entry ids: check them against the entries that did load.
  const walkthroughs =
    options.checkWalkthroughs ??
    ((d: string) => checkWalkthroughs(d, { baseDir: d, knowledge: createKnowledgeBase(d, result.entries) }));
  const problems = [...result.problems, ...(await walkthroughs(dir))];

  const shown = (file: string) => {
    const abs = isAbsolute(file) ? file : join(dir, file);
    return relative(cwd, abs) || abs;
  };
  for (const p of problems) io.out(formatProblem(p, shown(p.file)));
  const errors = problems.filter((p) => p.severity === 'error').length;
  const warnings = problems.length - errors;
  io.out(`${result.entries.length} entries, ${errors} errors, ${warnings} warnings`);
  return errors > 0 ? EXIT.failure : EXIT.ok;
}
