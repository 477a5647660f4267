import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeEmbeddings } from '@langchain/core/utils/testing';
import nock from 'nock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Logger } from '../../src/base/index.ts';
import { kbBuild, progressLine } from '../../src/cli/kb-build.ts';
import { loadConfig } from '../../src/config.ts';
import { createEmbeddings } from '../../src/retrieval/embeddings.ts';
import {
  buildIndex,
  indexDir,
  loadOrBuildIndex,
  prefetchIndex,
  readManifest,
} from '../../src/retrieval/index-store.ts';
import type { BuildProgress } from '../../src/retrieval/types.ts';
import { fixtureEntries, fixtureKb, writeFixtureKnowledge, writeTinyVectors } from '../fixtures/retrieval/kb.ts';

let data: string;
const kb = fixtureKb();
const fake = (id = 'fake-a') => ({ id, embeddings: new FakeEmbeddings() });

function recordingLogger() {
  const lines: { level: string; obj: object; msg?: string }[] = [];
  const at = (level: string) => (obj: object, msg?: string) => void lines.push({ level, obj, msg });
  const logger: Logger = { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
  return { logger, lines };
}

beforeEach(() => {
  data = mkdtempSync(join(tmpdir(), 'mlg-idx-'));
  writeTinyVectors(data);
});
afterEach(() => {
  rmSync(data, { recursive: true, force: true });
  nock.cleanAll();
});

const config = () => loadConfig({ DATA_DIR: data });

describe('index persistence', () => {
  it('buildIndex writes the indexes and a manifest with hash, embeddings id, time and counts', async () => {
    const built = await buildIndex(kb, config());
    const m = readManifest(indexDir(config()));
    expect(m).toMatchObject({ knowledgeHash: kb.hash, embeddingsId: built.index.manifest.embeddingsId });
    expect(m?.embeddingsId).toMatch(/^local:tiny-fixture@test/);
    expect(m?.counts.entries).toBe(fixtureEntries.length);
    expect(m?.counts.vectors).toBeGreaterThan(fixtureEntries.length);
    expect(Date.parse(m?.builtAt ?? '')).not.toBeNaN();
    expect(existsSync(join(indexDir(config()), 'dense', 'hnswlib.index'))).toBe(true);
  });

  it('loads a matching index instead of rebuilding, and searches the same', async () => {
    const built = await buildIndex(kb, config());
    const { logger } = recordingLogger();
    const loaded = await loadOrBuildIndex(kb, config(), logger);
    expect(loaded.index.source).toBe('loaded');
    const q = 'When should I use the sidecar pattern?';
    expect((await loaded.search(q)).map((h) => h.entry.id)).toEqual((await built.search(q)).map((h) => h.entry.id));
  });

  it("stores the entries' names (names.json) and searches the same with them, without them and with a broken file", async () => {
    const built = await buildIndex(kb, config());
    const path = join(indexDir(config()), 'names.json');
    const stored = JSON.parse(readFileSync(path, 'utf8')) as { entries: [string, string[][]][] };
    expect(stored.entries.map(([id]) => id)).toEqual(kb.entries.map((e) => e.id));
    const q = 'When should I use the sidecar pattern?';
    const want = (await built.search(q)).map((h) => [h.entry.id, h.score]);
    for (const damage of [() => {}, () => rmSync(path), () => writeFileSync(path, '{"entries": [')]) {
      damage();
      const loaded = await loadOrBuildIndex(kb, config(), recordingLogger().logger);
      expect(loaded.index.source).toBe('loaded');
      expect((await loaded.search(q)).map((h) => [h.entry.id, h.score])).toEqual(want);
    }
  });

  it('uses the dense index read ahead (prefetchIndex) when it is of the index loaded, and drops it when stale', async () => {
    const built = await buildIndex(kb, config());
    const q = 'When should I use the sidecar pattern?';
    const want = (await built.search(q)).map((h) => h.entry.id);
    const prefetched = prefetchIndex(config());
    expect(prefetched?.dense).toBeDefined();
    const loaded = await loadOrBuildIndex(kb, config(), recordingLogger().logger, prefetched ? { prefetched } : {});
    expect(loaded.index.source).toBe('loaded');
    expect((await loaded.search(q)).map((h) => h.entry.id)).toEqual(want);
    // Read ahead, then the index turns out stale (other knowledge): rebuilt, the prefetch unused.
    const stale = prefetchIndex(config());
    const other = fixtureKb().entries.slice(1);
    const { createKnowledgeBase } = await import('../../src/knowledge/load.ts');
    const smaller = createKnowledgeBase('x', other);
    const rebuilt = await loadOrBuildIndex(
      smaller,
      config(),
      recordingLogger().logger,
      stale ? { prefetched: stale } : {},
    );
    expect(rebuilt.index.source).toBe('built');
    expect(rebuilt.counts.entries).toBe(other.length);
    // A prefetch of files that turn out broken fails like a load without one: the index is rebuilt.
    writeFileSync(join(indexDir(config()), 'dense', 'hnswlib.index'), 'garbage');
    const broken = prefetchIndex(config());
    const again = await loadOrBuildIndex(
      smaller,
      config(),
      recordingLogger().logger,
      broken ? { prefetched: broken } : {},
    );
    expect(again.index.source).toBe('built');
    expect(prefetchIndex({ dataDir: join(data, 'nothing-here') })).toBeUndefined();
  });

  it('builds when there is no index yet', async () => {
    const { logger, lines } = recordingLogger();
    const r = await loadOrBuildIndex(kb, config(), logger);
    expect(r.index).toMatchObject({ source: 'built', reason: 'no index yet' });
    expect(lines.some((l) => l.msg === 'building the search index')).toBe(true);
  });

  it('rebuilds a stale index (knowledge changed)', async () => {
    await buildIndex(kb, config());
    const changed = fixtureKb(fixtureEntries.slice(1));
    const r = await loadOrBuildIndex(changed, config(), recordingLogger().logger);
    expect(r.index.source).toBe('built');
    expect(r.index.reason).toMatch(/knowledge changed/);
    expect(readManifest(indexDir(config()))?.knowledgeHash).toBe(changed.hash);
    expect((await r.search('coating chamber logs'))[0]?.entry.id).toBe('dataset-coating-logs');
  });

  it('refuses an index built with other embeddings and rebuilds it', async () => {
    await buildIndex(kb, config(), { embeddings: fake('fake-a') });
    const r = await loadOrBuildIndex(kb, config(), recordingLogger().logger, { embeddings: fake('fake-b') });
    expect(r.index.source).toBe('built');
    expect(r.index.reason).toMatch(/other embeddings \(fake-a, now fake-b\)/);
    expect(readManifest(indexDir(config()))?.embeddingsId).toBe('fake-b');
  });

  it.each([
    ['a garbage manifest', 'manifest.json', '{not json'],
    ['a garbage lexical index', 'lexical.bin', '{"broken": true}'],
    ['an empty lexical index', 'lexical.bin', ''],
    ['a truncated hnsw file', join('dense', 'hnswlib.index'), 'xx'],
    ['a garbage labels file', join('dense', 'labels.json'), '[['],
    ['a labels file of the wrong length', join('dense', 'labels.json'), '["study-threats-to-validity"]'],
  ])('rebuilds an index with %s, logging it instead of crashing', async (_what, file, content) => {
    await buildIndex(kb, config());
    writeFileSync(join(indexDir(config()), file), content);
    const { logger, lines } = recordingLogger();
    const r = await loadOrBuildIndex(kb, config(), logger);
    expect(r.index.source).toBe('built');
    expect(lines.some((l) => l.level === 'warn' && /corrupt/.test(l.msg ?? ''))).toBe(true);
    expect((await r.search('threats to validity'))[0]?.entry.id).toBe('study-threats-to-validity');
    // And the rebuilt index loads next time.
    expect((await loadOrBuildIndex(kb, config(), logger)).index.source).toBe('loaded');
  });
});

describe('the compact lexical index file (lexical.bin)', () => {
  const lexicalFile = () => join(indexDir(config()), 'lexical.bin');

  it.each([
    ['truncated', (b: Buffer) => b.subarray(0, Math.floor(b.length / 2))],
    [
      'with a posting naming a document it does not have',
      (b: Buffer) => {
        // Section 3 holds the postings' document numbers.
        const out = Buffer.from(b);
        const headerLength = out.readUInt32LE(8);
        const header = JSON.parse(out.toString('utf8', 12, 12 + headerLength)) as { sections: [number, number][] };
        const [postings] = header.sections[3] as [number, number];
        out.writeUInt32LE(0xffffffff, postings);
        return out;
      },
    ],
    [
      'with a header that is not JSON',
      (b: Buffer) => {
        const out = Buffer.from(b);
        out.write('}', 12, 'latin1');
        return out;
      },
    ],
  ])('is rebuilt when it is %s, with a log line, not a crash', async (_what, damage) => {
    await buildIndex(kb, config());
    writeFileSync(lexicalFile(), damage(readFileSync(lexicalFile())));
    const { logger, lines } = recordingLogger();
    const r = await loadOrBuildIndex(kb, config(), logger);
    expect(r.index.source).toBe('built');
    expect(lines.find((l) => l.level === 'warn')?.msg).toBe('index is corrupt; rebuilding it');
    expect((await r.search('threats to validity'))[0]?.entry.id).toBe('study-threats-to-validity');
    expect((await loadOrBuildIndex(kb, config(), logger)).index.source).toBe('loaded');
  });

  it('reads the entry ids from the docstore when an index has no labels file, and rebuilds a garbage one', async () => {
    await buildIndex(kb, config());
    rmSync(join(indexDir(config()), 'dense', 'labels.json'));
    const q = 'When should I use the sidecar pattern?';
    const loaded = await loadOrBuildIndex(kb, config(), recordingLogger().logger);
    expect(loaded.index.source).toBe('loaded');
    expect((await loaded.search(q))[0]?.entry.id).toBe('infra-sidecar');
    writeFileSync(join(indexDir(config()), 'dense', 'docstore.json'), '[[');
    const { logger, lines } = recordingLogger();
    expect((await loadOrBuildIndex(kb, config(), logger)).index.source).toBe('built');
    expect(lines.some((l) => l.level === 'warn' && /corrupt/.test(l.msg ?? ''))).toBe(true);
  });

  it('an index of the previous format (MiniSearch lexical.json) is rebuilt as stale, not read', async () => {
    await buildIndex(kb, config());
    const path = join(indexDir(config()), 'manifest.json');
    const manifest = JSON.parse(readFileSync(path, 'utf8')) as { formatVersion: number };
    writeFileSync(path, JSON.stringify({ ...manifest, formatVersion: 2 }));
    rmSync(lexicalFile());
    writeFileSync(join(indexDir(config()), 'lexical.json'), '{}');
    const r = await loadOrBuildIndex(kb, config(), recordingLogger().logger);
    expect(r.index).toMatchObject({ source: 'built', reason: 'index format 2 is outdated' });
    expect(existsSync(lexicalFile())).toBe(true);
    expect(existsSync(join(indexDir(config()), 'lexical.json'))).toBe(false);
  });
});

describe('remote embeddings (opt-in)', () => {
  it('uses an OpenAI-compatible endpoint when configured and records it as the embeddings id', async () => {
    const scope = nock('http://embeddings.test')
      .post('/v1/embeddings')
      .times(10)
      .reply(200, async (req: Request) => {
        const body = (await req.json()) as { input: string[] | string };
        const inputs = Array.isArray(body.input) ? body.input : [body.input];
        return {
          object: 'list',
          model: 'nomic-embed-text',
          data: inputs.map((_, i) => ({ object: 'embedding', index: i, embedding: [1, (i % 7) / 7, 0.5, 0.25] })),
          usage: { prompt_tokens: 1, total_tokens: 1 },
        };
      });
    const cfg = loadConfig(cfgEnv(data));
    const named = await createEmbeddings(cfg, recordingLogger().logger);
    expect(named.id).toBe('ollama:http://embeddings.test/v1:nomic-embed-text');
    // EMBEDDINGS_TIMEOUT_MS reaches the client (default 10 s).
    expect((named.embeddings as { timeout?: number }).timeout).toBe(10_000);
    const quick = await createEmbeddings(
      loadConfig({ ...cfgEnv(data), EMBEDDINGS_TIMEOUT_MS: '1234' }),
      recordingLogger().logger,
    );
    expect((quick.embeddings as { timeout?: number }).timeout).toBe(1234);
    const r = await loadOrBuildIndex(kb, cfg, recordingLogger().logger);
    expect(r.index.manifest.embeddingsId).toBe(named.id);
    expect((await r.search('sidecar pattern'))[0]?.entry.id).toBe('infra-sidecar');
    expect(scope.isDone()).toBe(false); // not every allowed call was needed
  });

  it('when the endpoint fails for a question, the question is still answered from the lexical index', async () => {
    const embedding = async (req: Request) => {
      const body = (await req.json()) as { input: string[] | string };
      const inputs = Array.isArray(body.input) ? body.input : [body.input];
      return {
        object: 'list',
        model: 'm',
        data: inputs.map((_, i) => ({ object: 'embedding', index: i, embedding: [1, (i % 5) / 5, 0.5] })),
        usage: { prompt_tokens: 1, total_tokens: 1 },
      };
    };
    nock('http://embeddings.test').post('/v1/embeddings').times(10).reply(200, embedding);
    // The offline vectors (abstain signals) present, as in a deployment: without them the 294 MB package would be
    // converted first, which takes tens of seconds on a busy machine.
    writeTinyVectors(join(data, 'remote-down'));
    const cfg = loadConfig({
      DATA_DIR: join(data, 'remote-down'),
      EMBEDDINGS_PROVIDER: 'ollama',
      EMBEDDINGS_BASE_URL: 'http://embeddings.test/v1',
      EMBEDDINGS_MODEL: 'm',
    });
    const { logger, lines } = recordingLogger();
    const r = await loadOrBuildIndex(kb, cfg, logger);
    nock.cleanAll();
    nock('http://embeddings.test')
      .post('/v1/embeddings')
      .reply(503, { error: { message: 'down' } });
    const hits = await r.search('sidecar pattern');
    expect(hits[0]?.entry.id).toBe('infra-sidecar');
    expect(hits[0]?.dense).toBeUndefined();
    expect(JSON.stringify(lines)).toMatch(/embeddings_failed/);
  });

  it('a failing embeddings endpoint is reported as a coded error, not a hang', async () => {
    nock('http://embeddings.test')
      .post('/v1/embeddings')
      .reply(500, { error: { message: 'down' } });
    const cfg = loadConfig({
      DATA_DIR: data,
      EMBEDDINGS_PROVIDER: 'openai',
      EMBEDDINGS_BASE_URL: 'http://embeddings.test/v1',
      EMBEDDINGS_MODEL: 'text-embedding-3-small',
      EMBEDDINGS_API_KEY: 'sk-test',
    });
    await expect(buildIndex(kb, cfg)).rejects.toMatchObject({ code: 'embeddings_failed' });
  });
});

describe('build progress', () => {
  it('buildIndex tells each step through onProgress, in order', async () => {
    const steps: BuildProgress[] = [];
    const built = await buildIndex(kb, config(), { onProgress: (p) => steps.push(p) });
    expect(steps).toEqual([
      { step: 'lexical', entries: fixtureEntries.length },
      { step: 'embedding', texts: built.index.manifest.counts.vectors },
      { step: 'writing', dir: indexDir(config()) },
    ]);
  });

  it('kb build prints a line for every step, the one-time vector conversion included', () => {
    expect(progressLine({ step: 'word-vectors', dir: '/d/vectors' })).toBe(
      'Converting the offline word vectors into /d/vectors (one-time, a few seconds)…',
    );
    expect(progressLine({ step: 'lexical', entries: 3 })).toBe('Indexing 3 entries…');
  });
});

describe('kb build (CLI)', () => {
  it('builds the index from a knowledge folder and says what and how long', async () => {
    const knowledge = join(data, 'knowledge');
    writeFixtureKnowledge(knowledge);
    const out: string[] = [];
    const err: string[] = [];
    const code = await kbBuild(
      [],
      { out: (t) => out.push(t), err: (t) => err.push(t) },
      { KNOWLEDGE_DIR: knowledge, DATA_DIR: data },
    );
    expect(err.join('\n')).toBe('');
    expect(code).toBe(0);
    const text = out.join('\n');
    // Progress is told by the build, step by step, before the summary (the vectors exist already: no conversion);
    // the fixture's knowledge warning is printed too, as it happens.
    expect(out.filter((l) => !l.startsWith('warning: ')).slice(0, 3)).toEqual([
      `Indexing ${fixtureEntries.length} entries…`,
      expect.stringMatching(/^Embedding \d+ texts…$/),
      `Writing the index to ${join(data, 'index')}…`,
    ]);
    expect(text).not.toMatch(/Converting/);
    expect(text).toMatch(new RegExp(`entries: ${fixtureEntries.length}`));
    expect(text).toMatch(/Done in \d+\.\d\d s\./);
    expect(JSON.parse(readFileSync(join(data, 'index', 'manifest.json'), 'utf8')).counts.entries).toBe(
      fixtureEntries.length,
    );
  });

  it('fails with a clear message when the knowledge folder is missing', async () => {
    const err: string[] = [];
    const code = await kbBuild(
      [],
      { out: () => {}, err: (t) => err.push(t) },
      { KNOWLEDGE_DIR: join(data, 'nope'), DATA_DIR: data },
    );
    expect(code).toBe(1);
    expect(err.join('\n')).toMatch(/kb build failed/);
  });

  it('rejects unknown options with usage (exit 2)', async () => {
    const err: string[] = [];
    expect(await kbBuild(['--frobnicate'], { out: () => {}, err: (t) => err.push(t) }, {})).toBe(2);
    expect(err.join('\n')).toMatch(/usage: mlops-guide kb build/);
  });
});

function cfgEnv(data: string): Record<string, string> {
  return {
    DATA_DIR: data,
    EMBEDDINGS_PROVIDER: 'ollama',
    EMBEDDINGS_BASE_URL: 'http://embeddings.test/v1',
    EMBEDDINGS_MODEL: 'nomic-embed-text',
  };
}
