// `mlops-guide <command>`: the CLI entry. Each subcommand returns an exit code; output goes through CliIo.
import { loadConfig } from '../config.ts';
import { ConfigError, isCodedError } from '../errors.ts';
import { runAsk } from './ask.ts';
import { runChat } from './chat.ts';
import { type CliIo, EXIT, processIo } from './io.ts';
import { runAdmin, runKb } from './kb.ts';
import { runServe } from './serve.ts';
import { runTryOut } from './start.ts';

const USAGE = `MLOps Guide — MLOps guidance for Slack and Microsoft Teams, offline by default.

Usage: npx mlops-guide <command>

  start                      run the configured Slack/Teams apps; with nothing configured and a terminal, the
                             terminal chat plus the web console on http://127.0.0.1:3978/console
  serve                      run the HTTP server (Slack /slack/events, Teams /api/messages, /healthz, /readyz, /metrics)
  chat                       talk to the bot in this terminal (choices are numbered)
  ask "<question>" [--json]  answer one question
  ask --file Q.jsonl --json  answer one question per line ({"id","question"}), one JSON object per line
  kb check [DIR]             validate the knowledge base (file:line: message), exit 1 on errors
  kb stats [DIR] [--json]    counts by entry type
  kb build                   build the search index (and the word vectors on first use)
  kb gaps [--json]           what users asked that the bot could not answer, grouped
  admin stats|gaps [--json]  the maintainers' reports (usage, entries used / never used, feedback per entry; gaps)
  help                       this text

Configuration is read from environment variables; see README.md.`;

export async function main(argv: string[], io: CliIo = processIo, env = process.env): Promise<number> {
  const [command = 'help', ...args] = argv;
  try {
    switch (command) {
      case 'help':
      case '--help':
      case '-h':
        io.out(USAGE);
        return EXIT.ok;
      case 'ask':
        return await runAsk(args, io, env);
      case 'chat':
        return await runChat(args, io, env);
      case 'kb':
        return await runKb(args, io, env);
      case 'admin':
        return await runAdmin(args, io, env);
      case 'serve':
        return await runServe(args, io, env);
      case 'start': {
        const config = loadConfig(env);
        const configured = Boolean(config.slack || config.teams.appId || config.teams.allowUnauthenticated);
        if (!configured && process.stdin.isTTY) return await runTryOut(args, io, env);
        return await runServe(args, io, env);
      }
      default:
        io.err(`Unknown command "${command}".\n\n${USAGE}`);
        return EXIT.usage;
    }
  } catch (err) {
    if (err instanceof ConfigError) {
      io.err(err.message);
      return EXIT.usage;
    }
    if (isCodedError(err)) {
      io.err(`error (${err.code}): ${err.message}${err.remedy ? `\n${err.remedy}` : ''}`);
      return EXIT.failure;
    }
    io.err(`error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    return EXIT.failure;
  }
}
