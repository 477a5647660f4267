// botbuilder writes to the console itself: botframework-connector's JwtTokenExtractor calls console.error with a
// whole error object (multi-line stack) on an expired token, and with the PEM of the signing key on any other bad
// signature — raw text in the middle of the JSON log, once per forged request. Work it does for the Teams channel
// runs inside `captureConsole(logger, …)`; console output from that work (followed through awaits by
// AsyncLocalStorage) becomes one structured, single-line log record instead. Console calls from anything else
// are untouched.
import { AsyncLocalStorage } from 'node:async_hooks';
import { format } from 'node:util';
import type { Logger } from '../../src/base/index.ts';

const scope = new AsyncLocalStorage<Logger>();
const METHODS = ['log', 'info', 'warn', 'error', 'debug', 'trace'] as const;
/** A captured line is cut here: botbuilder has written whole keys and stacks. */
const MAX_CAPTURED_CHARS = 500;
/** Our wrappers (a WeakSet, not a marker property: a spy or wrapper copying properties would look wrapped). */
const wrappers = new WeakSet<object>();

/**
 * Wraps the console methods, process-wide, with ones that defer to the original outside a capture. Checked on every
 * capture (cheap), so a method someone replaced since (a test's spy, another library) is wrapped again.
 */
function install(): void {
  for (const method of METHODS) {
    const current = console[method] as (...args: unknown[]) => void;
    if (wrappers.has(current)) continue;
    const original = current.bind(console);
    const wrapped = (...args: unknown[]) => {
      const logger = scope.getStore();
      if (!logger) {
        original(...args);
        return;
      }
      const first = args[0];
      const text = format(...args)
        .replace(/\s+/g, ' ')
        .trim()
        .slice(0, MAX_CAPTURED_CHARS);
      logger.warn(
        {
          source: 'botbuilder',
          console: method,
          ...(first instanceof Error ? { errName: first.name } : {}),
          text,
        },
        'botbuilder console output',
      );
    };
    wrappers.add(wrapped);
    console[method] = wrapped;
  }
}

/** Runs `work` with console output from it (and everything it awaits) sent to `logger` as structured records. */
export function captureConsole<T>(logger: Logger, work: () => Promise<T>): Promise<T> {
  install();
  return scope.run(logger, work);
}
