// The Kubernetes manifests (deploy/k8s): rendered as kustomize renders them, every object checked against the
// Kubernetes API's JSON schemas (kubernetes-models), then what the schemas can't say: selectors that match,
// probes on the real endpoints, resources, a PodDisruptionBudget that leaves a replica, credentials only by
// reference, settings the bot knows, and knowledge ConfigMaps the bot can load and hot-reload from the layout the
// kubelet gives a ConfigMap volume.
import { execFileSync, spawnSync } from 'node:child_process';
import { watch } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rename, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import * as apps from 'kubernetes-models/apps/v1';
import * as networking from 'kubernetes-models/networking.k8s.io/v1';
import * as policy from 'kubernetes-models/policy/v1';
import * as core from 'kubernetes-models/v1';
import { afterAll, describe, expect, it } from 'vitest';
import { parseAllDocuments, parse as parseYaml } from 'yaml';
import { loadConfig } from '../../src/config.ts';
import { loadWalkthroughs } from '../../src/flows/index.ts';
import { loadKnowledge } from '../../src/knowledge/index.ts';

const root = resolve(import.meta.dirname, '../..');
const k8sDir = join(root, 'deploy/k8s');
const knowledgeDir = join(root, 'knowledge');

// biome-ignore lint/suspicious/noExplicitAny: manifests are untyped YAML until the schema check
type Obj = Record<string, any>;
type ModelClass = new (data: Obj) => { validate(): void };

/** Every kind the manifests may use, by apiVersion/kind; anything else fails (no schema to check it against). */
const MODELS: Record<string, ModelClass> = Object.fromEntries(
  [core, apps, policy, networking].flatMap((group) =>
    Object.values(group)
      .filter((c): c is ModelClass & { apiVersion: string; kind: string } => typeof c === 'function' && 'kind' in c)
      .map((c) => [`${c.apiVersion}/${c.kind}`, c]),
  ),
);

/** The manifests as kustomize renders this kustomization: its `resources`, documents in order. */
async function loadKustomization(dir: string): Promise<Obj[]> {
  const k = parseYaml(await readFile(join(dir, 'kustomization.yaml'), 'utf8')) as Obj;
  // Plain resources only: a transformer (namePrefix, patches, generators, …) would make this loader wrong.
  const unsupported = Object.keys(k).filter((key) => !['apiVersion', 'kind', 'resources'].includes(key));
  if (unsupported.length) throw new Error(`kustomization.yaml: only resources are supported here, not ${unsupported}`);
  const objects: Obj[] = [];
  for (const file of k.resources as string[]) {
    for (const doc of parseAllDocuments(await readFile(join(dir, file), 'utf8'))) {
      if (doc.errors.length) throw new Error(`${file}: ${doc.errors.map((e) => e.message).join('; ')}`);
      const obj = doc.toJS() as Obj | null;
      if (obj) objects.push(obj);
    }
  }
  return objects;
}

/** Schema problems of one object, `[]` when it is valid. */
function schemaProblems(obj: Obj): string[] {
  const Model = MODELS[`${obj.apiVersion}/${obj.kind}`];
  if (!Model) return [`no Kubernetes schema for ${obj.apiVersion} ${obj.kind}`];
  try {
    new Model(obj).validate();
    return [];
  } catch (err) {
    return [String(err instanceof Error ? err.message : err)];
  }
}

/** The ConfigMaps `knowledge-configmaps.sh` makes (`kubectl create configmap --from-file=<folder>`), one a folder. */
async function knowledgeConfigMaps(dir: string): Promise<Obj[]> {
  const maps: Obj[] = [];
  for (const sub of (await readdir(dir, { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => d.name)) {
    const data: Record<string, string> = {};
    for (const f of await readdir(join(dir, sub), { withFileTypes: true })) {
      if (f.isFile()) data[f.name] = await readFile(join(dir, sub, f.name), 'utf8');
    }
    maps.push({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `mlops-guide-knowledge-${sub}` }, data });
  }
  return maps.sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
}

const byKind = (objects: Obj[], kind: string) => objects.filter((o) => o.kind === kind);
const one = (objects: Obj[], kind: string, name: string): Obj => {
  const found = objects.find((o) => o.kind === kind && o.metadata?.name === name);
  if (!found) throw new Error(`no ${kind} ${name}`);
  return found;
};
const matches = (selector: Record<string, string>, labels: Record<string, string> = {}) =>
  Object.entries(selector).every(([k, v]) => labels[k] === v);
const kubectl = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' }).status === 0;

describe('deploy/k8s', async () => {
  const objects = await loadKustomization(k8sDir);
  const deployment = one(objects, 'Deployment', 'mlops-guide');
  const pod = deployment.spec.template.spec;
  const bot = pod.containers.find((c: Obj) => c.name === 'bot');

  it('every object is valid against the Kubernetes schemas', () => {
    expect(objects.length).toBeGreaterThan(5);
    const problems = objects.flatMap((o) => schemaProblems(o).map((p) => `${o.kind} ${o.metadata?.name}: ${p}`));
    expect(problems).toEqual([]);
  });

  it('the schema check fails on a broken manifest (it is not vacuous)', () => {
    const broken = structuredClone(deployment);
    broken.spec.replicas = 'two';
    delete broken.spec.template.spec.containers[0].name;
    expect(schemaProblems(broken).join('\n')).toMatch(/replicas must be integer|must have required property/);
    expect(schemaProblems({ ...deployment, kind: 'Deploymnet' })).toEqual([
      'no Kubernetes schema for apps/v1 Deploymnet',
    ]);
  });

  it.skipIf(!kubectl)('kubectl kustomize renders exactly these objects', () => {
    const rendered = parseAllDocuments(execFileSync('kubectl', ['kustomize', k8sDir], { encoding: 'utf8' })).map(
      (d) => d.toJS() as Obj,
    );
    const key = (o: Obj) => `${o.kind}/${o.metadata.name}`;
    const sort = (list: Obj[]) => [...list].sort((a, b) => key(a).localeCompare(key(b)));
    expect(sort(rendered)).toEqual(sort(objects));
  });

  it('replicas share Redis, behind a Service, with a PodDisruptionBudget that leaves one answering', () => {
    expect(deployment.spec.replicas).toBeGreaterThanOrEqual(2);
    expect(matches(deployment.spec.selector.matchLabels, deployment.spec.template.metadata.labels)).toBe(true);
    expect(deployment.spec.strategy.rollingUpdate.maxUnavailable).toBe(0);

    const service = one(objects, 'Service', 'mlops-guide');
    expect(matches(service.spec.selector, deployment.spec.template.metadata.labels)).toBe(true);
    expect(bot.ports.map((p: Obj) => p.name)).toContain(service.spec.ports[0].targetPort);

    const pdb = one(objects, 'PodDisruptionBudget', 'mlops-guide');
    expect(matches(pdb.spec.selector.matchLabels, deployment.spec.template.metadata.labels)).toBe(true);
    expect(pdb.spec.minAvailable).toBeGreaterThanOrEqual(1);
    expect(pdb.spec.minAvailable).toBeLessThan(deployment.spec.replicas);

    const config = one(objects, 'ConfigMap', 'mlops-guide-config');
    const redisService = one(objects, 'Service', 'mlops-guide-redis');
    const redis = one(objects, 'StatefulSet', 'mlops-guide-redis');
    expect(config.data.REDIS_URL).toBe(`redis://${redisService.metadata.name}:${redisService.spec.ports[0].port}`);
    expect(matches(redisService.spec.selector, redis.spec.template.metadata.labels)).toBe(true);
    // Only the bot may reach Redis.
    const policy = one(objects, 'NetworkPolicy', 'mlops-guide-redis');
    expect(matches(policy.spec.podSelector.matchLabels, redis.spec.template.metadata.labels)).toBe(true);
    expect(
      matches(policy.spec.ingress[0].from[0].podSelector.matchLabels, deployment.spec.template.metadata.labels),
    ).toBe(true);
  });

  it('probes: liveness and startup on /healthz, readiness on /readyz, on the container port', () => {
    const port = bot.ports[0].name;
    expect(bot.livenessProbe.httpGet).toEqual({ path: '/healthz', port });
    expect(bot.startupProbe.httpGet).toEqual({ path: '/healthz', port });
    expect(bot.readinessProbe.httpGet).toEqual({ path: '/readyz', port });
    const config = one(objects, 'ConfigMap', 'mlops-guide-config');
    expect(Number(config.data.PORT)).toBe(bot.ports[0].containerPort);
    // The drain (SHUTDOWN_DRAIN_MS) and the preStop pause finish inside the grace period.
    const preStop = Number(bot.lifecycle.preStop.exec.command[1]);
    expect(Number(config.data.SHUTDOWN_DRAIN_MS) / 1000 + preStop).toBeLessThan(pod.terminationGracePeriodSeconds);
  });

  it('every container has resource requests and limits and runs unprivileged', () => {
    const pods = objects.filter((o) => o.spec?.template?.spec).map((o) => [o.metadata.name, o.spec.template.spec]);
    expect(pods.length).toBeGreaterThanOrEqual(2);
    for (const [name, spec] of pods) {
      expect(spec.securityContext.runAsNonRoot, name).toBe(true);
      for (const c of [...(spec.initContainers ?? []), ...spec.containers]) {
        expect(c.resources.requests.cpu, `${name}/${c.name}`).toBeDefined();
        expect(c.resources.requests.memory, `${name}/${c.name}`).toBeDefined();
        expect(c.resources.limits.memory, `${name}/${c.name}`).toBeDefined();
        expect(c.securityContext.allowPrivilegeEscalation, `${name}/${c.name}`).toBe(false);
        expect(c.securityContext.readOnlyRootFilesystem, `${name}/${c.name}`).toBe(true);
      }
    }
    // As the image's node user (uid 1000). The root filesystem is read-only, so DATA_DIR is an emptyDir (the index
    // is built beside the old one and renamed into place: DATA_DIR itself must be writable), seeded with the
    // image's word vectors by an init container of the same image.
    expect(pod.securityContext.runAsUser).toBe(1000);
    const dataDir = one(objects, 'ConfigMap', 'mlops-guide-config').data.DATA_DIR;
    const volumeAt = (c: Obj, path: string) =>
      pod.volumes.find(
        (v: Obj) => v.name === c.volumeMounts.find((m: Obj) => m.mountPath === path && !m.readOnly)?.name,
      );
    expect(volumeAt(bot, dataDir)?.emptyDir).toBeDefined();
    expect(volumeAt(bot, '/tmp')?.emptyDir).toBeDefined();
    const [seed] = pod.initContainers;
    expect(seed.image).toBe(bot.image);
    expect(seed.command).toEqual(['cp', '-R', '/app/data/.', `${dataDir}/`]);
    expect(volumeAt(seed, dataDir)).toBe(volumeAt(bot, dataDir));
  });

  it('credentials come only from a Secret reference; no Secret or credential is committed', async () => {
    expect(byKind(objects, 'Secret')).toEqual([]);
    expect(bot.envFrom).toContainEqual({ secretRef: { name: 'mlops-guide-credentials' } });
    const config = one(objects, 'ConfigMap', 'mlops-guide-config');
    for (const key of Object.keys(config.data)) expect(key).not.toMatch(/TOKEN|SECRET|PASSWORD|API_KEY|SALT/);
    for (const file of await readdir(k8sDir)) {
      expect(await readFile(join(k8sDir, file), 'utf8'), file).not.toMatch(/xox[bpa]-[0-9A-Za-z]|xapp-\d/);
    }
  });

  it("the ConfigMap's settings are the bot's own and pass its config validation", async () => {
    const config = one(objects, 'ConfigMap', 'mlops-guide-config');
    const source = await readFile(join(root, 'src/config.ts'), 'utf8');
    for (const key of Object.keys(config.data)) expect(source, key).toMatch(new RegExp(`^\\s+${key}:`, 'm'));
    const loaded = loadConfig(config.data, '/app');
    expect(loaded.redisUrl).toBe(config.data.REDIS_URL);
    expect(loaded.knowledgeDir).toBe('/knowledge');
    expect(loaded.dataDir).toBe('/data');
    expect(loaded.knowledgeWatch).toBe(true);
  });

  describe('knowledge from ConfigMaps', async () => {
    const maps = await knowledgeConfigMaps(knowledgeDir);
    const mountOf = (name: string) => {
      const volume = pod.volumes.find((v: Obj) => v.configMap?.name === name);
      return volume && bot.volumeMounts.find((m: Obj) => m.name === volume.name);
    };

    it('every knowledge folder has a valid ConfigMap under 1 MiB, mounted read-only in KNOWLEDGE_DIR', () => {
      expect(maps.length).toBeGreaterThanOrEqual(5);
      const knowledge = one(objects, 'ConfigMap', 'mlops-guide-config').data.KNOWLEDGE_DIR;
      for (const map of maps) {
        expect(schemaProblems(map), map.metadata.name).toEqual([]);
        expect(Buffer.byteLength(JSON.stringify(map.data)), map.metadata.name).toBeLessThan(1024 * 1024);
        for (const key of Object.keys(map.data)) expect(key).toMatch(/^[-._a-zA-Z0-9]+$/);
        const folder = map.metadata.name.replace('mlops-guide-knowledge-', '');
        expect(mountOf(map.metadata.name), `no volume for knowledge/${folder}`).toMatchObject({
          mountPath: `${knowledge}/${folder}`,
          readOnly: true,
        });
      }
      // …and no volume for a ConfigMap nobody makes (the pod would not start).
      const made = new Set(maps.map((m) => m.metadata.name));
      const wanted = pod.volumes.filter((v: Obj) => v.configMap).map((v: Obj) => v.configMap.name);
      expect(wanted.filter((n: string) => !made.has(n))).toEqual([]);
    });

    it.skipIf(!kubectl)('knowledge-configmaps.sh makes the same ConfigMaps', () => {
      const out = execFileSync('sh', [join(k8sDir, 'knowledge-configmaps.sh'), knowledgeDir], { encoding: 'utf8' });
      const made = parseAllDocuments(out).map((d) => {
        const { apiVersion, kind, metadata, data } = d.toJS() as Obj;
        return { apiVersion, kind, metadata: { name: metadata.name }, data };
      });
      expect(made.sort((a, b) => a.metadata.name.localeCompare(b.metadata.name))).toEqual(maps);
    });

    // A ConfigMap volume as the kubelet writes it: the files in a hidden timestamped folder, `..data` a link to
    // it, each file a link through `..data`; an update writes a new folder and swaps `..data` atomically.
    const temp: string[] = [];
    afterAll(async () => {
      for (const dir of temp) await rm(dir, { recursive: true, force: true });
    });
    const writeVolume = async (dir: string, data: Record<string, string>, stamp: string) => {
      await mkdir(join(dir, stamp), { recursive: true });
      for (const [name, content] of Object.entries(data)) await writeFile(join(dir, stamp, name), content);
      await symlink(stamp, join(dir, '..data_tmp'));
      await rename(join(dir, '..data_tmp'), join(dir, '..data'));
      for (const name of Object.keys(data)) {
        await symlink(join('..data', name), join(dir, name)).catch((err) => {
          if (err.code !== 'EEXIST') throw err;
        });
      }
    };

    it('the bot loads the same knowledge from the mounted ConfigMaps and sees an update (hot reload)', async () => {
      const mounted = await mkdtemp(join(tmpdir(), 'k8s-knowledge-'));
      temp.push(mounted);
      for (const map of maps) {
        await writeVolume(join(mounted, map.metadata.name.replace('mlops-guide-knowledge-', '')), map.data, '..v1');
      }
      const [fromRepo, fromVolumes] = [await loadKnowledge(knowledgeDir), await loadKnowledge(mounted)];
      expect(fromVolumes.entries.map((e) => e.id)).toEqual(fromRepo.entries.map((e) => e.id));
      expect(fromVolumes.vocabulary).toEqual(fromRepo.vocabulary);
      const flows = async (dir: string) => (await loadWalkthroughs(join(dir, 'walkthroughs'))).map((w) => w.id);
      expect(await flows(mounted)).toEqual(await flows(knowledgeDir));

      // `kubectl apply` of an edited ConfigMap: the kubelet swaps `..data`; the bot's recursive watcher (as in
      // src/core/runtime.ts) hears it and the next load reads the edit.
      const glossary = maps.find((m) => m.metadata.name.endsWith('-glossary'));
      if (!glossary) throw new Error('no glossary ConfigMap');
      const [file, content] = Object.entries(glossary.data)[0] as [string, string];
      const edited = content.replace(/^title: .*$/m, 'title: "Edited through the ConfigMap"');
      const heard = new Promise<void>((done) => {
        const watcher = watch(mounted, { recursive: true }, () => {
          watcher.close();
          done();
        });
      });
      const dir = join(mounted, 'glossary');
      await writeVolume(dir, { ...glossary.data, [file]: edited }, '..v2');
      await heard;
      expect((await stat(join(dir, file))).isFile()).toBe(true);
      const reloaded = await loadKnowledge(mounted);
      expect(reloaded.entries.map((e) => e.title)).toContain('Edited through the ConfigMap');
    });
  });
});
