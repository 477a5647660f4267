// Progress of a long one-time step (the first start's word-vector conversion), for a person at a terminal.
// The CLI commands a person runs (chat, ask, kb build) install a reporter that draws a line on stderr; the server
// installs none and logs instead. A step calls reportProgress with what it is doing and how far it got.

export interface ProgressReport {
  /** What is being done, e.g. "Converting the word vectors (first start only)". */
  step: string;
  done: number;
  total: number;
  /** True on the last report of the step. */
  finished?: boolean;
}

export type ProgressReporter = (report: ProgressReport) => void;

let reporter: ProgressReporter | undefined;

/** Installs (or, with undefined, removes) the process's progress reporter; returns the one before. */
export function setProgressReporter(next: ProgressReporter | undefined): ProgressReporter | undefined {
  const before = reporter;
  reporter = next;
  return before;
}

export function reportProgress(report: ProgressReport): void {
  reporter?.(report);
}

/**
 * A reporter drawing one line on a stream (stderr): redrawn in place on a terminal, otherwise a line at the start,
 * at every further quarter and at the end (so a log file gets a few lines, not hundreds).
 */
export function lineProgress(stream: { write(s: string): unknown; isTTY?: boolean }): ProgressReporter {
  let lastStep = '';
  let lastQuarter = -1;
  return ({ step, done, total, finished }) => {
    const percent = total > 0 ? Math.min(100, Math.floor((done / total) * 100)) : 0;
    if (stream.isTTY) {
      stream.write(`\r${step}: ${finished ? 'done' : `${percent} %`}${finished ? '\n' : ''}`);
      return;
    }
    const quarter = finished ? 5 : Math.min(3, Math.floor(percent / 25));
    if (step === lastStep && quarter === lastQuarter) return;
    lastStep = step;
    lastQuarter = quarter;
    stream.write(`${step}: ${finished ? 'done' : `${percent} %`}\n`);
  };
}
