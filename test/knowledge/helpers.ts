// Shared by the knowledge tests: a temp copy of the good fixture to break, and a CliIo that captures output.
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CliIo } from '../../src/cli/io.ts';

export const GOOD = fileURLToPath(new URL('../fixtures/knowledge-good/', import.meta.url));

export interface TempKb {
  dir: string;
  /** Replaces `from` by `to` in a file (relative path); fails the test if `from` isn't there. */
  edit(file: string, from: string | RegExp, to: string): Promise<void>;
  write(file: string, content: string): Promise<void>;
  read(file: string): Promise<string>;
  remove(): Promise<void>;
}

export async function copyGood(): Promise<TempKb> {
  const root = await mkdtemp(join(tmpdir(), 'kb-'));
  const dir = join(root, 'knowledge');
  await cp(GOOD, dir, { recursive: true });
  return {
    dir,
    async edit(file, from, to) {
      const path = join(dir, file);
      const text = await readFile(path, 'utf8');
      const next = text.replace(from, to);
      if (next === text) throw new Error(`fixture edit did not match in ${file}: ${String(from)}`);
      await writeFile(path, next);
    },
    write: async (file, content) => {
      await mkdir(dirname(join(dir, file)), { recursive: true });
      await writeFile(join(dir, file), content);
    },
    read: (file) => readFile(join(dir, file), 'utf8'),
    remove: () => rm(root, { recursive: true, force: true }),
  };
}

export function captureIo(): CliIo & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return {
    stdout,
    stderr,
    out: (text) => stdout.push(...text.replace(/\n$/, '').split('\n')),
    err: (text) => stderr.push(...text.replace(/\n$/, '').split('\n')),
  };
}
