// Graceful shutdown of `serve`: stop() while a Teams request is in flight (the bot is waiting on the Bot
// Connector) refuses new connections but lets that request finish, so its HTTP response arrives, and only then
// resolves, with the port closed.
import nock from 'nock';
import { afterEach, describe, expect, it } from 'vitest';
import { type Service, startService } from '../../src/cli/serve.ts';
import { until } from '../adapters/slack/harness.ts';
import { captureLogger, SERVICE_HOST, SERVICE_URL, TENANT_ID } from '../adapters/teams/helpers.ts';
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
      body: JSON.stringify({
        type: 'message',
        id: 'shutdown-1',
        serviceUrl: SERVICE_URL,
        channelId: 'msteams',
        from: { id: '29:1user-gina', name: 'Gina Example' },
        conversation: { conversationType: 'personal', tenantId: TENANT_ID, id: 'a:1personal-gina' },
        recipient: { id: '28:00000000-0000-0000-0000-00000000b07a', name: 'MLOps Guide' },
        text: 'How do we version training data?',
      }),
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
