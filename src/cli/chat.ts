// `mlops-guide chat`: a terminal conversation through the same core as Slack and Teams. Choices are shown as
// numbered options; typing a number clicks it. Works with piped input too (one message per line).

import { userInfo } from 'node:os';
import { createInterface } from 'node:readline';
import { type App, createApp } from '../app.ts';
import { lineProgress, setProgressReporter } from '../base/index.ts';
import { loadConfig } from '../config.ts';
import type { Inbound } from '../core/inbound.ts';
import type { Choice } from '../core/reply.ts';
import { type CliIo, EXIT } from './io.ts';
import { createLogger } from './logger.ts';
import { replyToText } from './render-text.ts';

export interface ChatOptions {
  input?: NodeJS.ReadableStream;
  /** Echo each input line (useful for transcripts of piped input). */
  echo?: boolean;
  /** Talk to this app (the try-out `start` shares one with the web console) instead of creating one. */
  app?: App;
}

export async function runChat(
  args: string[],
  io: CliIo,
  env: NodeJS.ProcessEnv,
  options: ChatOptions = {},
): Promise<number> {
  const echo = options.echo ?? args.includes('--echo');
  // The terminal user runs the bot themselves: no per-user rate limit (it would also persist across runs).
  const config = { ...loadConfig(env), rateLimitPerMinute: 0 };
  const logger = createLogger(config.logLevel === 'info' ? 'warn' : config.logLevel);
  // The first start's one-time conversion shows its progress on stderr (the logs above are quieted to warn).
  if (!options.app) setProgressReporter(lineProgress(process.stderr));
  const app = options.app ?? (await createApp(config, { logger }));
  const input = options.input ?? process.stdin;
  const interactive = input === process.stdin && process.stdin.isTTY;
  let username = 'local';
  try {
    username = userInfo().username || 'local';
  } catch {
    // no passwd entry (containers): keep the default
  }
  const base = {
    user: { platform: 'cli' as const, id: username },
    conversation: { platform: 'cli' as const, id: 'terminal', isDirect: true },
  };

  io.out(
    'MLOps Guide — ask a question, or type `help`. Type a number to pick an option, `quit` to leave.\n' +
      'Try: `infra` (choose ML infrastructure) or `data-owner` (find a data owner).',
  );
  let choices: Choice[] = [];
  const rl = createInterface({ input, terminal: false });
  const prompt = () => {
    if (interactive) process.stdout.write('\nyou> ');
  };
  prompt();
  try {
    for await (const raw of rl) {
      const line = raw.trim();
      if (echo) io.out(`\nyou> ${line}`);
      if (!line) {
        prompt();
        continue;
      }
      if (/^(quit|exit|bye|:q)$/i.test(line)) break;
      let inbound: Inbound;
      const n = /^\d{1,2}$/.test(line) ? Number(line) : 0;
      const picked = n > 0 ? choices[n - 1] : undefined;
      if (picked) inbound = { ...base, kind: 'action', actionId: picked.actionId, value: picked.value };
      else inbound = { ...base, kind: 'message', text: line };
      const reply = await app.bot.handle(inbound);
      const rendered = replyToText(reply);
      choices = rendered.choices;
      io.out(`\nbot> ${rendered.text}`);
      prompt();
    }
  } finally {
    rl.close();
    if (!options.app) await app.close();
  }
  return EXIT.ok;
}
