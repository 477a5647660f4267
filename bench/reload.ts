// Reload latency: questions served in process at a steady rate (through bot.handle, memory stores) while the
// knowledge is reloaded, at the shipped knowledge (~150 entries) and at synthetic knowledge of ~1,500 entries
// (the shipped entries perturbed: new ids, titles, questions and names, so every copy is valid and distinct).
// For each size it reloads once with the build on the main thread (the behaviour before issue 12) and once in the
// worker thread (today's default), and prints the worst question latency during the reload and the reload time.
// Latency counts from when a question was due, so a frozen event loop shows up in full. Prints; asserts nothing.
//
//   npm run bench:reload                       (defaults: 20 questions/s, 3 reloads per mode)
//   BENCH_RATE=50 BENCH_RELOADS=5 BENCH_SIZES=150,1500,15000 BENCH_MODES=worker npm run bench:reload
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { createApp } from '../src/app.ts';
import { silentLogger } from '../src/base/index.ts';
import { loadConfig } from '../src/config.ts';
import type { Inbound } from '../src/core/inbound.ts';
import { checkKnowledge } from '../src/knowledge/load.ts';
import { ensureWordVectors } from '../src/retrieval/word-vectors.ts';

const ROOT = resolve(import.meta.dirname, '..');
const RATE = Number(process.env.BENCH_RATE ?? 20);
const RELOADS = Number(process.env.BENCH_RELOADS ?? 3);
const SIZES = (process.env.BENCH_SIZES ?? '150,1500').split(',').map(Number);
/** Which reload modes to run: `main` (the build on the event loop, before issue 12) and/or `worker` (today's). */
const MODES = (process.env.BENCH_MODES ?? 'main,worker').split(',');
const QUESTIONS = [
  'How do we version training data?',
  'What is MLOps?',
  'how do I monitor model drift in production',
  'Wie versioniere ich Trainingsdaten?',
  'which GPU cluster should I use for training',
  'who owns the sensor data?',
  'what is a feature store',
  'how do we roll back a bad model deployment',
];

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? (s[Math.min(s.length - 1, Math.floor(p * s.length))] as number) : Number.NaN;
};

function entryFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile() && d.name.endsWith('.md') && d.name.toLowerCase() !== 'readme.md')
    .map((d) => join(d.parentPath, d.name))
    .filter((p) => !relative(dir, p).startsWith('walkthroughs'));
}

/**
 * Copies the shipped knowledge and adds perturbed copies of every entry until there are about `target` entries.
 * Copy k of entry X is `X-s{k}`: its title, questions, aliases and unique names get a suffix (so duplicate checks
 * pass and no alias names two entries);
 * its references still point at the originals, which exist.
 */
export function syntheticKnowledge(target: number, into: string): number {
  cpSync(join(ROOT, 'knowledge'), into, { recursive: true });
  const files = entryFiles(into);
  const copies = Math.max(0, Math.ceil(target / files.length) - 1);
  for (const file of files) {
    const source = readFileSync(file, 'utf8');
    const id = basename(file, '.md');
    for (let k = 1; k <= copies; k++) {
      const end = source.indexOf('\n---', 4);
      const head = source.slice(0, end);
      const body = source.slice(end);
      let inList = '';
      const front = head
        .split('\n')
        .map((line) => {
          if (/^\S/.test(line)) inList = line.slice(0, line.indexOf(':'));
          if (line.startsWith('id: ')) return `id: ${id}-s${k}`;
          if (/^(title|term): /.test(line)) return line.replace(/"?\s*$/, (q) => ` s${k}${q}`);
          if (/^(option|name): /.test(line)) return `${line.trimEnd()}-s${k}`;
          if (inList === 'questions' && /^\s+- /.test(line))
            return line.replace(/"?\s*$/, (q) => ` (variant ${k})${q}`);
          // An alias names one entry (kb check warns otherwise: 40,000 warnings at 15,000 entries).
          if (inList === 'aliases' && /^\s+- /.test(line)) return line.replace(/"?\s*$/, (q) => ` s${k}${q}`);
          return line;
        })
        .join('\n');
      writeFileSync(join(dirname(file), `${id}-s${k}.md`), `${front}${body.replace(/\b(the|a) /, `$1 s${k} `)}`);
    }
  }
  return files.length * (copies + 1);
}

interface Run {
  reloadMs: number;
  worstDuringMs: number;
  p50DuringMs: number;
  questionsDuring: number;
  baselineP50Ms: number;
  ok: boolean;
}

async function measure(knowledgeDir: string, dataDir: string, offThread: boolean): Promise<Run[]> {
  const config = loadConfig(
    {
      KNOWLEDGE_DIR: knowledgeDir,
      DATA_DIR: dataDir,
      KNOWLEDGE_WATCH: 'false',
      LOG_LEVEL: 'silent',
      RATE_LIMIT_PER_MINUTE: '0',
    },
    ROOT,
  );
  const app = await createApp(config, { storage: 'memory', logger: silentLogger, reloadOffThread: offThread });
  let n = 0;
  const ask = (): Inbound => {
    n++;
    return {
      kind: 'message',
      user: { platform: 'test', id: `U${n % 97}` },
      conversation: { platform: 'test', id: `D${n % 97}`, isDirect: true },
      text: QUESTIONS[n % QUESTIONS.length] as string,
    };
  };
  for (let i = 0; i < 40; i++) await app.bot.handle(ask());

  const runs: Run[] = [];
  const marker = entryFiles(knowledgeDir).sort()[0] as string;
  const original = readFileSync(marker, 'utf8');
  for (let r = 0; r < RELOADS; r++) {
    // Questions due every 1/RATE s from t0; each latency counts from its due time, not from when a late timer fired.
    const samples: { due: number; ms: number }[] = [];
    const period = 1000 / RATE;
    const t0 = performance.now();
    let stop = false;
    const pending: Promise<void>[] = [];
    const loop = (async () => {
      for (let i = 0; !stop; i++) {
        const due = t0 + i * period;
        const wait = due - performance.now();
        if (wait > 0) await new Promise((res) => setTimeout(res, wait));
        pending.push(
          app.bot.handle(ask()).then(() => {
            samples.push({ due, ms: performance.now() - due });
          }),
        );
      }
    })();
    await new Promise((res) => setTimeout(res, 1000));
    // A real change (a new paragraph at the end of one entry), so every reload rebuilds the index.
    writeFileSync(marker, `${original.trimEnd()}\n\nReload marker ${r} (${Date.now()}).\n`);
    const from = performance.now();
    const result = await app.runtime.reload();
    const to = performance.now();
    await new Promise((res) => setTimeout(res, 500));
    stop = true;
    await loop;
    await Promise.all(pending);
    const during = samples.filter((s) => s.due + s.ms >= from && s.due <= to).map((s) => s.ms);
    const before = samples.filter((s) => s.due + s.ms < from).map((s) => s.ms);
    runs.push({
      reloadMs: to - from,
      worstDuringMs: Math.max(0, ...during),
      p50DuringMs: pct(during, 0.5),
      questionsDuring: during.length,
      baselineP50Ms: pct(before, 0.5),
      ok: result.ok,
    });
  }
  writeFileSync(marker, original);
  await app.close();
  return runs;
}

const fmt = (x: number) => (Number.isFinite(x) ? x.toFixed(0).padStart(6) : '     –');

// Run as a script; importing the module (to reuse syntheticKnowledge) runs nothing.
if (import.meta.main) await main();

async function main(): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), 'mlops-guide-bench-reload-'));
  try {
    const dataDir = join(root, 'data');
    mkdirSync(dataDir, { recursive: true });
    // The vectors converted once (slow, ~10 s) are kept in .cache/ and copied into each run's DATA_DIR.
    const cache = join(ROOT, '.cache', 'bench-data');
    ensureWordVectors(cache, silentLogger);
    cpSync(join(cache, 'vectors'), join(dataDir, 'vectors'), { recursive: true });

    console.log(
      `reload benchmark: ${RATE} questions/s through bot.handle during ${RELOADS} reloads per mode; ` +
        `${cpus().length} cores (${cpus()[0]?.model ?? 'unknown'}), Node ${process.version}, ${new Date().toISOString()}`,
    );
    console.log(
      'entries  mode          reload ms (each)        worst q ms (each)       p50 q during  p50 q before  ok',
    );
    for (const size of SIZES) {
      const knowledgeDir = join(root, `knowledge-${size}`);
      const entries = syntheticKnowledge(size, knowledgeDir);
      const check = await checkKnowledge(knowledgeDir);
      const errors = check.problems.filter((p) => p.severity === 'error');
      if (errors.length > 0) {
        console.log(`${entries} entries: synthetic knowledge has ${errors.length} errors, e.g. ${errors[0]?.message}`);
        continue;
      }
      rmSync(join(dataDir, 'index'), { recursive: true, force: true });
      for (const offThread of [false, true].filter((t) => MODES.includes(t ? 'worker' : 'main'))) {
        const runs = await measure(knowledgeDir, dataDir, offThread);
        console.log(
          `${String(check.entries.length).padStart(7)}  ${(offThread ? 'worker (now)' : 'main (before)').padEnd(13)} ` +
            `${runs.map((r) => fmt(r.reloadMs)).join('')}    ${runs.map((r) => fmt(r.worstDuringMs)).join('')}    ` +
            `${fmt(
              pct(
                runs.map((r) => r.p50DuringMs),
                0.5,
              ),
            )}        ${fmt(
              pct(
                runs.map((r) => r.baselineP50Ms),
                0.5,
              ),
            )}     ` +
            `${runs.every((r) => r.ok) ? 'yes' : 'NO'}`,
        );
      }
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
