// Graceful shutdown of `serve`: stop() while a Teams request is in flight (the bot is waiting on the Bot
// Connector) refuses new connections but lets that request finish, so its HTTP response arrives, and only then
// resolves, with the port closed.
import nock from 'nock';
import { afterEach, describe, expect, it } from 'vitest';
import { type Service, startService } from '../../src/cli/serve.ts';
import { createMemoryKeyValueStore } from '../../src/store/kv-memory.ts';
import { API, fixture, SECRET, signature, until } from '../adapters/slack/harness.ts';
import { captureLogger, personalMessage, SERVICE_HOST } from '../adapters/teams/helpers.ts';
import { type TempDirs, tempDirs, testConfig } from '../helpers/app.ts';

let dirs: TempDirs | undefined;
let service: Service | undefined;
afterEach(async () => {
  await service?.stop();
  service = undefined;
  dirs?.cleanup();
  dirs = undefined;
  nock.cleanAll();
});

describe('graceful shutdown', () => {
  it('finishes an in-flight Teams request before closing the port', async () => {
    // A Bot Connector that holds every call until released: the turn (and its HTTP request) stays in flight.
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const received: string[] = [];
    nock(SERVICE_HOST)
      .persist()
      .post(/^\/teams\/v3\/conversations\/[^/]+\/activities/)
      .reply(async (req: Request) => {
        received.push(String(((await req.json()) as { type?: unknown }).type));
        await gate;
        return [200, { id: `held-${received.length}` }];
      });

    dirs = tempDirs();
    const started = await startService(testConfig(dirs, { TEAMS_ALLOW_UNAUTHENTICATED: 'true' }), {
      logger: captureLogger(),
    });
    service = started;
    const base = `http://127.0.0.1:${started.port}`;

    let released = false;
    let stoppedAfterRelease: boolean | undefined;
    const inFlight = fetch(`${base}/api/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(
        personalMessage({
          id: 'shutdown-1',
          from: '29:1user-gina',
          name: 'Gina Example',
          conversationId: 'a:1personal-gina',
          text: 'How do we version training data?',
        }),
      ),
    }).then(async (res) => ({ status: res.status, body: await res.text() }));
    // The turn has reached the connector (the "typing" indicator) and is now waiting on it.
    await until(() => received.length > 0, 'the bot to call the connector', 10_000);

    const stopping = started.stop().then(() => {
      stoppedAfterRelease = released;
    });
    // Stopping closes the listener at once (new connections are refused) but waits for the request in flight.
    await expect(fetch(`${base}/healthz`)).rejects.toThrow();
    expect(stoppedAfterRelease).toBeUndefined();
    released = true;
    release();

    const response = await inFlight;
    await stopping;
    service = undefined;
    // stop() resolved only after the held request could finish, and that request got its full response.
    expect(stoppedAfterRelease).toBe(true);
    expect(response.status).toBe(200);
    // The answer itself was delivered after the typing indicator.
    expect(received).toEqual(['typing', 'message']);
    await expect(fetch(`${base}/healthz`)).rejects.toThrow();
  });
});

// Issue 12: with the Slack API or the Bot Connector hanging, a stop used to wait without limit (Teams) or close the
// stores under running jobs (Slack). Now: intake stops, work may finish within SHUTDOWN_DRAIN_MS, what is left is
// abandoned with a log line and a metric, and the stores close last. The order of events is asserted, never how
// long anything took; the short deadline only keeps the test short.
describe('shutdown with a platform API that never answers', () => {
  const DRAIN = '300';
  /** One timeline for log lines and store calls, so their order can be asserted. */
  function timeline() {
    const events: string[] = [];
    const logger = captureLogger();
    const log =
      (level: 'debug' | 'info' | 'warn' | 'error') =>
      (obj: object, msg?: string): void => {
        logger.lines.push({ level, obj, msg });
        events.push(`log:${msg ?? ''}`);
      };
    const kv = createMemoryKeyValueStore();
    const recorded = new Proxy(kv, {
      get(target, prop, receiver) {
        const value = Reflect.get(target, prop, receiver);
        if (typeof value !== 'function') return value;
        return (...args: unknown[]) => {
          events.push(`kv.${String(prop)}`);
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      },
    });
    return {
      events,
      logger: { ...logger, debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') },
      kv: recorded,
      /** Asserts: work was abandoned, then the stores closed, and no store call came after that. */
      expectAbandonedThenClosed() {
        const abandoned = events.indexOf('log:shutdown: drain deadline passed; abandoning unfinished work');
        const closed = events.indexOf('kv.close');
        expect(abandoned).toBeGreaterThanOrEqual(0);
        expect(closed).toBeGreaterThan(abandoned);
        expect(events.slice(closed + 1).filter((e) => e.startsWith('kv.'))).toEqual([]);
        expect(events.indexOf('log:stores closed')).toBeGreaterThan(closed);
      },
    };
  }
  const abandonedMetric = async (s: Service, channel: string) => {
    const { body } = await s.metrics.render();
    const line = body.split('\n').find((l) => l.startsWith(`mlops_guide_abandoned_total{channel="${channel}"}`));
    return Number(line?.split(' ')[1] ?? 0);
  };

  it('Slack: abandons the answer stuck on chat.postMessage at the deadline, then closes the stores', async () => {
    const calls: string[] = [];
    nock(API).persist().post('/api/auth.test').reply(200, { ok: true, user_id: 'U0BOT', bot_id: 'B0BOT' });
    // nock 15: the reply callback gets one WHATWG Request; a promise that never settles is a server that never answers.
    nock(API)
      .persist()
      .post(/^\/api\/(?!auth\.test)/)
      .reply((req: Request) => {
        calls.push(new URL(req.url).pathname);
        return new Promise<never>(() => {});
      });
    const t = timeline();
    dirs = tempDirs();
    const started = await startService(
      testConfig(dirs, {
        SLACK_BOT_TOKEN: 'xoxb-shutdown',
        SLACK_SIGNING_SECRET: SECRET,
        SLACK_API_URL: `${API}/api/`,
        SHUTDOWN_DRAIN_MS: DRAIN,
      }),
      { logger: t.logger, kv: t.kv },
    );
    service = started;
    const body = JSON.stringify(fixture('message_im.json'));
    const res = await fetch(`http://127.0.0.1:${started.port}/slack/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...signature(body, Math.floor(Date.now() / 1000)) },
      body,
    });
    expect(res.status).toBe(200);
    await until(() => calls.length > 0, 'the answer to reach the Slack API', 10_000);

    const result = await started.stop();
    service = undefined;
    expect(result.abandoned.slack).toBeGreaterThanOrEqual(1);
    t.expectAbandonedThenClosed();
    expect(await abandonedMetric(started, 'slack')).toBe(result.abandoned.slack);
  });

  it('Teams: abandons a turn stuck on the Bot Connector at the deadline, then closes the stores', async () => {
    const received: string[] = [];
    nock(SERVICE_HOST)
      .persist()
      .post(/^\/teams\/v3\/conversations\/[^/]+\/activities/)
      .reply(async (req: Request) => {
        received.push(String(((await req.json()) as { type?: unknown }).type));
        return new Promise<never>(() => {});
      });
    const t = timeline();
    dirs = tempDirs();
    const started = await startService(
      testConfig(dirs, { TEAMS_ALLOW_UNAUTHENTICATED: 'true', SHUTDOWN_DRAIN_MS: DRAIN }),
      { logger: t.logger, kv: t.kv },
    );
    service = started;
    const turn = fetch(`http://127.0.0.1:${started.port}/api/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(
        personalMessage({
          id: 'shutdown-hang-1',
          from: '29:1user-gina',
          name: 'Gina Example',
          conversationId: 'a:1personal-gina',
          text: 'How do we version training data?',
        }),
      ),
    }).then(
      (r) => `status ${r.status}`,
      () => 'connection closed',
    );
    await until(() => received.length > 0, 'the turn to reach the connector', 10_000);

    const result = await started.stop();
    service = undefined;
    expect(result.abandoned).toEqual({ teams: 1 });
    // The held request's socket is destroyed: the client sees the connection close instead of waiting forever.
    expect(await turn).toBe('connection closed');
    t.expectAbandonedThenClosed();
    expect(await abandonedMetric(started, 'teams')).toBe(1);
  });
});
