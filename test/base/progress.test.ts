import { describe, expect, it } from 'vitest';
import { lineProgress, reportProgress, setProgressReporter } from '../../src/base/index.ts';

describe('progress line (first-start conversion)', () => {
  const run = (isTTY: boolean) => {
    const written: string[] = [];
    const before = setProgressReporter(lineProgress({ isTTY, write: (s: string) => written.push(s) }));
    try {
      for (let done = 0; done <= 100; done += 5) reportProgress({ step: 'Converting', done, total: 100 });
      reportProgress({ step: 'Converting', done: 1, total: 1, finished: true });
    } finally {
      setProgressReporter(before);
    }
    return written;
  };

  it('redraws one line in place on a terminal and ends it with "done"', () => {
    const written = run(true);
    expect(written.every((s) => s.startsWith('\r'))).toBe(true);
    expect(written.at(-1)).toBe('\rConverting: done\n');
  });

  it('writes a few lines (start, each quarter, done) to a log file', () => {
    expect(run(false)).toEqual([
      'Converting: 0 %\n',
      'Converting: 25 %\n',
      'Converting: 50 %\n',
      'Converting: 75 %\n',
      'Converting: done\n',
    ]);
  });

  it('reports nothing without a reporter (the server logs instead)', () => {
    expect(() => reportProgress({ step: 'x', done: 1, total: 2 })).not.toThrow();
  });
});
