// Issue 12, "SIGTERM with a hanging Slack API and a hanging connector exits within the drain deadline", against the
// real `bin/mlops-guide.js serve` in a child process: Slack's Web API (SLACK_API_URL) and the Bot Connector (the
// activity's serviceUrl, loopback in emulator mode) point at a local server that never answers. A signed Slack DM
// and a Teams message each leave an outbound call hanging; then SIGTERM. The outbound deadlines are set far beyond
// the test (10 minutes), so only the drain deadline can end the work. Asserted on events — the exit, its code, the
// "abandoned" log line with its counts, the stores closed after it — never on how long anything took; the test's
// timeout is only a hang safety net.
import { afterEach, describe, expect, it } from 'vitest';
import { fixture, signature } from '../adapters/slack/harness.ts';
import { personalMessage } from '../adapters/teams/helpers.ts';
import { type TempDirs, tempDirs } from '../helpers/app.ts';
import {
  answerSlackAuthTest,
  type HangingApi,
  logLine,
  type ServeChild,
  spawnServe,
  startHangingApi,
} from '../helpers/serve-child.ts';
import { until as pollUntil } from '../helpers/until.ts';

const SECRET = 'sigterm-test-signing-secret';

/** The child's environment both tests share: its own folders, loopback, a free port, info logs to read. */
const serveEnv = (d: TempDirs) => ({
  KNOWLEDGE_DIR: d.knowledgeDir,
  DATA_DIR: d.dataDir,
  HOST: '127.0.0.1',
  PORT: '0',
  KNOWLEDGE_WATCH: 'false',
  LOG_LEVEL: 'info',
});
const TEN_MINUTES = '600000';

let dirs: TempDirs | undefined;
let api: HangingApi | undefined;
let serve: ServeChild | undefined;
afterEach(async () => {
  if (serve && serve.child.exitCode === null && serve.child.signalCode === null) serve.child.kill('SIGKILL');
  serve = undefined;
  await api?.close();
  api = undefined;
  dirs?.cleanup();
  dirs = undefined;
});

/** The suite's polling helper, with a hang safety net fit for a child process on a loaded machine. */
const until = (check: () => boolean, what: string, timeoutMs = 60_000) =>
  pollUntil(check, what, { timeoutMs, intervalMs: 25 });

describe('serve: SIGTERM with a hanging Slack API and a hanging Bot Connector', () => {
  it('abandons both at the drain deadline, closes the stores and exits 0', { timeout: 180_000 }, async () => {
    api = await startHangingApi(answerSlackAuthTest);
    dirs = tempDirs();
    serve = await spawnServe({
      ...serveEnv(dirs),
      SLACK_BOT_TOKEN: 'xoxb-sigterm-test',
      SLACK_SIGNING_SECRET: SECRET,
      SLACK_API_URL: `${api.url}/api/`,
      TEAMS_ALLOW_UNAUTHENTICATED: 'true',
      SHUTDOWN_DRAIN_MS: '1000',
      // Far beyond the drain deadline: if anything but the deadline ended the work, this test would hang.
      SLACK_API_TIMEOUT_MS: TEN_MINUTES,
      TEAMS_CONNECTOR_TIMEOUT_MS: TEN_MINUTES,
    });
    const s = serve;

    const slackBody = JSON.stringify(fixture('message_im.json'));
    const slack = await fetch(`${s.base}/slack/events`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...signature(slackBody, Math.floor(Date.now() / 1000), SECRET),
      },
      body: slackBody,
    });
    expect(slack.status).toBe(200);
    const teams = fetch(`${s.base}/api/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        ...personalMessage({
          id: 'sigterm-1',
          from: '29:1user-gina',
          name: 'Gina Example',
          conversationId: 'a:1personal-gina',
          text: 'How do we version training data?',
        }),
        serviceUrl: `${api.url}/teams/`,
      }),
    }).then(
      (r) => `status ${r.status}`,
      () => 'connection closed',
    );
    const held = api.held;
    await until(() => held.some((p) => p.startsWith('/api/')), 'the Slack answer to reach the hanging Web API');
    await until(() => held.some((p) => p.startsWith('/teams/')), 'the Teams turn to reach the hanging connector');

    s.child.kill('SIGTERM');
    const exit = await s.exited;

    expect(exit).toEqual({ code: 0, signal: null });
    const msgs = s.logs.map((l) => l.msg);
    const shutting = msgs.indexOf('shutting down: finishing in-flight work');
    const abandonedAt = msgs.indexOf('shutdown: drain deadline passed; abandoning unfinished work');
    const closedAt = msgs.indexOf('stores closed');
    expect(shutting).toBeGreaterThanOrEqual(0);
    expect(abandonedAt).toBeGreaterThan(shutting);
    expect(closedAt).toBeGreaterThan(abandonedAt);
    const abandoned = s.logs[abandonedAt] as { abandoned?: Record<string, number>; drainMs?: number };
    // The same counts go to mlops_guide_abandoned_total{channel} (checked in process in shutdown.test.ts).
    expect(abandoned.drainMs).toBe(1000);
    expect(abandoned.abandoned?.slack).toBeGreaterThanOrEqual(1);
    expect(abandoned.abandoned?.teams).toBe(1);
    // The held Teams request was cut off, not answered late.
    expect(await teams).toBe('connection closed');
    // Nothing failed against closed stores on the way out.
    expect(s.logs.filter((l) => l.level >= 50).map((l) => l.msg)).toEqual([]);
  });

  it('exits 0 on SIGTERM without abandoning anything when nothing is in flight', { timeout: 120_000 }, async () => {
    dirs = tempDirs();
    serve = await spawnServe({
      ...serveEnv(dirs),
      TEAMS_ALLOW_UNAUTHENTICATED: 'true',
    });
    await logLine(serve, 'server listening');
    serve.child.kill('SIGTERM');
    expect(await serve.exited).toEqual({ code: 0, signal: null });
    const msgs = serve.logs.map((l) => l.msg);
    expect(msgs).toContain('stores closed');
    expect(msgs).not.toContain('shutdown: drain deadline passed; abandoning unfinished work');
  });
});
