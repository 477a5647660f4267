// The Slack adapter with the real core (createApp on the repository's knowledge base): a mention gets a grounded
// answer, and /mlops infra can be clicked through to a recommendation, updating the same message each step.
import nock from 'nock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type App, createApp } from '../../../src/app.ts';
import { type TempDirs, tempDirs, testConfig } from '../../helpers/app.ts';
import {
  fixture,
  fixtureText,
  type Harness,
  mockApi,
  mockResponseUrl,
  recorder,
  startHarness,
  until,
} from './harness.ts';

// biome-ignore lint/suspicious/noExplicitAny: Slack payloads in tests are loosely typed JSON
type Json = Record<string, any>;

let dirs: TempDirs;
let app: App;
let h: Harness;

beforeAll(async () => {
  dirs = tempDirs();
  app = await createApp(testConfig(dirs), { storage: 'memory' });
  h = await startHarness(app.bot);
});

afterAll(async () => {
  await h?.stop();
  await app?.close();
  dirs?.cleanup();
  nock.cleanAll();
});

describe('Slack adapter with the real core', () => {
  it('answers a mention in the thread with sources', async () => {
    const rec = recorder();
    const post = mockApi(rec, 'chat.postMessage', { ok: true, ts: '1715000001.000400' });
    await h.event(fixture('app_mention.json'));
    await until(() => post.isDone(), 'answer', 15_000);
    const [args] = rec.of('chat.postMessage') as Json[];
    expect(args?.thread_ts).toBe('1715000000.000100');
    expect(String(args?.text).length).toBeGreaterThan(0);
    expect(args?.blocks.length).toBeGreaterThan(0);
    expect(args?.blocks.length).toBeLessThanOrEqual(50);
  });

  it('walks /mlops infra through to a recommendation in one message', async () => {
    const rec = recorder();
    const first = mockResponseUrl(rec, '/commands/T0001/1111/abc123');
    await h.command(fixtureText('slash_command.txt').replace('text=property+drift', 'text=infra'));
    await until(() => first.isDone(), 'first step', 15_000);

    const buttonsOf = (args: Json) =>
      (args.blocks as Json[])
        .filter((b) => b.type === 'actions')
        .flatMap((b) => b.elements as Json[])
        // Forward steps only: not Share, feedback, suggestions (`command`) or Back / Start over.
        .filter(
          (e) => !/^(mlops_share|feedback::|command::|walkthrough:(back|restart|cancel))/.test(String(e.action_id)),
        );
    let last = rec.calls[0]?.args as Json;
    let steps = 0;
    while (buttonsOf(last).length > 0 && steps < 12) {
      const choice = buttonsOf(last)[0] as Json;
      const payload = fixture<Json>('block_actions.json');
      const n = rec.calls.length;
      mockResponseUrl(rec, '/actions/T0001/5555/def456');
      await h.interaction({
        ...payload,
        container: { type: 'message', message_ts: '1715000009.1', channel_id: 'C0CHAN1', is_ephemeral: true },
        message: undefined,
        actions: [{ action_id: choice.action_id, value: choice.value, type: 'button', block_id: 'b', action_ts: '1' }],
      });
      await until(() => rec.calls.length > n, `step ${steps + 2}`, 15_000);
      last = rec.calls.at(-1)?.args as Json;
      expect(last.replace_original).toBe(true);
      steps++;
    }
    expect(steps).toBeGreaterThanOrEqual(2);
    expect(buttonsOf(last)).toEqual([]);
    expect(last.blocks[0]).toMatchObject({ type: 'header', text: { text: expect.stringMatching(/^Recommendation/) } });
    // The recommendation can be shared with the channel.
    expect(JSON.stringify(last.blocks)).toContain('mlops_share');
  });
});
