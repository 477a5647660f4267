// `mlops-guide start` (npm start) with no Slack or Teams app configured, in a terminal: the try-out. A newcomer
// expects to talk to the bot right away, where they typed the command, and to be shown the nicer way in: so the
// terminal chat runs as before, and beside it the same process serves the web console on loopback (buttons,
// sources, walkthroughs, and the maintainers' pages), its URL printed first. No browser is opened: the machine
// may be a server reached over SSH. Defaults only fill what the operator left unset.
import { loadConfig } from '../config.ts';
import { runChat } from './chat.ts';
import type { CliIo } from './io.ts';
import { createLogger } from './logger.ts';
import { consoleUrl, startService } from './serve.ts';

/** What the try-out sets when the environment leaves it unset (README "Web console"). */
export function tryOutEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return {
    ...env,
    CONSOLE_ENABLED: env.CONSOLE_ENABLED ?? 'true',
    // Loopback only: nobody else on the network reaches a console that has no token.
    HOST: env.HOST ?? '127.0.0.1',
    // The person at the terminal runs the bot: they are its maintainer (gaps and usage pages).
    MAINTAINERS: env.MAINTAINERS ?? 'console:local',
    LOG_LEVEL: env.LOG_LEVEL ?? 'warn',
  };
}

export async function runTryOut(args: string[], io: CliIo, env: NodeJS.ProcessEnv): Promise<number> {
  const tryOut = tryOutEnv(env);
  const config = loadConfig(tryOut);
  const service = await startService(config, { logger: createLogger(config.logLevel, 2) });
  try {
    io.err(
      'No Slack or Teams app is configured, so this is the try-out (offline, on the embedded knowledge):\n' +
        (config.console.enabled
          ? `  web console: ${consoleUrl(config, service.port)}  (open it in a browser on this machine)\n`
          : '') +
        '  terminal chat: below\n' +
        'To connect Slack set SLACK_BOT_TOKEN + SLACK_SIGNING_SECRET (or SLACK_APP_TOKEN for Socket Mode); for Teams ' +
        'set MICROSOFT_APP_ID + MICROSOFT_APP_PASSWORD — see README.md "Connect to Slack" / "Connect to Teams".',
    );
    return await runChat(args, io, tryOut, { app: service.app });
  } finally {
    await service.stop();
  }
}
