// Test helpers for running the whole app on the real knowledge base: a temporary DATA_DIR holding a copy of the
// word vectors built once by test/global-setup.ts.
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type Config, loadConfig } from '../../src/config.ts';

export const REPO = resolve(import.meta.dirname, '../..');
export const TEST_VECTORS = join(REPO, '.cache/test-data/vectors');

export interface TempDirs {
  root: string;
  dataDir: string;
  knowledgeDir: string;
  cleanup(): void;
}

/** A temp DATA_DIR (vectors copied) and, with copyKnowledge, a private copy of knowledge/ to edit. */
export function tempDirs(options: { copyKnowledge?: boolean } = {}): TempDirs {
  const root = mkdtempSync(join(tmpdir(), 'mlops-guide-test-'));
  const dataDir = join(root, 'data');
  cpSync(TEST_VECTORS, join(dataDir, 'vectors'), { recursive: true, dereference: true });
  let knowledgeDir = join(REPO, 'knowledge');
  if (options.copyKnowledge) {
    knowledgeDir = join(root, 'knowledge');
    cpSync(join(REPO, 'knowledge'), knowledgeDir, { recursive: true });
  }
  return { root, dataDir, knowledgeDir, cleanup: () => rmSync(root, { recursive: true, force: true }) };
}

export function testConfig(dirs: TempDirs, env: Record<string, string> = {}): Config {
  return loadConfig(
    {
      KNOWLEDGE_DIR: dirs.knowledgeDir,
      DATA_DIR: dirs.dataDir,
      HOST: '127.0.0.1',
      PORT: '0',
      KNOWLEDGE_WATCH: 'false',
      LOG_LEVEL: 'silent',
      ...env,
    },
    REPO,
  );
}
