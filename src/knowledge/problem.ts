/** One finding of `kb check` (or a load): where, what, and whether it stops a load. */
export interface KnowledgeProblem {
  /** Path relative to the checked directory. */
  file: string;
  /** 1-based line in the file (1 when the whole file is concerned). */
  line: number;
  message: string;
  severity: 'error' | 'warning';
}
