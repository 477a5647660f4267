// Outbound deadline (issue 12): botbuilder's connector client sets no timeout, so a Bot Connector that never
// answers held the turn and its HTTP request without limit. Each connector call now has one (CONNECTOR_TIMEOUT_MS;
// short here): the turn fails, is logged, and its request gets a response. Event-driven: no wall-clock assertion.
import nock from 'nock';
import { afterEach, describe, expect, it } from 'vitest';
import { until } from '../slack/harness.ts';
import { personalMessage, SERVICE_HOST, startTeamsServer, type TestServer } from './helpers.ts';

let server: TestServer | undefined;
afterEach(async () => {
  await server?.stop();
  server = undefined;
  nock.cleanAll();
});

describe('Bot Connector calls have a deadline', () => {
  it('a connector that never answers fails the turn instead of holding the request', async () => {
    const calls: string[] = [];
    nock(SERVICE_HOST)
      .persist()
      .post(/^\/teams\/v3\/conversations\/[^/]+\/activities/)
      .reply((req: Request) => {
        calls.push(new URL(req.url).pathname);
        return new Promise<never>(() => {});
      });
    server = await startTeamsServer(undefined, { connectorTimeoutMs: 100 });
    const response = await server.post(
      personalMessage({
        id: 'timeout-1',
        from: '29:1user-gina',
        name: 'Gina Example',
        conversationId: 'a:1personal-gina',
        text: 'How do we version training data?',
      }),
    );
    expect(calls.length).toBeGreaterThan(0);
    expect(response.status).toBeGreaterThanOrEqual(200);
    const logged = server.logger.lines.map((l) => `${l.level}:${l.msg}`);
    await until(() => logged.length > 0, 'a log line');
    expect(logged.some((l) => /^(warn|error):/.test(l))).toBe(true);
  });
});
