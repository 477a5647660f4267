// ANSWER_WORKERS (src/config.ts): the answer threads of `serve`. Validated like every variable: a bad value is named
// with its fix, an empty one means the default.
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.ts';
import { problemsOf } from './helpers/config.ts';

describe('ANSWER_WORKERS', () => {
  it('defaults to answering on the main thread (a thread doubles the memory and start-up at 15,000 entries)', () => {
    expect(loadConfig({}, '/app').answerWorkers).toBe(0);
    expect(loadConfig({ ANSWER_WORKERS: '' }, '/app').answerWorkers).toBe(0);
  });

  it('takes 0 (answer on the main thread) and whole numbers up to 64', () => {
    expect(loadConfig({ ANSWER_WORKERS: '0' }, '/app').answerWorkers).toBe(0);
    expect(loadConfig({ ANSWER_WORKERS: ' 3 ' }, '/app').answerWorkers).toBe(3);
    expect(loadConfig({ ANSWER_WORKERS: '64' }, '/app').answerWorkers).toBe(64);
  });

  it.each(['-1', '65', '1.5', 'two', 'auto'])('refuses %s with the fix', (value) => {
    const problems = problemsOf({ ANSWER_WORKERS: value });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^ANSWER_WORKERS: /);
    expect(problems[0]).toContain(
      'set ANSWER_WORKERS to a whole number from 0 to 64, or remove it to use the default (0)',
    );
  });
});
