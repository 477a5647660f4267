// `mlops-guide kb check|stats|build|gaps`.
import { loadConfig } from '../config.ts';
import { loadKnowledge } from '../knowledge/load.ts';
import { createEventStore } from '../store/create.ts';
import { formatGaps, knowledgeGaps } from '../store/gaps.ts';
import { entryUsage, formatStats, usageStats } from '../store/stats.ts';
import { type CliIo, EXIT } from './io.ts';
import { kbBuild } from './kb-build.ts';
import { kbCheck } from './kb-check.ts';
import { kbStats } from './kb-stats.ts';

const USAGE = 'usage: mlops-guide kb check [DIR] | kb stats [DIR] [--json] | kb build | kb gaps [--json]';
const ADMIN_USAGE = 'usage: mlops-guide admin stats [--json] | admin gaps [--json]';

/** `kb gaps [--json]` and `admin gaps|stats [--json]`: the maintainers' reports, as the console shows them. */
async function report(which: 'gaps' | 'stats', json: boolean, io: CliIo, env: NodeJS.ProcessEnv): Promise<number> {
  // Where the server records them: the configured event store (Redis or SQLite in DATA_DIR).
  const events = await createEventStore(loadConfig(env));
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
      return kbBuild(rest, io, env);
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
