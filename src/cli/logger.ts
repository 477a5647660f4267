import pino from 'pino';
import type { Logger } from '../base/index.ts';

/**
 * Structured JSON logs (pino). CLI commands log to stderr so stdout stays machine-readable (`ask --json`).
 * Message text never goes into logs unless LOG_MESSAGE_TEXT=true (callers decide what to log).
 */
export function createLogger(level: string, destination: 1 | 2 = 2): Logger {
  return pino({ level, base: { app: 'mlops-guide' } }, pino.destination({ fd: destination, sync: destination === 2 }));
}
