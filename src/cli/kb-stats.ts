// `mlops-guide kb stats [DIR] [--json]`: how many entries of each type the knowledge base holds.

import { checkKnowledge } from '../knowledge/load.ts';
import { type KnowledgeStats, knowledgeStats } from '../knowledge/stats.ts';
import { type CliIo, EXIT } from './io.ts';
import { type KbCliOptions, parseKbArgs, reportNotFound } from './kb-check.ts';

const STATS_USAGE = `Usage: mlops-guide kb stats [DIR] [--json]

Counts the entries in the knowledge base in DIR (default: KNOWLEDGE_DIR, ./knowledge)
by type, and the data sets by classification. --json prints
{ "total": n, "byType": {...}, "datasetsByClassification": {...} }.`;

export async function kbStats(
  args: string[],
  io: CliIo,
  options: Omit<KbCliOptions, 'checkWalkthroughs'> = {},
): Promise<number> {
  const parsed = parseKbArgs(args, io, STATS_USAGE, ['--json'], options);
  if (typeof parsed === 'number') return parsed;

  let result: Awaited<ReturnType<typeof checkKnowledge>>;
  try {
    result = await checkKnowledge(parsed.dir);
  } catch (err) {
    if (reportNotFound(err, io)) return EXIT.usage;
    throw err;
  }
  const stats = knowledgeStats(result.entries);
  io.out(parsed.flags.has('--json') ? JSON.stringify(stats, null, 2) : statsTable(stats));

  const errors = result.problems.filter((p) => p.severity === 'error').length;
  const invalid = result.files - result.entries.length;
  if (errors > 0) {
    // Stats still print (they describe what would load once fixed), but say the numbers are partial.
    io.err(
      `Note: the knowledge base has ${errors} errors${invalid ? ` (${invalid} files not counted)` : ''}; ` +
        'run `mlops-guide kb check` for details.',
    );
  }
  return EXIT.ok;
}

function statsTable(stats: KnowledgeStats): string {
  const rows: [string, number][] = [...Object.entries(stats.byType), ['total', stats.total]];
  const classRows = Object.entries(stats.datasetsByClassification);
  const width = Math.max(...[...rows, ...classRows].map(([k]) => k.length), 'classification'.length) + 2;
  const line = ([k, n]: [string, number]) => `${k.padEnd(width)}${String(n).padStart(9)}`;
  return [
    `${'type'.padEnd(width)}${'count'.padStart(9)}`,
    ...rows.slice(0, -1).map(line),
    '-'.repeat(width + 9),
    line(rows.at(-1) ?? ['total', stats.total]),
    '',
    `${'classification'.padEnd(width)}${'datasets'.padStart(9)}`,
    ...classRows.map(line),
  ].join('\n');
}
