// Holds the knowledge the bot answers from and swaps it atomically on reload. A reload builds the new
// knowledge (parse, check, index) off the request path — `build` runs it in a worker thread (src/app.ts,
// src/retrieval/build-in-worker.ts); questions asked meanwhile use the old one. A broken edit leaves the last good
// knowledge in service and reports the problems.
import { type FSWatcher, watch } from 'node:fs';
import { type Clock, type Logger, silentLogger } from '../base/index.ts';
import { asCodedError } from '../errors.ts';
import { KnowledgeError } from '../knowledge/errors.ts';
import type { KnowledgeProblem } from '../knowledge/types.ts';
import type { KnowledgeRuntime, ReloadResult } from './bot.ts';

export interface RuntimeHolder<R extends KnowledgeRuntime = KnowledgeRuntime> {
  current(): R;
  /** Rebuilds and swaps. Concurrent calls share one rebuild. */
  reload(): Promise<ReloadResult>;
  /**
   * Watches a directory and reloads (debounced) when something in it changes, unless a build that started after the
   * change (an `admin reload` meanwhile) already covers it. Returns a stop function.
   */
  watch(dir: string, options?: { debounceMs?: number }): () => void;
  readonly reloads: { ok: number; failed: number };
  /** The last reload's result (its `kb check` problems when it failed); undefined before the first reload. */
  lastReload(): ReloadResult | undefined;
}

export function createRuntimeHolder<R extends KnowledgeRuntime>(
  initial: R,
  build: () => Promise<R>,
  options: {
    logger?: Logger;
    clock?: Clock;
    onReload?: (result: ReloadResult) => void;
    /** fs.watch, or a stand-in that tests drive. */
    watchFs?: typeof watch;
  } = {},
): RuntimeHolder<R> {
  const logger = options.logger ?? silentLogger;
  const clock = options.clock ?? Date.now;
  let current = initial;
  let inFlight: Promise<ReloadResult> | undefined;
  let again = false;
  const reloads = { ok: 0, failed: 0 };
  let last: ReloadResult | undefined;
  // Changes the watcher has seen, and how many of them the newest build had seen when it started: a build reads the
  // files after it starts, so it covers every change seen before (see `watch`).
  let changesSeen = 0;
  let changesCovered = 0;

  async function rebuild(): Promise<ReloadResult> {
    const started = clock();
    changesCovered = changesSeen;
    try {
      const next = await build();
      current = next;
      reloads.ok++;
      const result = { ok: true, entries: next.kb.entries.length, problems: [], durationMs: clock() - started };
      logger.info({ entries: result.entries, durationMs: result.durationMs }, 'knowledge reloaded');
      return result;
    } catch (err) {
      reloads.failed++;
      const problems: KnowledgeProblem[] =
        err instanceof KnowledgeError
          ? err.problems
          : [{ file: '(knowledge)', line: 1, message: asCodedError(err).message, severity: 'error' }];
      logger.error(
        {
          code: asCodedError(err).code,
          problems: problems.filter((p) => p.severity === 'error').map((p) => `${p.file}:${p.line}: ${p.message}`),
        },
        'knowledge reload failed; keeping the last good knowledge',
      );
      return { ok: false, entries: current.kb.entries.length, problems, durationMs: clock() - started };
    }
  }

  function reload(): Promise<ReloadResult> {
    if (inFlight) {
      // An edit arrived during a rebuild: rebuild once more afterwards so the newest files are served.
      again = true;
      return inFlight;
    }
    inFlight = (async () => {
      let result = await rebuild();
      while (again) {
        again = false;
        result = await rebuild();
      }
      return result;
    })().finally(() => {
      inFlight = undefined;
    });
    return inFlight.then((r) => {
      last = r;
      options.onReload?.(r);
      return r;
    });
  }

  return {
    current: () => current,
    reload,
    reloads,
    lastReload: () => last,
    watch(dir, watchOptions = {}) {
      const debounceMs = watchOptions.debounceMs ?? 300;
      let timer: NodeJS.Timeout | undefined;
      let watcher: FSWatcher | undefined;
      try {
        watcher = (options.watchFs ?? watch)(dir, { recursive: true }, () => {
          changesSeen++;
          clearTimeout(timer);
          // A build that started after the last change (`admin reload` typed right after saving) already reads it:
          // reloading again would build the same knowledge twice (at 15,000 entries a second full load and swap).
          timer = setTimeout(() => {
            if (changesSeen > changesCovered) void reload();
          }, debounceMs);
        });
        watcher.on('error', (err) => logger.warn({ err: String(err) }, 'knowledge watcher error'));
      } catch (err) {
        logger.warn({ err: String(err), dir }, 'cannot watch the knowledge directory; use admin reload');
      }
      return () => {
        clearTimeout(timer);
        watcher?.close();
      };
    },
  };
}
