// Redis going away and coming back, against a real redis-server child process: while it is down questions are still
// answered (walkthroughs say they cannot continue), /healthz stays 200 and /readyz is 503 with a reason; after Redis restarts on the
// same port, /readyz returns to 200 by itself and messages are answered normally again.
import nock from 'nock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Service, startService } from '../../src/cli/serve.ts';
import { captureLogger, type FakeConnector, mockConnector, sendTeamsText } from '../adapters/teams/helpers.ts';
import { type TempDirs, tempDirs, testConfig } from '../helpers/app.ts';
import { redisServerPath, startTestRedis, type TestRedis } from '../helpers/redis.ts';
import { until } from '../helpers/until.ts';

const redisBin = redisServerPath();

type Json = Record<string, unknown>;

const REDIS_WAIT = { timeoutMs: 15_000, intervalMs: 100 };

describe.skipIf(!redisBin)(
  `Redis outage and recovery${redisBin ? '' : ' (SKIPPED: redis-server is not installed; apt-get install redis-server)'}`,
  () => {
    let redis: TestRedis;
    let dirs: TempDirs;
    let service: Service;
    let connector: FakeConnector;
    let base: string;

    beforeAll(async () => {
      redis = await startTestRedis(redisBin as string);
      dirs = tempDirs();
      connector = mockConnector();
      service = await startService(testConfig(dirs, { REDIS_URL: redis.url, TEAMS_ALLOW_UNAUTHENTICATED: 'true' }), {
        logger: captureLogger(),
      });
      base = `http://127.0.0.1:${service.port}`;
    });

    afterAll(async () => {
      await service?.stop();
      await redis?.stop();
      dirs?.cleanup();
      nock.cleanAll();
    });

    let seq = 0;
    /** Sends a Teams message and returns the text of the card the bot posted for it. */
    const ask = async (text: string): Promise<string> => {
      seq += 1;
      return sendTeamsText(base, connector, {
        id: `outage-${seq}`,
        from: '29:1user-carol',
        name: 'Carol Example',
        text,
      });
    };
    const get = async (path: string) => {
      const res = await fetch(`${base}${path}`);
      return { status: res.status, json: (await res.json()) as Json };
    };

    it('answers, then answers in a degraded mode and reports the outage, then recovers when Redis is back', async () => {
      expect(await get('/readyz')).toMatchObject({ status: 200, json: { status: 'ready' } });
      expect(await ask('How do we version training data?')).toMatch(/version/i);

      await redis.stop();
      const notReady = await until(
        async () => {
          const r = await get('/readyz');
          return r.status === 503 ? r : undefined;
        },
        '/readyz to turn 503',
        REDIS_WAIT,
      );
      expect(notReady.json).toMatchObject({ status: 'not ready' });
      expect(String(notReady.json.reason)).toMatch(/state store unreachable/);
      expect(await get('/healthz')).toEqual({ status: 200, json: { status: 'ok' } });

      // Storage faults degrade, not stop: the question is still answered, and the reply says that walkthroughs
      // can't continue while the store is away.
      const degraded = await ask('How do we version training data?');
      expect(degraded).toMatch(/version/i);
      expect(degraded).toMatch(/can't continue walkthroughs right now: my storage is not reachable/);
      // The process is still serving.
      expect((await get('/healthz')).status).toBe(200);

      await redis.start();
      await until(async () => (await get('/readyz')).status === 200, '/readyz to return to 200', REDIS_WAIT);
      const answered = await ask('How do we version training data?');
      expect(answered).not.toMatch(/storage is not reachable/);
      expect(answered).toMatch(/version/i);
    });
  },
);
