// `mlops-guide kb check|stats|build|gaps`.
import { loadConfig } from '../config.ts';
import { createEventStore } from '../store/create.ts';
import { formatGaps, knowledgeGaps } from '../store/gaps.ts';
import { type CliIo, EXIT } from './io.ts';
import { kbBuild } from './kb-build.ts';
import { kbCheck } from './kb-check.ts';
import { kbStats } from './kb-stats.ts';

const USAGE = 'usage: mlops-guide kb check [DIR] | kb stats [DIR] [--json] | kb build | kb gaps';

export async function runKb(args: string[], io: CliIo, env: NodeJS.ProcessEnv): Promise<number> {
  const [sub, ...rest] = args;
  switch (sub) {
    case 'check':
      return kbCheck(rest, io);
    case 'stats':
      return kbStats(rest, io);
    case 'build':
      return kbBuild(rest, io, env);
    case 'gaps': {
      // Where the server records them: the configured event store (Redis or SQLite in DATA_DIR).
      const events = await createEventStore(loadConfig(env));
      try {
        io.out(formatGaps(knowledgeGaps(await events.list())));
      } finally {
        await events.close();
      }
      return EXIT.ok;
    }
    default:
      io.err(sub ? `unknown kb command "${sub}"\n${USAGE}` : USAGE);
      return EXIT.usage;
  }
}
