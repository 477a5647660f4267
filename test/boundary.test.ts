// The core never imports a platform SDK or HTTP framework: Slack and Teams code stays in adapters/, express in
// src/server.ts (server wiring). Nothing under src/ reaches into adapters/ by a relative path either (the serve
// command, which wires the channels, aside), and src/ has no import cycle. Checked on the import specifiers of
// every file under src/.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
const src = join(root, 'src');

const FORBIDDEN = [/^@slack\//, /^botbuilder/, /^botframework/, /^express(\/|$)/];
const ALLOWED: Record<string, RegExp[]> = { 'src/server.ts': [/^express(\/|$)/] };

/** Files under src/ that may import an adapter: the wiring of the channels, and only through its index.ts. */
const ADAPTER_WIRING: Record<string, RegExp> = { 'src/cli/serve.ts': /^adapters\/(slack|teams|web)\/index\.ts$/ };

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(path);
    return /\.(ts|mts|cts|js|mjs|cjs)$/.test(e.name) ? [path] : [];
  });
}

/** Every module specifier: static imports/exports (incl. `import type`), dynamic import(), require(). */
function importSpecifiers(code: string): string[] {
  const specs: string[] = [];
  const patterns = [
    /\b(?:import|export)\b[^'"`;]*?\bfrom\s*['"]([^'"]+)['"]/g,
    /\bimport\s*['"]([^'"]+)['"]/g,
    /\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g,
    /\brequire\s*\(\s*['"]([^'"]+)['"]\s*\)/g,
  ];
  for (const p of patterns) for (const m of code.matchAll(p)) if (m[1]) specs.push(m[1]);
  return specs;
}

const posix = (path: string): string => path.split('\\').join('/');

/** Relative imports of adapters/ from files under `<base>/src`, except the allowed wiring. */
function adapterImports(base: string): string[] {
  const violations: string[] = [];
  for (const file of sourceFiles(join(base, 'src'))) {
    const rel = posix(relative(base, file));
    for (const spec of importSpecifiers(readFileSync(file, 'utf8'))) {
      if (!spec.startsWith('.')) continue;
      const target = posix(relative(base, resolve(dirname(file), spec)));
      if (!target.startsWith('adapters/')) continue;
      if (ADAPTER_WIRING[rel]?.test(target)) continue;
      violations.push(`${rel} imports ${target}`);
    }
  }
  return violations;
}

/** The import graph of the files under `dir`: each file → the files under `dir` it imports by a relative path. */
function importGraph(dir: string): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of sourceFiles(dir)) {
    const targets = importSpecifiers(readFileSync(file, 'utf8'))
      .filter((spec) => spec.startsWith('.'))
      .map((spec) => resolve(dirname(file), spec))
      .filter((target) => target.startsWith(dir) && existsSync(target));
    graph.set(file, [...new Set(targets)]);
  }
  return graph;
}

/**
 * Every cycle a depth-first search meets, as the path that closes it (a → b → a). Type-only imports count too:
 * a cycle of types still means two modules that cannot be understood (or moved) one without the other.
 */
function importCycles(graph: Map<string, string[]>): string[][] {
  const cycles: string[][] = [];
  const done = new Set<string>();
  const path: string[] = [];
  const onPath = new Set<string>();
  const visit = (node: string): void => {
    if (done.has(node)) return;
    if (onPath.has(node)) {
      cycles.push([...path.slice(path.indexOf(node)), node]);
      return;
    }
    onPath.add(node);
    path.push(node);
    for (const next of graph.get(node) ?? []) visit(next);
    path.pop();
    onPath.delete(node);
    done.add(node);
  };
  for (const node of graph.keys()) visit(node);
  return cycles;
}

const cyclesUnder = (dir: string): string[] =>
  importCycles(importGraph(dir)).map((cycle) => cycle.map((f) => posix(relative(dir, f))).join(' → '));

describe('architecture boundary', () => {
  it('finds the import specifiers it is meant to check', () => {
    const code = [
      "import { App } from '@slack/bolt';",
      "import type { Request } from 'express';",
      "export * from 'botbuilder-core';",
      "const m = await import('botbuilder');",
      "const x = require('@slack/web-api');",
      "import 'express/lib/router';",
    ].join('\n');
    expect(importSpecifiers(code)).toEqual(
      expect.arrayContaining([
        '@slack/bolt',
        'express',
        'botbuilder-core',
        'botbuilder',
        '@slack/web-api',
        'express/lib/router',
      ]),
    );
  });

  it('nothing under src/ imports @slack/*, botbuilder* or express (src/server.ts may import express)', () => {
    const violations: string[] = [];
    const files = sourceFiles(src);
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) {
      const rel = relative(root, file).split('\\').join('/');
      const allowed = ALLOWED[rel] ?? [];
      for (const spec of importSpecifiers(readFileSync(file, 'utf8'))) {
        if (FORBIDDEN.some((f) => f.test(spec)) && !allowed.some((a) => a.test(spec))) {
          violations.push(`${rel} imports ${spec}`);
        }
      }
    }
    expect(violations).toEqual([]);
  });

  it('nothing under src/ imports adapters/ by a relative path (src/cli/serve.ts wires the channels)', () => {
    expect(adapterImports(root)).toEqual([]);
  });

  it('the web console adapter (adapters/web) is reached from src/ only by the serve wiring, through its index.ts', () => {
    const users = sourceFiles(src).filter((file) =>
      importSpecifiers(readFileSync(file, 'utf8')).some((spec) => /adapters\/web\//.test(spec)),
    );
    expect(users.map((f) => posix(relative(root, f)))).toEqual(['src/cli/serve.ts']);
    // ...and the adapter itself never imports express outside its own folder's wiring, nor Slack or Teams code.
    for (const file of sourceFiles(join(root, 'adapters/web'))) {
      for (const spec of importSpecifiers(readFileSync(file, 'utf8'))) {
        expect(spec, posix(relative(root, file))).not.toMatch(
          /^@slack\/|^botbuilder|adapters\/(slack|teams)|\.\.\/(slack|teams)\//,
        );
      }
    }
  });

  it('the layers below the core do not reach up: base imports nothing of the project; knowledge, store and retrieval not core/', () => {
    const below: Record<string, RegExp> = {
      'src/base/': /^src\//,
      'src/knowledge/': /^src\/core\//,
      'src/store/': /^src\/core\//,
      'src/retrieval/': /^src\/core\//,
    };
    const violations: string[] = [];
    for (const file of sourceFiles(src)) {
      const rel = posix(relative(root, file));
      const [layer, forbidden] = Object.entries(below).find(([dir]) => rel.startsWith(dir)) ?? [];
      if (!layer || !forbidden) continue;
      for (const spec of importSpecifiers(readFileSync(file, 'utf8'))) {
        if (!spec.startsWith('.')) continue;
        const target = posix(relative(root, resolve(dirname(file), spec)));
        if (target.startsWith(layer)) continue;
        if (forbidden.test(target)) {
          violations.push(`${rel} imports ${target}`);
        }
      }
    }
    expect(violations).toEqual([]);
  });

  it('src/ has no import cycle', () => {
    expect(cyclesUnder(src)).toEqual([]);
  });

  describe('on a planted tree, the checks catch what they are for', () => {
    let dir: string | undefined;
    afterEach(() => {
      if (dir) rmSync(dir, { recursive: true, force: true });
      dir = undefined;
    });
    const plant = (files: Record<string, string>): string => {
      dir = mkdtempSync(join(tmpdir(), 'boundary-'));
      for (const [path, code] of Object.entries(files)) {
        mkdirSync(dirname(join(dir, path)), { recursive: true });
        writeFileSync(join(dir, path), code);
      }
      return dir;
    };

    it('a relative import of adapters/ from src/core fails; the serve wiring through index.ts passes', () => {
      const base = plant({
        'src/core/bot.ts': "import { replyToBlockKit } from '../../adapters/slack/render.ts';\n",
        'src/cli/serve.ts': "const { createSlackChannel } = await import('../../adapters/slack/index.ts');\n",
        'adapters/slack/render.ts': 'export const replyToBlockKit = 1;\n',
        'adapters/slack/index.ts': 'export const createSlackChannel = 1;\n',
      });
      expect(adapterImports(base)).toEqual(['src/core/bot.ts imports adapters/slack/render.ts']);
    });

    it('the web adapter: its renderer imported from src/ fails, the console wiring through index.ts passes', () => {
      const base = plant({
        'src/cli/chat.ts': "import { replyToHtml } from '../../adapters/web/render.ts';\n",
        'src/answer/reply.ts': "import type { HtmlOptions } from '../../adapters/web/index.ts';\n",
        'src/cli/serve.ts': "const { createWebChannel } = await import('../../adapters/web/index.ts');\n",
        'adapters/web/render.ts': 'export const replyToHtml = 1;\n',
        'adapters/web/index.ts': 'export const createWebChannel = 1;\n',
      });
      expect(adapterImports(base).sort()).toEqual([
        'src/answer/reply.ts imports adapters/web/index.ts',
        'src/cli/chat.ts imports adapters/web/render.ts',
      ]);
    });

    it('an import cycle fails, however long and whether or not its imports are type-only', () => {
      const base = plant({
        'flows/engine.ts': "import { buildResult } from './results.ts';\n",
        'flows/results.ts': "import type { FlowState } from './state.ts';\n",
        'flows/state.ts': "import { advance } from './engine.ts';\n",
        'base/text.ts': 'export const t = 1;\n',
        'core/bot.ts': "import { t } from '../base/text.ts';\nimport { advance } from '../flows/engine.ts';\n",
      });
      expect(cyclesUnder(base)).toEqual(['flows/engine.ts → flows/results.ts → flows/state.ts → flows/engine.ts']);
      expect(cyclesUnder(join(base, 'base'))).toEqual([]);
    });
  });
});
