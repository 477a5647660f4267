// The error a broken knowledge base raises: a coded MlopsGuideError that also carries every problem found,
// so the CLI and the server log can list them all (file:line: message) instead of only the first.
import { ErrorCode, MlopsGuideError } from '../errors.ts';
import type { KnowledgeProblem } from './types.ts';

/** Formats a problem the way editors and CI logs link it: `file:line: message`. */
export function formatProblem(problem: KnowledgeProblem, file: string = problem.file): string {
  const tag = problem.severity === 'warning' ? 'warning: ' : '';
  return `${file}:${problem.line}: ${tag}${problem.message}`;
}

export class KnowledgeError extends MlopsGuideError {
  /** Every problem found, errors and warnings, sorted by file and line. */
  readonly problems: KnowledgeProblem[];
  readonly dir: string;

  constructor(dir: string, problems: KnowledgeProblem[]) {
    const errors = problems.filter((p) => p.severity === 'error');
    const shown = errors.slice(0, 20).map((p) => `  ${formatProblem(p)}`);
    const more = errors.length > shown.length ? [`  … and ${errors.length - shown.length} more`] : [];
    super(
      ErrorCode.KnowledgeInvalid,
      `The knowledge base in ${dir} has ${errors.length} error(s):\n${[...shown, ...more].join('\n')}`,
      { remedy: 'Fix the listed files, then run `npx mlops-guide kb check` until it reports 0 errors.' },
    );
    this.name = 'KnowledgeError';
    this.dir = dir;
    this.problems = problems;
  }
}
