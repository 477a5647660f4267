// Outbound calls have deadlines (issue 11): a Slack Web API and a remote embeddings endpoint that accept the
// connection and never answer are given up on after the configured SLACK_API_TIMEOUT_MS / EMBEDDINGS_TIMEOUT_MS
// (short here). The outcome is asserted (the call fails, the failure is logged), never a duration.
// (Bot Connector: test/adapters/teams/connector-timeout.test.ts and proactive.test.ts; LLM: test/answer/llm.test.ts.)
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import nock from 'nock';
import { afterEach, describe, expect, it } from 'vitest';
import { createSlackChannel } from '../../adapters/slack/index.ts';
import { silentLogger } from '../../src/base/index.ts';
import { loadConfig } from '../../src/config.ts';
import { createEmbeddings } from '../../src/retrieval/embeddings.ts';
import { createHttpServer } from '../../src/server.ts';
import { createMemoryKeyValueStore } from '../../src/store/kv-memory.ts';
import { createFakeBot, fixture, memoryLogger, SECRET, signature } from '../adapters/slack/harness.ts';
import { until } from '../helpers/until.ts';

const servers: Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((resolve) => s.close(resolve));
  }
  nock.cleanAll();
});

/** A loopback server that answers `answer(path)` when it returns something, and otherwise never answers. */
async function hangingServer(answer: (path: string) => object | undefined = () => undefined): Promise<string> {
  const server = createServer((req, res) => {
    const body = answer(req.url ?? '');
    if (body) res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('outbound deadlines', () => {
  it('remote embeddings that never answer fail after EMBEDDINGS_TIMEOUT_MS', async () => {
    const base = await hangingServer();
    const config = loadConfig({
      EMBEDDINGS_PROVIDER: 'ollama',
      EMBEDDINGS_BASE_URL: `${base}/v1`,
      EMBEDDINGS_MODEL: 'nomic-embed-text',
      EMBEDDINGS_TIMEOUT_MS: '200',
    });
    const { embeddings } = await createEmbeddings(config, silentLogger);
    await expect(embeddings.embedQuery('model drift')).rejects.toThrow();
  });

  it('a Slack Web API that never answers fails the reply after SLACK_API_TIMEOUT_MS, logged', async () => {
    const base = await hangingServer((path) =>
      path.includes('auth.test') ? { ok: true, user_id: 'U0BOT', bot_id: 'B0BOT', team_id: 'T0001' } : undefined,
    );
    const config = loadConfig({
      SLACK_BOT_TOKEN: 'xoxb-timeout',
      SLACK_SIGNING_SECRET: SECRET,
      SLACK_API_URL: `${base}/api/`,
      SLACK_API_TIMEOUT_MS: '200',
    });
    const logger = memoryLogger();
    const channel = createSlackChannel({
      config,
      bot: createFakeBot(),
      kv: createMemoryKeyValueStore(),
      logger,
      options: { progressDelayMs: 60_000, retryConfig: { retries: 0 } },
    });
    const http = createHttpServer({ host: '127.0.0.1', port: 0, channels: [channel] });
    const { port } = await http.start();
    try {
      const body = JSON.stringify(fixture('message_im.json'));
      const res = await fetch(`http://127.0.0.1:${port}/slack/events`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...signature(body, Math.floor(Date.now() / 1000)) },
        body,
      });
      expect(res.status).toBe(200);
      await until(
        () => logger.lines.some((l) => l.level === 'warn' || l.level === 'error'),
        'the failed reply logged',
        {
          timeoutMs: 8000,
        },
      );
    } finally {
      await http.stop();
    }
  });
});
