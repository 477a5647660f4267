// Scale with the knowledge (issue 12): synthetic knowledge at 150 / 1,500 / 15,000 / 50,000 entries (the shipped
// entries perturbed, as in bench/reload.ts: new ids, titles, questions and names, so every copy passes `kb check`),
// and per size: the index build (`kb build`), start-up from DATA_DIR (the first start after `kb build`, and a
// second one; `kb build` leaves the parsed knowledge in DATA_DIR/cache, so both read it from there), RSS, and
// answer p50/p95 through the full path (`bot.handle`, memory stores, rendering) over the dev set's questions.
// Every phase runs in its own child process, so RSS and start-up are each phase's own; a phase that runs past
// --timeout-min is killed and reported. Prints; asserts nothing.
//
//   npm run bench:scale                                  (150,1500,15000,50000)
//   npm run bench:scale -- --sizes 150,1500 [--questions 300] [--timeout-min 10] [--cpu-prof]
//
// --cpu-prof writes a V8 CPU profile of each phase into .cache/bench-scale-prof/ (open in Chrome DevTools).
import { spawn } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

const ROOT = resolve(import.meta.dirname, '..');

interface PhaseResult {
  phase: string;
  /** Wall time of the phase's work, counted from the child's process start (Node boot and imports included). */
  ms: number;
  /** Peak RSS of the child (MB). */
  maxRssMb: number;
  /** RSS after start-up, before any question (serve phases, MB). */
  rssAfterStartMb?: number;
  heapUsedMb?: number;
  entries?: number;
  answerP50Ms?: number;
  answerP95Ms?: number;
  answerMaxMs?: number;
  questions?: number;
}

const mb = (bytes: number) => Math.round(bytes / 1024 / 1024);

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? (s[Math.min(s.length - 1, Math.floor(p * s.length))] as number) : Number.NaN;
};

/** The child: one phase, one JSON line on stdout (prefixed, so stray output cannot be mistaken for it). */
async function runPhase(phase: string, knowledgeDir: string, dataDir: string, questions: number): Promise<void> {
  const { loadConfig } = await import('../src/config.ts');
  const { silentLogger } = await import('../src/base/index.ts');
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
  const report = (r: Omit<PhaseResult, 'phase' | 'maxRssMb'>) => {
    const line: PhaseResult = { phase, ...r, maxRssMb: Math.round(process.resourceUsage().maxRSS / 1024) };
    process.stdout.write(`@@scale ${JSON.stringify(line)}\n`);
  };
  if (phase === 'build') {
    // What `kb build` does (src/cli/kb-build.ts): parse and check the knowledge (kept in DATA_DIR/cache, as the
    // CLI does), build the lexical index and the vectors, write index/.
    const { loadKnowledge } = await import('../src/knowledge/load.ts');
    const { buildIndex } = await import('../src/retrieval/index-store.ts');
    const kb = await loadKnowledge(config.knowledgeDir, {
      logger: silentLogger,
      cacheDir: join(config.dataDir, 'cache'),
    });
    await buildIndex(kb, config, { logger: silentLogger });
    report({ ms: performance.now(), entries: kb.entries.length });
    return;
  }
  // serve: what `serve` loads (the knowledge, the index from DATA_DIR, the word vectors), with memory stores.
  const { createApp } = await import('../src/app.ts');
  const { readCases, TEST_FILES, TUNING_FILES } = await import('./lib.ts');
  const app = await createApp(config, { storage: 'memory', logger: silentLogger });
  const startMs = performance.now();
  const rssAfterStart = process.memoryUsage().rss;
  const entries = app.runtime.current().kb.entries.length;
  // The question mix users send: the dev set's questions (both halves, English and German, out of scope included).
  const mix = readCases([...TEST_FILES, ...TUNING_FILES].map((f) => join(ROOT, f))).map((c) => c.question);
  let n = 0;
  const ask = async () => {
    const text = mix[n % mix.length] as string;
    n++;
    const t = performance.now();
    await app.bot.handle({
      kind: 'message',
      user: { platform: 'test', id: `U${n % 97}` },
      conversation: { platform: 'test', id: `D${n}`, isDirect: true },
      text,
    });
    return performance.now() - t;
  };
  for (let i = 0; i < 20; i++) await ask();
  const times: number[] = [];
  for (let i = 0; i < questions; i++) times.push(await ask());
  await app.close();
  report({
    ms: startMs,
    rssAfterStartMb: mb(rssAfterStart),
    heapUsedMb: mb(process.memoryUsage().heapUsed),
    entries,
    answerP50Ms: pct(times, 0.5),
    answerP95Ms: pct(times, 0.95),
    answerMaxMs: Math.max(...times),
    questions: times.length,
  });
}

/** Runs one phase in a child; undefined when it failed or was killed at the timeout (the reason is printed). */
function child(
  args: string[],
  timeoutMs: number,
  profDir: string | undefined,
): Promise<PhaseResult | { failed: string }> {
  const nodeArgs = profDir ? ['--cpu-prof', `--cpu-prof-dir=${profDir}`] : [];
  return new Promise((done) => {
    const p = spawn(process.execPath, [...nodeArgs, import.meta.filename, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    p.stdout.on('data', (d) => {
      out += d;
    });
    p.stderr.on('data', (d) => {
      err += d;
    });
    const timer = setTimeout(() => p.kill('SIGKILL'), timeoutMs);
    p.on('exit', (code, signal) => {
      clearTimeout(timer);
      const line = out.split('\n').find((l) => l.startsWith('@@scale '));
      if (line) done(JSON.parse(line.slice(8)) as PhaseResult);
      else if (signal === 'SIGKILL') done({ failed: `killed after ${timeoutMs / 60_000} min` });
      else done({ failed: `exit ${code ?? signal}: ${err.trim().split('\n').slice(-3).join(' | ')}` });
    });
  });
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      sizes: { type: 'string', default: '150,1500,15000,50000' },
      questions: { type: 'string', default: '300' },
      'timeout-min': { type: 'string', default: '10' },
      'cpu-prof': { type: 'boolean', default: false },
      'keep-going': { type: 'boolean', default: false },
    },
  });
  const sizes = values.sizes.split(',').map((s) => Number(s.replace(/_/g, '')));
  const timeoutMs = Number(values['timeout-min']) * 60_000;
  const profDir = values['cpu-prof'] ? join(ROOT, '.cache', 'bench-scale-prof') : undefined;
  if (profDir) mkdirSync(profDir, { recursive: true });

  const { syntheticKnowledge } = await import('./reload.ts');
  const { ensureWordVectors } = await import('../src/retrieval/word-vectors.ts');
  const { silentLogger } = await import('../src/base/index.ts');
  // The vectors converted once (slow) are kept in .cache/ and copied into each size's DATA_DIR.
  const cache = join(ROOT, '.cache', 'bench-data');
  ensureWordVectors(cache, silentLogger);

  console.log(
    `scale benchmark: ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown'}), ${mb(totalmem())} MB RAM, ` +
      `Node ${process.version}, ${new Date().toISOString()}; answers through bot.handle (memory stores), ` +
      `${values.questions} dev-set questions after 20 warm-up; each phase a child process (times include Node's start)`,
  );
  console.log(
    'entries  build s  build peak MB  start s (first)  start s (again)   RSS after start MB  peak RSS MB  answer p50 ms  p95 ms  max ms',
  );
  const root = mkdtempSync(join(tmpdir(), 'mlops-guide-bench-scale-'));
  try {
    for (const size of sizes) {
      const knowledgeDir = join(root, `knowledge-${size}`);
      const dataDir = join(root, `data-${size}`);
      const made = syntheticKnowledge(size, knowledgeDir);
      cpSync(join(cache, 'vectors'), join(dataDir, 'vectors'), { recursive: true });
      const dirs = ['--knowledge', knowledgeDir, '--data', dataDir, '--questions', values.questions];
      const build = await child(['--phase', 'build', ...dirs], timeoutMs, profDir);
      if ('failed' in build) {
        console.log(`${String(made).padStart(7)}  build ${build.failed}`);
        rmSync(knowledgeDir, { recursive: true, force: true });
        rmSync(dataDir, { recursive: true, force: true });
        if (!values['keep-going']) break;
        continue;
      }
      const first = await child(['--phase', 'serve', ...dirs], timeoutMs, profDir);
      const cached = 'failed' in first ? first : await child(['--phase', 'serve', ...dirs], timeoutMs, profDir);
      const s = (ms: number | undefined) => (ms === undefined ? '–' : (ms / 1000).toFixed(1));
      const f = (x: number | undefined, d = 1) => (x === undefined ? '–' : x.toFixed(d));
      const row = [
        String(build.entries ?? made).padStart(7),
        s(build.ms).padStart(7),
        String(build.maxRssMb).padStart(13),
        ('failed' in first ? first.failed : s(first.ms)).padStart(15),
        ('failed' in cached ? cached.failed : s(cached.ms)).padStart(16),
      ];
      if (!('failed' in cached)) {
        row.push(
          String(cached.rssAfterStartMb).padStart(18),
          String(Math.max(cached.maxRssMb, 'failed' in first ? 0 : first.maxRssMb)).padStart(11),
          f(cached.answerP50Ms).padStart(13),
          f(cached.answerP95Ms).padStart(6),
          f(cached.answerMaxMs, 0).padStart(6),
        );
      }
      console.log(row.join('  '));
      rmSync(knowledgeDir, { recursive: true, force: true });
      rmSync(dataDir, { recursive: true, force: true });
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
  if (profDir) console.log(`CPU profiles in ${profDir}`);
}

if (import.meta.main) {
  const { values } = parseArgs({
    strict: false,
    options: {
      phase: { type: 'string' },
      knowledge: { type: 'string' },
      data: { type: 'string' },
      questions: { type: 'string' },
    },
  });
  if (typeof values.phase === 'string') {
    // As bin/mlops-guide.js does for `serve`, `ask` and `chat`: later starts reuse the compiled, type-stripped
    // modules (the first phase of a run fills the cache), so start-up is measured as users see it.
    const { enableCompileCache } = await import('node:module');
    enableCompileCache?.();
    await runPhase(values.phase, String(values.knowledge), String(values.data), Number(values.questions ?? 300));
    // A handle left open (a timer, the index worker) must not keep the phase alive until the parent's timeout.
    process.exit(0);
  } else {
    await main();
  }
}
