// `npx mlops-guide kb build`: converts the word vectors when needed and (re)builds DATA_DIR/index/.

import { type Logger, lineProgress, setProgressReporter } from '../base/index.ts';
import type { CliIo } from '../cli/io.ts';
import { EXIT } from '../cli/io.ts';
import { type Env, loadConfig } from '../config.ts';
import { isCodedError } from '../errors.ts';
import { vectorsDir } from './word-vectors.ts';

const USAGE = 'usage: mlops-guide kb build [--knowledge DIR] [--data DIR]';

export async function kbBuild(args: string[], io: CliIo, env: Env = process.env): Promise<number> {
  const overrides: Env = {};
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const value = args[i + 1];
    if ((a === '--knowledge' || a === '--data') && value && !value.startsWith('--')) {
      overrides[a === '--knowledge' ? 'KNOWLEDGE_DIR' : 'DATA_DIR'] = value;
      i++;
    } else if (a === '--help' || a === '-h') {
      io.out(USAGE);
      return EXIT.ok;
    } else {
      io.err(`Unknown or incomplete option: ${a}\n${USAGE}`);
      return EXIT.usage;
    }
  }
  const started = performance.now();
  const messages: string[] = [];
  const logger: Logger = {
    debug() {},
    info() {},
    warn(obj, msg) {
      messages.push(`warning: ${msg ?? ''} ${JSON.stringify(obj)}`);
    },
    error(obj, msg) {
      messages.push(`error: ${msg ?? ''} ${JSON.stringify(obj)}`);
    },
  };
  // The one-time word-vector conversion draws its progress on stderr (stdout keeps the summary).
  const before = setProgressReporter(lineProgress(process.stderr));
  try {
    const config = loadConfig({ ...env, ...overrides });
    const { loadKnowledge } = await import('../knowledge/load.ts');
    const kb = await loadKnowledge(config.knowledgeDir, { logger });
    const { buildIndex, indexDir } = await import('./index-store.ts');
    const built = await buildIndex(kb, config, { logger });
    for (const m of messages) io.out(m);
    const { manifest } = built.index;
    const c = manifest.counts;
    io.out(
      [
        `Built the search index in ${indexDir(config)}`,
        `  entries: ${c.entries}, lexical terms: ${c.lexicalTerms}, vectors: ${c.vectors}`,
        `  embeddings: ${manifest.embeddingsId}`,
        config.embeddings.provider === 'local' ? `  word vectors: ${vectorsDir(config.dataDir)}` : '',
        `  knowledge hash: ${manifest.knowledgeHash.slice(0, 12)}…`,
        `Done in ${((performance.now() - started) / 1000).toFixed(2)} s.`,
      ]
        .filter(Boolean)
        .join('\n'),
    );
    return EXIT.ok;
  } catch (err) {
    for (const m of messages) io.err(m);
    if (isCodedError(err)) {
      io.err(`kb build failed: ${err.message}`);
      if (err.remedy) io.err(err.remedy);
    } else io.err(`kb build failed: ${err instanceof Error ? err.message : String(err)}`);
    return EXIT.failure;
  } finally {
    setProgressReporter(before);
  }
}
