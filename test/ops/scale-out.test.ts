// Scale-out on a real Redis: two replicas (two startService instances, each with its own DATA_DIR) share
// conversation state through REDIS_URL. A walkthrough started on replica A continues on replica B through real
// HTTP (Teams, unauthenticated loopback mode), and a Slack retry (X-Slack-Retry-Num, same event_id) delivered to
// B after A answered is not answered again. Redis is a private redis-server child process on a free port.
import nock from 'nock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Service, startService } from '../../src/cli/serve.ts';
import { API, memoryLogger, mockApi, type Recorder, recorder, signature, until } from '../adapters/slack/harness.ts';
import { cardOf, type FakeConnector, mockConnector, SERVICE_URL, TENANT_ID } from '../adapters/teams/helpers.ts';
import { type TempDirs, tempDirs, testConfig } from '../helpers/app.ts';
import { redisServerPath, startTestRedis, type TestRedis } from '../helpers/redis.ts';

const redisBin = redisServerPath();
const SECRET = 'scale-out-signing-secret';
const BOT_USER = 'U0BOT';

type Json = Record<string, unknown>;
type CardAction = { type: string; title: string; verb?: string; data: { actionId: string; value: string } };

/** Every Action.Submit / Action.Execute with our data, anywhere in a card. */
function cardActions(node: unknown, out: CardAction[] = []): CardAction[] {
  if (Array.isArray(node)) {
    for (const n of node) cardActions(n, out);
  } else if (node && typeof node === 'object') {
    const o = node as Json;
    const data = o.data as Json | undefined;
    if ((o.type === 'Action.Execute' || o.type === 'Action.Submit') && typeof data?.actionId === 'string') {
      out.push(o as unknown as CardAction);
    }
    for (const v of Object.values(o)) cardActions(v, out);
  }
  return out;
}

describe.skipIf(!redisBin)(
  `replicas sharing a real Redis${redisBin ? '' : ' (SKIPPED: redis-server is not installed; apt-get install redis-server)'}`,
  () => {
    let redis: TestRedis;
    const dirs: TempDirs[] = [];
    const services: Service[] = [];
    let a: Service;
    let b: Service;
    const logB = memoryLogger();
    let connector: FakeConnector;
    let slack: Recorder;

    beforeAll(async () => {
      redis = await startTestRedis(redisBin as string);
      // Slack Web API (both replicas call it): auth.test at start, reactions if an answer is slow, chat.postMessage.
      nock(API).persist().post('/api/auth.test').reply(200, { ok: true, user_id: BOT_USER, bot_id: 'B0BOT' });
      nock(API)
        .persist()
        .post(/^\/api\/reactions\.(add|remove)$/)
        .reply(200, { ok: true });
      slack = recorder();
      mockApi(slack, 'chat.postMessage', { ok: true, channel: 'C0OPS', ts: '1715000100.000100' }, 10);
      connector = mockConnector();
      const env = {
        REDIS_URL: redis.url,
        TEAMS_ALLOW_UNAUTHENTICATED: 'true',
        SLACK_BOT_TOKEN: 'xoxb-scale-out',
        SLACK_SIGNING_SECRET: SECRET,
        SLACK_API_URL: `${API}/api/`,
      };
      for (const logger of [memoryLogger(), logB]) {
        const d = tempDirs();
        dirs.push(d);
        services.push(await startService(testConfig(d, env), { logger }));
      }
      [a, b] = services as [Service, Service];
    });

    afterAll(async () => {
      await Promise.allSettled(services.map((s) => s.stop()));
      await redis?.stop();
      for (const d of dirs) d.cleanup();
      nock.cleanAll();
    });

    let seq = 0;
    const teams = async (service: Service, activity: Json): Promise<{ status: number; json: Json | undefined }> => {
      seq += 1;
      const res = await fetch(`http://127.0.0.1:${service.port}/api/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          id: `scale-${seq}`,
          timestamp: new Date().toISOString(),
          serviceUrl: SERVICE_URL,
          channelId: 'msteams',
          from: { id: '29:1user-bob', name: 'Bob Example' },
          conversation: { conversationType: 'personal', tenantId: TENANT_ID, id: 'a:1personal-bob' },
          recipient: { id: '28:00000000-0000-0000-0000-00000000b07a', name: 'MLOps Guide' },
          ...activity,
        }),
      });
      const text = await res.text();
      return { status: res.status, json: text ? (JSON.parse(text) as Json) : undefined };
    };

    it('continues a walkthrough started on replica A on replica B, through to the recommendation', async () => {
      expect(a.port).not.toBe(b.port);
      // A: start the infrastructure walkthrough by typing the command.
      const before = connector.posted().length;
      expect((await teams(a, { type: 'message', text: 'infra' })).status).toBe(200);
      const first = connector.posted()[before];
      let card = cardOf(first?.body ?? {});
      expect(JSON.stringify(card)).toContain('How is the data you will train on classified?');

      // B: answer the first question by typing it (state read from Redis, not from B's own DATA_DIR).
      const typed = connector.posted().length;
      expect((await teams(b, { type: 'message', text: 'public' })).status).toBe(200);
      card = cardOf(connector.posted()[typed]?.body ?? {});
      expect(JSON.stringify(card)).toContain('Where and how must the model run in production?');

      // B: click the remaining steps (Action.Execute: the invoke response carries the updated card).
      for (let step = 0; step < 12; step++) {
        const answer = cardActions(card).find((x) => x.data.actionId.startsWith('walkthrough:answer:'));
        if (!answer) break;
        const res = await teams(b, {
          type: 'invoke',
          name: 'adaptiveCard/action',
          replyToId: 'bot-msg-card',
          value: { action: { type: 'Action.Execute', verb: answer.verb, data: answer.data }, trigger: 'manual' },
        });
        expect(res.status).toBe(200);
        expect(res.json).toMatchObject({ statusCode: 200, type: 'application/vnd.microsoft.card.adaptive' });
        card = (res.json as { value: Json }).value;
      }
      const text = JSON.stringify(card);
      expect(text).toMatch(/Recommendation/);
      expect(text).toMatch(/Cloud ML platform/);
    });

    it('keeps the conversation context across replicas: a follow-up on B builds on the question asked on A', async () => {
      const conversation = { conversationType: 'personal', tenantId: TENANT_ID, id: 'a:1personal-bob-context' };
      const before = connector.posted().length;
      expect(
        (await teams(a, { type: 'message', text: 'who owns the coating chamber logs?', conversation })).status,
      ).toBe(200);
      expect(JSON.stringify(cardOf(connector.posted()[before]?.body ?? {}))).toMatch(/Coating chamber process logs/);
      const next = connector.posted().length;
      expect((await teams(b, { type: 'message', text: 'how do I get access to it?', conversation })).status).toBe(200);
      const followUp = JSON.stringify(cardOf(connector.posted()[next]?.body ?? {}));
      expect(followUp).toMatch(/Coating chamber process logs/);
      expect(followUp).toMatch(/Access:/);
    });

    it('does not answer a Slack retry delivered to replica B after replica A answered', async () => {
      const event = {
        token: 'XXYYZZ',
        team_id: 'T0001',
        api_app_id: 'A0001',
        type: 'event_callback',
        event_id: 'Ev0SCALEOUT1',
        event_time: Math.floor(Date.now() / 1000),
        event: {
          type: 'app_mention',
          user: 'U0USER1',
          text: `<@${BOT_USER}> how do we version training data?`,
          ts: '1715000100.000100',
          channel: 'C0OPS',
          event_ts: '1715000100.000100',
        },
      };
      const body = JSON.stringify(event);
      const send = (service: Service, headers: Record<string, string> = {}) =>
        fetch(`http://127.0.0.1:${service.port}/slack/events`, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            ...signature(body, Math.floor(Date.now() / 1000), SECRET),
            ...headers,
          },
          body,
        });

      expect((await send(a)).status).toBe(200);
      await until(() => slack.of('chat.postMessage').length === 1, 'replica A to answer', 10_000);
      expect(slack.of('chat.postMessage')[0]).toMatchObject({ channel: 'C0OPS', thread_ts: '1715000100.000100' });

      const retry = await send(b, { 'x-slack-retry-num': '1', 'x-slack-retry-reason': 'http_timeout' });
      expect(retry.status).toBe(200);
      // B logs the duplicate once its de-duplication (SET NX in Redis) has refused it; only then is the count final.
      await until(
        () => logB.lines.some((l) => l.msg === 'duplicate Slack event ignored'),
        'replica B to recognise the retry',
        10_000,
      );
      expect(slack.of('chat.postMessage')).toHaveLength(1);
    });
  },
);
