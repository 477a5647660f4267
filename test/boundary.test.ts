// The core never imports a platform SDK or HTTP framework: Slack and Teams code stays in adapters/, express in
// src/server.ts (server wiring). Checked on the import specifiers of every file under src/.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
const src = join(root, 'src');

const FORBIDDEN = [/^@slack\//, /^botbuilder/, /^botframework/, /^express(\/|$)/];
const ALLOWED: Record<string, RegExp[]> = { 'src/server.ts': [/^express(\/|$)/] };

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
});
