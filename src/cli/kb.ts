// `mlops-guide kb check|stats|build|gaps`.
import { join } from 'node:path';
import { loadConfig } from '../config.ts';
import { createSqliteEventStore } from '../store/events-sqlite.ts';
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
      const config = loadConfig(env);
      // Where the server records them: Redis when several replicas share it, else SQLite in DATA_DIR.
      const events = config.redisUrl
        ? (await import('../store/events-redis.ts')).createRedisEventStore(config.redisUrl, {
            prefix: config.redis.prefix,
            commandTimeoutMs: config.redis.commandTimeoutMs,
          })
        : createSqliteEventStore(join(config.dataDir, 'state', 'events.sqlite'));
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
