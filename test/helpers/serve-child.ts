// The real `bin/mlops-guide.js serve` in a child process, for tests that need a real signal, a real exit or the
// process's own memory: its JSON log lines are collected from stdout, its port is read from "server listening".
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { join } from 'node:path';
import { REPO } from './app.ts';
import { until } from './until.ts';

export interface LogRecord {
  level: number;
  msg: string;
  [key: string]: unknown;
}

export interface ServeChild {
  child: ChildProcess;
  port: number;
  base: string;
  /** Every JSON log line so far, in order. */
  logs: LogRecord[];
  stderr(): string;
  /** Resolves on exit with the code and signal. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts `serve` with only `env` (plus PATH and HOME); resolves once it listens, rejects if it exits first. */
export function spawnServe(env: Record<string, string>): Promise<ServeChild> {
  const child = spawn(process.execPath, [join(REPO, 'bin/mlops-guide.js'), 'serve'], {
    cwd: REPO,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: LogRecord[] = [];
  let err = '';
  let partial = '';
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  return new Promise((resolve, reject) => {
    child.stderr?.on('data', (d) => {
      err += d;
    });
    child.stdout?.on('data', (d) => {
      partial += d;
      const lines = partial.split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) {
        if (!line.trim()) continue;
        try {
          const record = JSON.parse(line) as LogRecord;
          logs.push(record);
          if (record.msg === 'server listening') {
            const port = Number(record.port);
            resolve({
              child,
              port,
              base: `http://127.0.0.1:${port}`,
              logs,
              stderr: () => err,
              exited,
            });
          }
        } catch {
          // not a log line
        }
      }
    });
    void exited.then(({ code, signal }) =>
      reject(new Error(`serve exited before listening (${code ?? signal}): ${err.slice(-2000)}`)),
    );
  });
}

/** Waits for a log line with this message; rejects after `timeoutMs` (a hang safety net, not a timing check). */
export function logLine(s: ServeChild, msg: string, timeoutMs = 60_000): Promise<LogRecord> {
  return until(() => s.logs.find((l) => l.msg === msg), `log line "${msg}"`, { timeoutMs, intervalMs: 50 });
}

/**
 * A platform API that never answers: every request is recorded and held open, except those `answer` handles
 * (e.g. Slack's auth.test). Held requests end only when their client goes away.
 */
export interface HangingApi {
  port: number;
  url: string;
  /** Paths of the requests held so far. */
  held: string[];
  close(): Promise<void>;
}

/** The one Slack call a hanging API answers, so the bot can start: auth.test with the bot's identity. */
export function answerSlackAuthTest(req: IncomingMessage, res: ServerResponse): boolean {
  if (!req.url?.startsWith('/api/auth.test')) return false;
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify({ ok: true, user_id: 'U0BOT', bot_id: 'B0BOT', team_id: 'T0001' }));
  return true;
}

export async function startHangingApi(
  answer: (req: IncomingMessage, res: ServerResponse) => boolean = () => false,
): Promise<HangingApi> {
  const held: string[] = [];
  const server: Server = createServer((req, res) => {
    req.resume();
    if (answer(req, res)) return;
    held.push(req.url ?? '');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    held,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
