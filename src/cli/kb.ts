// `mlops-guide kb check|stats|build|gaps`.
import { join } from 'node:path';
import { loadConfig } from '../config.ts';
import { loadKnowledge } from '../knowledge/load.ts';
import { kbBuild } from '../retrieval/kb-build.ts';
import { createSqliteEventStore } from '../store/events-sqlite.ts';
import { formatGaps, knowledgeGaps } from '../store/gaps.ts';
import { entryUsage, formatStats, usageStats } from '../store/stats.ts';
import type { EventStore } from '../store/types.ts';
import { type CliIo, EXIT } from './io.ts';
import { kbCheck } from './kb-check.ts';
import { kbStats } from './kb-stats.ts';

const USAGE = 'usage: mlops-guide kb check [DIR] | kb stats [DIR] [--json] | kb build | kb gaps [--json]';
const ADMIN_USAGE = 'usage: mlops-guide admin stats [--json] | admin gaps [--json]';

/** The event store the server records to: Redis when several replicas share it, else SQLite in DATA_DIR. */
async function openEvents(env: NodeJS.ProcessEnv): Promise<EventStore> {
  const config = loadConfig(env);
  return config.redisUrl
    ? (await import('../store/events-redis.ts')).createRedisEventStore(config.redisUrl, {
        prefix: config.redis.prefix,
        commandTimeoutMs: config.redis.commandTimeoutMs,
      })
    : createSqliteEventStore(join(config.dataDir, 'state', 'events.sqlite'));
}

/** `kb gaps [--json]` and `admin gaps|stats [--json]`: the maintainers' reports, as the console shows them. */
async function report(which: 'gaps' | 'stats', json: boolean, io: CliIo, env: NodeJS.ProcessEnv): Promise<number> {
  const events = await openEvents(env);
  try {
    const all = await events.list();
    if (which === 'gaps') {
      const groups = knowledgeGaps(all);
      io.out(json ? JSON.stringify({ groups }, null, 2) : formatGaps(groups));
    } else {
      const usage = usageStats(all, Date.now());
      if (json) {
        const kb = await loadKnowledge(loadConfig(env).knowledgeDir);
        io.out(JSON.stringify({ usage, entries: entryUsage(all, kb.entries) }, null, 2));
      } else io.out(formatStats(usage));
    }
  } finally {
    await events.close();
  }
  return EXIT.ok;
}

export async function runAdmin(args: string[], io: CliIo, env: NodeJS.ProcessEnv): Promise<number> {
  const [sub, ...rest] = args;
  const unknown = rest.filter((a) => a !== '--json');
  if ((sub !== 'stats' && sub !== 'gaps') || unknown.length) {
    io.err(sub && sub !== 'stats' && sub !== 'gaps' ? `unknown admin command "${sub}"\n${ADMIN_USAGE}` : ADMIN_USAGE);
    return EXIT.usage;
  }
  return report(sub, rest.includes('--json'), io, env);
}

export async function runKb(args: string[], io: CliIo, env: NodeJS.ProcessEnv): Promise<number> {
  const [sub, ...rest] = args;
  switch (sub) {
    case 'check':
      return kbCheck(rest, io);
    case 'stats':
      return kbStats(rest, io);
    case 'build':
      return kbBuild(rest, io);
    case 'gaps': {
      const unknown = rest.filter((a) => a !== '--json');
      if (unknown.length) {
        io.err(`unknown option ${unknown[0]}\n${USAGE}`);
        return EXIT.usage;
      }
      return report('gaps', rest.includes('--json'), io, env);
    }
    default:
      io.err(sub ? `unknown kb command "${sub}"\n${USAGE}` : USAGE);
      return EXIT.usage;
  }
}
