// The CLI as a user runs it: `mlops-guide ask|chat|kb gaps|<unknown>`, output captured through CliIo.

import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runChat } from '../../src/cli/chat.ts';
import type { CliIo } from '../../src/cli/io.ts';
import { main } from '../../src/cli/main.ts';
import { consoleUrl } from '../../src/cli/serve.ts';
import { tryOutEnv } from '../../src/cli/start.ts';
import { loadConfig } from '../../src/config.ts';
import { createSqliteEventStore } from '../../src/store/events-sqlite.ts';
import { type TempDirs, tempDirs } from '../helpers/app.ts';

function capture(): CliIo & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { stdout, stderr, out: (t) => stdout.push(t), err: (t) => stderr.push(t) };
}

let dirs: TempDirs;
let env: NodeJS.ProcessEnv;
beforeAll(() => {
  dirs = tempDirs();
  env = { KNOWLEDGE_DIR: dirs.knowledgeDir, DATA_DIR: dirs.dataDir, LOG_LEVEL: 'silent' };
});
afterAll(() => dirs.cleanup());

describe('mlops-guide (CLI)', () => {
  it('prints usage for help and exits 2 on an unknown command', async () => {
    const io = capture();
    expect(await main(['help'], io, env)).toBe(0);
    expect(io.stdout.join('')).toContain('ask --file Q.jsonl --json');
    const bad = capture();
    expect(await main(['frobnicate'], bad, env)).toBe(2);
    expect(bad.stderr.join('')).toContain('Unknown command "frobnicate"');
  });

  it('kb build leaves the parsed knowledge in DATA_DIR/cache, so the first start after it does not parse again', async () => {
    const io = capture();
    expect(await main(['kb', 'build'], io, env)).toBe(0);
    expect(readdirSync(join(dirs.dataDir, 'cache')).some((f) => /^knowledge-[0-9a-f]+\.v8$/.test(f))).toBe(true);
  });

  it('refuses an invalid configuration with the list of problems', async () => {
    const io = capture();
    expect(await main(['ask', 'hi'], io, { ...env, PORT: 'many', LLM_PROVIDER: 'ollama' })).toBe(2);
    expect(io.stderr.join('')).toMatch(/PORT/);
  });

  it('ask: empty question → usage and exit 2; too long → the limit, exit 2', async () => {
    const empty = capture();
    expect(await main(['ask', '   '], empty, env)).toBe(2);
    expect(empty.stderr.join('')).toMatch(/usage: mlops-guide ask/);
    const long = capture();
    expect(await main(['ask', 'x'.repeat(4001)], long, env)).toBe(2);
    expect(long.stderr.join('')).toMatch(/limit is 4000/);
  });

  it('ask --json answers with sources and suggestions; off-topic questions abstain', async () => {
    const io = capture();
    expect(await main(['ask', '--json', 'Who owns the coating chamber logs and how do I get access?'], io, env)).toBe(
      0,
    );
    const answer = JSON.parse(io.stdout[0] as string);
    expect(answer).toMatchObject({ abstained: false });
    expect(answer.sources[0]).toMatchObject({ id: expect.stringMatching(/^dataset-coating/), type: 'dataset' });
    expect(answer.suggestions.some((s: { id: string }) => s.id === 'data-owner')).toBe(true);
    expect(answer.confidence).toBeGreaterThan(0);
    expect(answer.confidence).toBeLessThanOrEqual(1);
    expect(typeof answer.latencyMs).toBe('number');

    const off = capture();
    await main(['ask', '--json', 'Which pizza place near the office is best?'], off, env);
    expect(JSON.parse(off.stdout[0] as string)).toMatchObject({ abstained: true, sources: [] });
  });

  it('ask --file reads one case a line, skips broken lines with a message, keeps going', async () => {
    const file = join(dirs.root, 'q.jsonl');
    writeFileSync(
      file,
      [
        JSON.stringify({ id: 'a', question: 'What is MLOps?', expect: [['devops']] }),
        '{not json',
        JSON.stringify({ id: 'b', question: '' }),
        JSON.stringify({ id: 'c', question: '<!channel> what is data drift? \u{1F600}' }),
      ].join('\n'),
    );
    const io = capture();
    expect(await main(['ask', '--file', file, '--json'], io, env)).toBe(0);
    const lines = io.stdout.map((l) => JSON.parse(l));
    expect(lines.map((l) => l.id)).toEqual(['a', 'b', 'c']);
    expect(lines[0].answer).toMatch(/DevOps/);
    expect(lines[1].error).toBe('input_invalid');
    expect(lines[2].abstained).toBe(false);
    expect(io.stderr.join('')).toMatch(/q\.jsonl:2: skipped/);
    const missing = capture();
    expect(await main(['ask', '--file', join(dirs.root, 'nope.jsonl')], missing, env)).toBe(2);
  });

  it('ask --file answers a line with `history` as the next message of that conversation', async () => {
    const file = join(dirs.root, 'followups.jsonl');
    writeFileSync(
      file,
      [
        JSON.stringify({
          id: 'f1',
          history: ['who owns the coating chamber logs?'],
          question: 'how do I get access to it?',
        }),
        JSON.stringify({ id: 'f2', question: 'how do I get access to it?' }),
        JSON.stringify({ id: 'f3', history: 'not a list', question: 'x' }),
      ].join('\n'),
    );
    const io = capture();
    expect(await main(['ask', '--file', file, '--json'], io, env)).toBe(0);
    const [withHistory, without] = io.stdout.map((l) => JSON.parse(l));
    expect(withHistory).toMatchObject({ id: 'f1', abstained: false, followUp: true });
    expect(withHistory.sources[0].id).toBe('dataset-coating-chamber-logs');
    expect(without.id).toBe('f2');
    expect(without.sources[0]?.id).not.toBe('dataset-coating-chamber-logs');
    expect(io.stderr.join('')).toMatch(/followups\.jsonl:3: skipped: "history" must be a list of strings/);
  });

  it('names the fix when DATA_DIR is not a writable directory', async () => {
    const file = join(dirs.root, 'not-a-dir');
    writeFileSync(file, 'x');
    const io = capture();
    expect(await main(['ask', 'What is data drift?'], io, { ...env, DATA_DIR: file })).toBe(1);
    expect(io.stderr.join('')).toMatch(/Set DATA_DIR to a directory the bot can write to/);
  });

  it('kb gaps prints grouped gaps from the store', async () => {
    const events = createSqliteEventStore(join(dirs.dataDir, 'state', 'events.sqlite'));
    for (const text of ['Where is the canteen menu?', 'where is the canteen menu', 'How do I book a parking spot?']) {
      await events.record({
        type: 'question',
        at: Date.now(),
        platform: 'slack',
        userHash: 'h',
        text,
        answerId: text,
        abstained: true,
        confidence: 0,
      });
    }
    await events.close();
    const io = capture();
    expect(await main(['kb', 'gaps'], io, env)).toBe(0);
    const out = io.stdout.join('\n');
    expect(out).toMatch(/canteen menu/i);
    expect(out).toMatch(/2/);
    expect(out.indexOf('canteen')).toBeLessThan(out.indexOf('parking'));

    // The same groups as JSON, as the console's export gives them.
    const json = capture();
    expect(await main(['kb', 'gaps', '--json'], json, env)).toBe(0);
    const { groups } = JSON.parse(json.stdout.join('')) as { groups: { kind: string; count: number; id: string }[] };
    expect(groups[0]).toMatchObject({ kind: 'unanswered', count: 2 });
    expect(groups[0]?.id).toMatch(/^[0-9a-f]{12}$/);
    expect(await main(['kb', 'gaps', '--csv'], capture(), env)).toBe(2);
  });

  it('admin stats [--json] reports usage and the entries never used; admin gaps --json the gap groups', async () => {
    const io = capture();
    expect(await main(['admin', 'stats', '--json'], io, env)).toBe(0);
    const report = JSON.parse(io.stdout.join('')) as {
      usage: { questions: number };
      entries: { neverUsed: { id: string }[]; topics: unknown[] };
    };
    expect(report.usage.questions).toBeGreaterThanOrEqual(3);
    expect(report.entries.neverUsed.length).toBeGreaterThan(100);
    const text = capture();
    expect(await main(['admin', 'stats'], text, env)).toBe(0);
    expect(text.stdout.join('')).toContain('**Usage**');
    const gaps = capture();
    expect(await main(['admin', 'gaps', '--json'], gaps, env)).toBe(0);
    expect(JSON.parse(gaps.stdout.join('')).groups.length).toBeGreaterThan(0);
    const bad = capture();
    expect(await main(['admin', 'reload'], bad, env)).toBe(2);
    expect(bad.stderr.join('')).toContain('unknown admin command "reload"');
  });
});

describe('mlops-guide start (the try-out, nothing configured)', () => {
  it('serves the web console on loopback with the local user as maintainer, filling only what is unset', () => {
    const config = loadConfig(tryOutEnv({}));
    expect(config.console.enabled).toBe(true);
    expect(config.host).toBe('127.0.0.1');
    expect(config.maintainers).toEqual([{ platform: 'console', userId: 'local' }]);
    expect(consoleUrl(config, 3978)).toBe('http://127.0.0.1:3978/console');
    const own = loadConfig(tryOutEnv({ CONSOLE_ENABLED: 'false', HOST: '0.0.0.0', MAINTAINERS: 'slack:U1' }));
    expect(own.console.enabled).toBe(false);
    expect(own.maintainers).toEqual([{ platform: 'slack', userId: 'U1' }]);
    expect(consoleUrl(own, 8080)).toBe('http://127.0.0.1:8080/console');
  });
});

describe('mlops-guide chat', () => {
  const chat = async (lines: string[], dataDir = dirs.dataDir) => {
    const io = capture();
    const code = await runChat(
      [],
      io,
      { ...env, DATA_DIR: dataDir },
      { input: Readable.from(lines.map((l) => `${l}\n`)), echo: true },
    );
    return { code, text: io.stdout.join('\n') };
  };

  it('runs the infrastructure walkthrough end to end with numbers and free text', async () => {
    const { code, text } = await chat(['infra', 'public', 'yes', '1', 'none', 'no', 'little', 'api', 'quit']);
    expect(code).toBe(0);
    expect(text).toMatch(/How is the data you will train on classified\?/);
    expect(text).toMatch(/Recommendation: Cloud ML platform/);
    expect(text).toMatch(/Decision record/);
  });

  it('runs the data-owner walkthrough to an access request draft', async () => {
    const { text } = await chat([
      'data-owner',
      'interferometer measurements',
      '1',
      'Train a surface-error model',
      '6 months',
      'central on-prem platform',
      'quit',
    ]);
    expect(text).toMatch(/Business owner/i);
    expect(text).toMatch(/Access request/);
    expect(text).toMatch(/Train a surface-error model/);
  });

  it('continues a walkthrough after a restart (state in SQLite under DATA_DIR)', async () => {
    const first = await chat(['infra', 'confidential', 'quit']);
    expect(first.text).toMatch(/outside the premises/);
    const second = await chat(['no', 'no', 'at the machine', 'none', 'yes', 'some', 'api', 'quit']);
    expect(second.text).toMatch(/Recommendation: Sidecar/);
  });
});
