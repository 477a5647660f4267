// The files manifest beside the parsed-knowledge cache (loadKnowledge's cacheDir): a start whose knowledge files all
// have the size, modification and change times and inode the manifest recorded takes the cached check without
// reading a file; any difference reads (and hashes) every file again. Which way a start went shows in its debug log.
import { mkdtemp, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Logger } from '../../src/base/index.ts';
import { loadKnowledge } from '../../src/knowledge/index.ts';
import { copyGood, type TempKb } from './helpers.ts';

const UNCHANGED = 'knowledge files unchanged since the last start: read from the cache';
const READ = 'knowledge files read';

let kb: TempKb;
let cacheDir: string;
beforeEach(async () => {
  kb = await copyGood();
  cacheDir = await mkdtemp(join(tmpdir(), 'kb-manifest-'));
});
afterEach(async () => {
  await kb.remove();
  await rm(cacheDir, { recursive: true, force: true });
});

/** Loads with the cache (files trusted at once: settleMs 0) and says which way the load went. */
async function load(settleMs = 0) {
  const debug: string[] = [];
  const logger: Logger = { debug: (_o, msg) => void debug.push(msg ?? ''), info() {}, warn() {}, error() {} };
  const base = await loadKnowledge(kb.dir, { cacheDir, logger, settleMs });
  return { base, how: debug.includes(UNCHANGED) ? 'unchanged' : debug.includes(READ) ? 'read' : 'neither' };
}

const DRIFT = 'challenges/challenge-model-drift.md';

describe('knowledge files manifest', () => {
  it('reads no file when none changed, and gives the same knowledge base as parsing', async () => {
    const parsed = await loadKnowledge(kb.dir);
    expect((await load()).how).toBe('read');
    const again = await load();
    expect(again.how).toBe('unchanged');
    expect(again.base.hash).toBe(parsed.hash);
    expect(again.base.entries).toEqual(parsed.entries);
    expect(again.base.vocabulary).toEqual(parsed.vocabulary);
    expect((await load()).how).toBe('unchanged');
  });

  it('reads the files again after an edit, and takes the edit', async () => {
    await load();
    await kb.edit(DRIFT, /^title: .*$/m, 'title: Drift after the edit');
    const after = await load();
    expect(after.how).toBe('read');
    expect(after.base.get('challenge-model-drift')?.title).toBe('Drift after the edit');
    expect((await load()).how).toBe('unchanged');
  });

  it('notices an edit of the same size whose modification time was set back (by the change time)', async () => {
    await load();
    const path = join(kb.dir, DRIFT);
    const before = await stat(path);
    const text = await readFile(path, 'utf8');
    const edited = text.replace(/^title: (.)/m, (_m, c: string) => `title: ${c === 'X' ? 'Y' : 'X'}`);
    expect(Buffer.byteLength(edited)).toBe(Buffer.byteLength(text));
    await writeFile(path, edited);
    await utimes(path, before.atime, before.mtime);
    const after = await load();
    expect(after.how).toBe('read');
    expect(after.base.get('challenge-model-drift')?.title).toMatch(/^[XY]/);
  });

  it('reads the files again when one is added or removed', async () => {
    await load();
    // A README is no entry, but it is a knowledge file (in the hash) all the same.
    await kb.write('glossary/README.md', '# Notes\n');
    expect((await load()).how).toBe('read');
    await rm(join(kb.dir, 'glossary/README.md'), { force: true });
    expect((await load()).how).toBe('read');
  });

  it('does not vouch for files changed just before a start: the next start reads them again', async () => {
    await load(Number.MAX_SAFE_INTEGER);
    expect((await load(Number.MAX_SAFE_INTEGER)).how).toBe('read');
  });

  it('reads the files when the manifest is garbage, and writes a good one', async () => {
    await load();
    await writeFile(join(cacheDir, 'files-manifest.json'), '{"files": [tr');
    expect((await load()).how).toBe('read');
    expect((await load()).how).toBe('unchanged');
  });
});
