// Slow answers (an LLM configured): the Teams request is acknowledged at once and the answer sent afterwards with
// the conversation reference, through the same delivery retries, so the Bot Framework's 15 s limit is never reached.
// Event-driven: the fake bot answers when the test resolves its promise; no timers, no durations asserted.
import nock from 'nock';
import { afterEach, describe, expect, it } from 'vitest';
import { block, CoreAction, type Reply } from '../../../src/core/reply.ts';
import type { Bot } from '../../../src/core/types.ts';
import { until } from '../../helpers/until.ts';
import {
  cardOf,
  type FakeConnector,
  fixture,
  mockConnector,
  personalMessage,
  SERVICE_HOST,
  startTeamsServer,
  type TestServer,
} from './helpers.ts';

let server: TestServer | undefined;
let connector: FakeConnector;
afterEach(async () => {
  await server?.stop();
  server = undefined;
  nock.cleanAll();
});

/** A bot whose every answer waits until the test releases it (a slow LLM). */
function slowBot() {
  const waiting: ((reply: Reply) => void)[] = [];
  const bot: Bot = {
    handle: () => new Promise<Reply>((resolve) => waiting.push(resolve)),
  };
  const answer = (text: string): Reply => ({
    kind: 'answer',
    answerId: 'a-1',
    fallbackText: text,
    blocks: [block.markdown(text)],
  });
  return { bot, waiting, release: (text: string) => waiting.shift()?.(answer(text)) };
}

describe('Teams: slow answers are acknowledged first and sent proactively', () => {
  it('answers 200 while the answer is pending, then posts it into the same conversation and reply chain', async () => {
    connector = mockConnector();
    const slow = slowBot();
    server = await startTeamsServer(undefined, { bot: slow.bot, answerInBackground: true });
    const res = await server.post(fixture('channel-mention'));
    expect(res.status).toBe(200); // acknowledged although the bot has not answered
    expect(slow.waiting).toHaveLength(1);
    expect(connector.posted()).toEqual([]);
    expect(connector.calls.map((c) => c.body.type)).toEqual(['typing']);

    slow.release('Model drift is when production data changes.');
    await until(() => connector.posted().length === 1, 'the proactive answer');
    const sent = connector.posted()[0];
    expect(sent?.conversationId).toBe('19:abcdef0123456789@thread.tacv2;messageid=1712000000100');
    // The channel thread is part of the conversation id (;messageid=): the answer lands in the asker's reply chain.
    expect(JSON.stringify(cardOf(sent?.body ?? {}))).toContain('Model drift is when production data changes.');
  });

  it('a 429 on the proactive send is retried: one delivered reply', async () => {
    connector = mockConnector();
    connector.failNextMessages(1, 429, { 'retry-after': '1' });
    const slow = slowBot();
    const waits: number[] = [];
    server = await startTeamsServer(undefined, {
      bot: slow.bot,
      answerInBackground: true,
      sleep: async (ms) => {
        waits.push(ms);
      },
    });
    expect((await server.post(personalMessage({ id: 'p-429', from: '29:1user-hana', text: 'drift?' }))).status).toBe(
      200,
    );
    slow.release('Answer after a throttle.');
    await until(() => connector.posted().length === 1, 'the retried proactive answer');
    expect(waits).toEqual([1000]);
    expect(connector.calls.filter((c) => c.rejected === 429)).toHaveLength(1);
  });

  it('a command button is acknowledged on the card at once; its answer follows as a message', async () => {
    connector = mockConnector();
    const slow = slowBot();
    server = await startTeamsServer(undefined, { bot: slow.bot, answerInBackground: true });
    const res = await server.post(
      fixture('invoke-action-execute', {
        value: {
          action: {
            type: 'Action.Execute',
            verb: CoreAction.Command,
            data: { actionId: CoreAction.Command, value: 'ask what is drift' },
          },
        },
      }),
    );
    expect(res.json).toMatchObject({ statusCode: 200, type: 'application/vnd.microsoft.activity.message' });
    expect(String((res.json as { value: string }).value)).toMatch(/answer follows/);
    slow.release('Drift, explained.');
    await until(() => connector.posted().length === 1, 'the answer to the click');
  });

  it('a graceful stop waits for the answer still being prepared', async () => {
    connector = mockConnector();
    const slow = slowBot();
    server = await startTeamsServer(undefined, { bot: slow.bot, answerInBackground: true });
    await server.post(personalMessage({ id: 'p-stop', from: '29:1user-ida', text: 'drift?' }));
    let stopped = false;
    const stopping = server.stop().then(() => {
      stopped = true;
    });
    server = undefined;
    await until(() => slow.waiting.length === 1, 'the pending answer');
    expect(stopped).toBe(false);
    slow.release('Delivered before the stop completes.');
    await stopping;
    expect(connector.posted()).toHaveLength(1);
  });

  it('a connector that never answers the proactive send is given up on (deadline) and logged', async () => {
    nock(SERVICE_HOST)
      .persist()
      .post(/^\/teams\/v3\/conversations\/[^/]+\/activities/)
      .reply((req: Request) => {
        void req;
        return new Promise<never>(() => {});
      });
    const slow = slowBot();
    server = await startTeamsServer(undefined, { bot: slow.bot, answerInBackground: true, connectorTimeoutMs: 100 });
    // The typing indicator hangs too; it is a courtesy with its own deadline, and the request is still answered.
    expect((await server.post(personalMessage({ id: 'p-hang', from: '29:1user-jo', text: 'drift?' }))).status).toBe(
      200,
    );
    slow.release('Never arrives.');
    const logger = server.logger;
    await until(
      () => logger.lines.some((l) => l.level === 'error' && /after the ack failed/.test(l.msg ?? '')),
      'the log',
    );
  });
});
