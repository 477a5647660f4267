// `npx mlops-guide kb build`: converts the word vectors when needed and (re)builds DATA_DIR/index/. Progress comes
// from the build itself (an onProgress callback), one line per step; the logger only carries warnings and errors.

import { join } from 'node:path';
import { type Logger, lineProgress, setProgressReporter } from '../base/index.ts';
import { type Env, loadConfig } from '../config.ts';
import { isCodedError } from '../errors.ts';
import type { BuildProgress } from '../retrieval/types.ts';
import { vectorsDir } from '../retrieval/word-vectors.ts';
import { type CliIo, EXIT } from './io.ts';

const USAGE = 'usage: mlops-guide kb build [--knowledge DIR] [--data DIR]';

/** The line `kb build` prints for a step of the build. */
export function progressLine(p: BuildProgress): string {
  switch (p.step) {
    case 'word-vectors':
      return `Converting the offline word vectors into ${p.dir} (one-time, a few seconds)…`;
    case 'lexical':
      return `Indexing ${p.entries} entries…`;
    case 'embedding':
      return `Embedding ${p.texts} texts…`;
    case 'writing':
      return `Writing the index to ${p.dir}…`;
  }
}

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
  // Warnings (a knowledge warning, a corrupt index rebuilt) and errors as they happen, beside the progress lines;
  // progress itself is never read from the log.
  const logger: Logger = {
    debug() {},
    info() {},
    warn(obj, msg) {
      io.out(`warning: ${msg ?? ''} ${JSON.stringify(obj)}`);
    },
    error(obj, msg) {
      io.err(`error: ${msg ?? ''} ${JSON.stringify(obj)}`);
    },
  };
  // The one-time word-vector conversion draws its progress on stderr (stdout keeps the summary).
  const before = setProgressReporter(lineProgress(process.stderr));
  try {
    const config = loadConfig({ ...env, ...overrides });
    const { loadKnowledge } = await import('../knowledge/load.ts');
    // Through the parsed-knowledge cache, as serve reads it: the first start after a build finds it ready.
    const kb = await loadKnowledge(config.knowledgeDir, { logger, cacheDir: join(config.dataDir, 'cache') });
    const { buildIndex, indexDir } = await import('../retrieval/index-store.ts');
    const built = await buildIndex(kb, config, { logger, onProgress: (p) => io.out(progressLine(p)) });
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
    if (isCodedError(err)) {
      io.err(`kb build failed: ${err.message}`);
      if (err.remedy) io.err(err.remedy);
    } else io.err(`kb build failed: ${err instanceof Error ? err.message : String(err)}`);
    return EXIT.failure;
  } finally {
    setProgressReporter(before);
  }
}
