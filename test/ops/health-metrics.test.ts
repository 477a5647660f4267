// Health, readiness and metrics of `serve` with the embedded defaults (SQLite in DATA_DIR, no Redis), through
// the real HTTP server: /healthz and /readyz answer 200, and /metrics exposes request, answer-latency, abstain
// and reload metrics after an off-topic question, an on-topic question and a maintainer's reload.
import nock from 'nock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Service, startService } from '../../src/cli/serve.ts';
import { captureLogger, type FakeConnector, mockConnector, sendTeamsText } from '../adapters/teams/helpers.ts';
import { type TempDirs, tempDirs, testConfig } from '../helpers/app.ts';

const MAINTAINER = '29:1user-maint';

let dirs: TempDirs;
let service: Service;
let connector: FakeConnector;
let base: string;

beforeAll(async () => {
  dirs = tempDirs();
  connector = mockConnector();
  service = await startService(
    testConfig(dirs, { TEAMS_ALLOW_UNAUTHENTICATED: 'true', MAINTAINERS: `teams:${MAINTAINER}` }),
    { logger: captureLogger() },
  );
  base = `http://127.0.0.1:${service.port}`;
});

afterAll(async () => {
  await service?.stop();
  dirs?.cleanup();
  nock.cleanAll();
});

let seq = 0;
const teams = async (text: string, from = '29:1user-dave'): Promise<string> => {
  seq += 1;
  return sendTeamsText(base, connector, { id: `metrics-${seq}`, from, text });
};

/** The value of one sample line (`name{labels} value`) in the Prometheus text, or undefined. */
function sample(body: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of body.split('\n')) {
    if (line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{([^}]*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = Object.fromEntries(
      [...(m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="([^"]*)"/g)].map((x) => [x[1], x[2]]),
    );
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) return Number(m[3]);
  }
  return undefined;
}

describe('health, readiness and metrics without Redis', () => {
  it('/healthz is 200 and /readyz is 200 with the SQLite defaults', async () => {
    const health = await fetch(`${base}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok' });
    const ready = await fetch(`${base}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({
      status: 'ready',
      channels: { teams: { state: 'ready', reason: 'Bot Framework Emulator mode: unauthenticated, loopback only' } },
    });
    expect(service.app.config.redisUrl).toBeUndefined();
  });

  it('/metrics counts requests, answer latency, abstained vs answered questions and reloads', async () => {
    const offTopic = await teams('What will the weather be like in Paris tomorrow?');
    const onTopic = await teams('How do we version training data?');
    expect(offTopic).not.toBe(onTopic);
    const reload = await teams('admin reload', MAINTAINER);
    expect(reload).toMatch(/Knowledge reloaded/);

    const res = await fetch(`${base}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/plain/);
    const body = await res.text();
    for (const name of [
      'mlops_guide_requests_total',
      'mlops_guide_answer_duration_seconds',
      'mlops_guide_answers_total',
      'mlops_guide_knowledge_reloads_total',
    ]) {
      expect(body).toContain(`# TYPE ${name} `);
    }
    expect(sample(body, 'mlops_guide_requests_total', { adapter: 'teams', command: 'message', outcome: 'ok' })).toBe(2);
    expect(sample(body, 'mlops_guide_requests_total', { adapter: 'teams', command: 'admin', outcome: 'ok' })).toBe(1);
    expect(sample(body, 'mlops_guide_answers_total', { result: 'abstained' })).toBe(1);
    expect(sample(body, 'mlops_guide_answers_total', { result: 'answered' })).toBe(1);
    expect(sample(body, 'mlops_guide_answer_duration_seconds_count')).toBe(2);
    expect(sample(body, 'mlops_guide_knowledge_reloads_total', { result: 'ok' })).toBe(1);
    // Default process metrics carry the same prefix.
    expect(body).toContain('mlops_guide_process_resident_memory_bytes');
  });
});
