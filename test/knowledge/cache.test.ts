// The parsed-knowledge cache (loadKnowledge's cacheDir): a start with unchanged files reads the check result back
// instead of parsing YAML; any edit, a corrupted cache or an unwritable cache folder falls back to parsing.
import { chmod, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deserialize, serialize } from 'node:v8';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KnowledgeError, loadKnowledge } from '../../src/knowledge/index.ts';
import { copyGood, type TempKb } from './helpers.ts';

let kb: TempKb;
let cacheDir: string;
beforeEach(async () => {
  kb = await copyGood();
  cacheDir = await mkdtemp(join(tmpdir(), 'kb-cache-'));
});
afterEach(async () => {
  await kb.remove();
  await chmod(cacheDir, 0o700).catch(() => {});
  await rm(cacheDir, { recursive: true, force: true });
});

const cacheFiles = async () => (await readdir(cacheDir)).filter((f) => f.startsWith('knowledge-'));

describe('knowledge cache', () => {
  it('gives the same knowledge base as parsing, and reads it back from one cache file', async () => {
    const parsed = await loadKnowledge(kb.dir);
    const first = await loadKnowledge(kb.dir, { cacheDir });
    expect(await cacheFiles()).toHaveLength(1);
    const second = await loadKnowledge(kb.dir, { cacheDir });
    for (const base of [first, second]) {
      expect(base.hash).toBe(parsed.hash);
      expect(base.entries).toEqual(parsed.entries);
      expect(base.vocabulary).toEqual(parsed.vocabulary);
    }
  });

  it('is really read: a cached result is used while the files are unchanged', async () => {
    await loadKnowledge(kb.dir, { cacheDir });
    const [file] = await cacheFiles();
    const path = join(cacheDir, file as string);
    const cached = deserialize(await readFile(path));
    cached.entries[0].title = 'Title from the cache';
    await writeFile(path, serialize(cached));
    const base = await loadKnowledge(kb.dir, { cacheDir });
    expect(base.entries[0]?.title).toBe('Title from the cache');
  });

  it('parses again after an edit, and keeps only the newest cache file', async () => {
    await loadKnowledge(kb.dir, { cacheDir });
    await kb.edit('challenges/challenge-model-drift.md', /^title: .*$/m, 'title: Drift after the edit');
    const base = await loadKnowledge(kb.dir, { cacheDir });
    expect(base.get('challenge-model-drift')?.title).toBe('Drift after the edit');
    expect(await cacheFiles()).toHaveLength(1);
  });

  it('still refuses broken knowledge (errors are never cached)', async () => {
    await loadKnowledge(kb.dir, { cacheDir });
    await kb.edit('challenges/challenge-model-drift.md', /^title: .*$/m, 'title:');
    await expect(loadKnowledge(kb.dir, { cacheDir })).rejects.toBeInstanceOf(KnowledgeError);
  });

  it.each([
    ['garbage', () => Buffer.from('{"entries": [trunc')],
    ['truncated', (b: Buffer) => b.subarray(0, Math.floor(b.length / 2))],
    ['a valid file of something else', () => serialize({ entries: 'no' })],
  ])('parses again when the cache file is %s, says so in the log, and rewrites it', async (_what, damage) => {
    await loadKnowledge(kb.dir, { cacheDir });
    const [file] = await cacheFiles();
    const path = join(cacheDir, file as string);
    await writeFile(path, damage(await readFile(path)));
    const lines: string[] = [];
    const logger = {
      debug() {},
      info() {},
      error() {},
      warn: (_o: object, msg?: string) => void lines.push(msg ?? ''),
    };
    const base = await loadKnowledge(kb.dir, { cacheDir, logger });
    expect(base.entries.length).toBeGreaterThan(0);
    expect(lines).toContain('knowledge cache unreadable; parsing the knowledge instead');
    expect(deserialize(await readFile(path)).entries.length).toBe(base.entries.length);
  });

  it('a cache of the JSON format before is replaced, not read', async () => {
    await writeFile(join(cacheDir, 'knowledge-0123456789abcdef0123456789abcdef.json'), '{"entries": []}');
    const base = await loadKnowledge(kb.dir, { cacheDir });
    expect(base.entries.length).toBeGreaterThan(0);
    const files = await cacheFiles();
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(/\.v8$/);
  });

  it('loads without a cache when the cache folder cannot be written', async () => {
    if (process.getuid?.() === 0) {
      // root writes anywhere: point the cache at a regular file instead (mkdir fails the same way).
      const blocked = join(cacheDir, 'not-a-dir');
      await writeFile(blocked, 'x');
      const base = await loadKnowledge(kb.dir, { cacheDir: join(blocked, 'cache') });
      expect(base.entries.length).toBeGreaterThan(0);
      return;
    }
    await chmod(cacheDir, 0o500);
    const base = await loadKnowledge(kb.dir, { cacheDir: join(cacheDir, 'cache') });
    expect(base.entries.length).toBeGreaterThan(0);
  });
});
