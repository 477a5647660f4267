// The base every layer may import (core, knowledge, retrieval, store, flows, adapters): logging and time as
// injected collaborators, and text helpers. It imports nothing of the project, so it can never close a cycle.
export type { Clock } from './clock.ts';
export { parseJsonObject } from './json.ts';
export { chunk } from './list.ts';
export { type Logger, silentLogger } from './logger.ts';
export {
  lineProgress,
  type ProgressReport,
  type ProgressReporter,
  reportProgress,
  setProgressReporter,
} from './progress.ts';
export { markdownToPlain, normaliseText } from './text.ts';
