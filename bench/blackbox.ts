// Black-box run as the platforms would (issue 11): starts `mlops-guide serve` as a child process with the real
// knowledge base, and talks to it only over HTTP — signed Slack Events API / interactivity requests, Teams
// activities in Emulator mode — while tiny local servers stand in for Slack's Web API, Slack's response_url and the
// Bot Connector (which answers 429 once). A second child runs Socket Mode against a refused WebSocket address.
// Covers: thread etiquette, group DMs, Share with not_in_channel after an expired response_url, a stale walkthrough
// click (private notice, message unchanged), Slack labels ≤ 30, Ask an expert once, Teams 429 retry, the Emulator's
// loopback rule, Action.Execute (invoke card + message update), no Markdown escapes in TextBlocks, Socket Mode.
// Prints one line per behaviour (PASS/FAIL) and exits 1 if any failed. Not a test: it needs free ports and a few
// seconds per start; run it by hand or in CI after `npm ci`.
//
//   node bench/blackbox.ts
import { type ChildProcess, spawn } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { type AddressInfo, createServer as createTcpServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SECRET = 'blackbox-signing-secret';
const BOT = 'U0BOT';
const EXPERTS = 'C0EXPERTS';
/** Hang safety net per wait; the run itself is event-driven. */
const WAIT_MS = 20_000;

interface Call {
  path: string;
  method?: string;
  body: Record<string, unknown>;
}

/** A local HTTP server that records JSON / form bodies and answers with `answer`. */
async function recorder(answer: (call: Call, n: number) => { status: number; body: unknown; headers?: object }) {
  const calls: Call[] = [];
  const server = createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString();
      let body: Record<string, unknown> = {};
      if ((req.headers['content-type'] ?? '').includes('json')) body = text ? JSON.parse(text) : {};
      else for (const [k, v] of new URLSearchParams(text)) body[k] = /^[[{]/.test(v) ? JSON.parse(v) : v;
      const call = { path: req.url ?? '', body };
      calls.push(call);
      const { status, body: out, headers } = answer(call, calls.length);
      res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(out));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { calls, server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

async function until(check: () => boolean, what: string, waitMs = WAIT_MS): Promise<void> {
  const deadline = Date.now() + waitMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function freePort(): Promise<number> {
  const s = createTcpServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as AddressInfo;
  await new Promise((r) => s.close(r));
  return port;
}

/** Starts `mlops-guide serve`; resolves when it says it is listening. */
async function serve(
  env: Record<string, string>,
): Promise<{ base: string; child: ChildProcess; stop(): Promise<void> }> {
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'mlops-blackbox-'));
  const child = spawn(process.execPath, [join(ROOT, 'bin/mlops-guide.js'), 'serve'], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      HOST: '127.0.0.1',
      PORT: String(port),
      DATA_DIR: dataDir,
      LOG_LEVEL: 'warn',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  const collect = (c: Buffer) => {
    stderr += c.toString();
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  // Starting builds the knowledge index into the fresh DATA_DIR: allow a minute on a loaded machine.
  await until(() => stderr.includes('listening on') || child.exitCode !== null, 'serve to start', 60_000).catch(
    (err: unknown) => {
      child.kill('SIGTERM');
      throw new Error(`${err instanceof Error ? err.message : err}; output: ${stderr.slice(-2000)}`);
    },
  );
  if (child.exitCode !== null) throw new Error(`serve exited ${child.exitCode}: ${stderr}`);
  return {
    base: `http://127.0.0.1:${port}`,
    child,
    async stop() {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

const results: { ok: boolean; what: string; detail?: string }[] = [];
async function check(what: string, run: () => Promise<void>) {
  try {
    await run();
    results.push({ ok: true, what });
  } catch (err) {
    results.push({ ok: false, what, detail: err instanceof Error ? err.message : String(err) });
  }
}
function expect(cond: boolean, message: string): void {
  if (!cond) throw new Error(message);
}

function signed(base: string, body: string, contentType: string) {
  const ts = Math.floor(Date.now() / 1000);
  const sig = createHmac('sha256', SECRET).update(`v0:${ts}:${body}`).digest('hex');
  return fetch(`${base}/slack/events`, {
    method: 'POST',
    headers: { 'content-type': contentType, 'x-slack-signature': `v0=${sig}`, 'x-slack-request-timestamp': String(ts) },
    body,
  });
}

let eventN = 0;
function slackEvent(base: string, event: Record<string, unknown>) {
  eventN += 1;
  const payload = {
    token: 'x',
    team_id: 'T0001',
    api_app_id: 'A0001',
    type: 'event_callback',
    event_id: `Ev0BLACKBOX${eventN}`,
    event_time: Math.floor(Date.now() / 1000),
    authorizations: [{ team_id: 'T0001', user_id: BOT, is_bot: true, is_enterprise_install: false }],
    event: { team: 'T0001', event_ts: event.ts, ...event },
  };
  return signed(base, JSON.stringify(payload), 'application/json');
}

type Json = Record<string, unknown>;
/** Every button label in Slack blocks. */
function slackLabels(blocks: unknown): string[] {
  const out: string[] = [];
  const walk = (n: unknown) => {
    if (Array.isArray(n)) n.forEach(walk);
    else if (n && typeof n === 'object') {
      const o = n as Json;
      if (o.type === 'button' && o.text && typeof o.text === 'object') out.push(String((o.text as Json).text));
      for (const v of Object.values(o)) walk(v);
    }
  };
  walk(blocks);
  return out;
}
/** Adaptive Card parts of a Bot Connector activity body: TextBlock texts and action titles. */
function cardParts(body: Json): { texts: string[]; actions: Json[] } {
  const texts: string[] = [];
  const actions: Json[] = [];
  const walk = (n: unknown) => {
    if (Array.isArray(n)) n.forEach(walk);
    else if (n && typeof n === 'object') {
      const o = n as Json;
      if (o.type === 'TextBlock') texts.push(String(o.text));
      if (typeof o.type === 'string' && o.type.startsWith('Action.')) {
        actions.push(o);
      }
      for (const v of Object.values(o)) walk(v);
    }
  };
  walk(body.attachments ?? body.value ?? body);
  return { texts, actions };
}

async function main() {
  let ts = 1715000000;
  const nextTs = () => {
    ts += 1;
    return `${ts}.000100`;
  };
  const slackApi = await recorder((call) => ({
    status: 200,
    body: call.path.endsWith('/auth.test')
      ? { ok: true, user_id: BOT, bot_id: 'B0BOT', team_id: 'T0001' }
      : call.path.endsWith('/chat.getPermalink')
        ? { ok: true, permalink: 'https://acme.slack.com/archives/C0EXPERTS/p1' }
        : call.path.endsWith('/chat.postMessage') && call.body.channel === 'C0NOTMEMBER'
          ? { ok: false, error: 'not_in_channel' }
          : { ok: true, channel: call.body.channel, ts: nextTs() },
  }));
  // response_url: a path with /expire-once/ answers 404 the first time (an expired URL), as Slack does after 30 min.
  const expired = new Set<string>();
  const hooks = await recorder((call) => {
    if (call.path.includes('/expire-once/') && !expired.has(call.path)) {
      expired.add(call.path);
      return { status: 404, body: 'expired_url' };
    }
    return { status: 200, body: 'ok' };
  });
  // The Bot Connector: the first message POST is throttled (429, Retry-After 1 s), everything after succeeds.
  let throttled = false;
  const connector = await recorder((call) => {
    if (!throttled && call.body.type === 'message') {
      throttled = true;
      return { status: 429, body: { error: { code: 'Throttled' } }, headers: { 'retry-after': '1' } };
    }
    return { status: 200, body: { id: `bot-${Date.now()}` } };
  });

  const app = await serve({
    SLACK_BOT_TOKEN: 'xoxb-blackbox',
    SLACK_SIGNING_SECRET: SECRET,
    SLACK_API_URL: `${slackApi.url}/api/`,
    TEAMS_ALLOW_UNAUTHENTICATED: 'true',
    EXPERT_CHANNEL_SLACK: EXPERTS,
    EXPERT_CHANNEL_NAME: '#mlops-experts',
  });
  const posts = (channel?: string) =>
    slackApi.calls.filter((c) => c.path.endsWith('/chat.postMessage') && (!channel || c.body.channel === channel));
  try {
    await check('Slack: health while serving', async () => {
      expect((await fetch(`${app.base}/healthz`)).status === 200, '/healthz not 200');
    });

    const thread = '1715000000.000100';
    await check('Slack: a mention is answered in a thread', async () => {
      const before = posts().length;
      const text = `<@${BOT}> how do we version training data?`;
      await slackEvent(app.base, { type: 'app_mention', user: 'U0ANA', text, ts: thread, channel: 'C0CHAN1' });
      await until(() => posts().length > before, 'the answer');
      expect(posts().at(-1)?.body.thread_ts === thread, 'answer not in the thread');
    });

    await check('Slack: thread chatter is ignored, a real follow-up from the asker is answered', async () => {
      const before = posts().length;
      const msg = (user: string, text: string) =>
        slackEvent(app.base, {
          type: 'message',
          channel_type: 'channel',
          channel: 'C0CHAN1',
          user,
          text,
          ts: nextTs(),
          thread_ts: thread,
        });
      await msg('U0ANA', 'thanks!');
      await msg('U0BEN', 'lol');
      await msg('U0ANA', '<@U0CAROL01> can you check this against our line 3 data?');
      await msg('U0ANA', 'and how do I get access to the data?');
      await until(() => posts().length > before, 'the follow-up answer');
      // Work runs concurrently: a mention in another thread, sent after everything, is answered once the cheaper
      // chatter handling before it has finished (a hint, not a proof; the tests check each case on its own).
      const sentinel = nextTs();
      const text = `<@${BOT}> what is data drift?`;
      await slackEvent(app.base, { type: 'app_mention', user: 'U0ANA', text, ts: sentinel, channel: 'C0CHAN1' });
      await until(() => posts().some((p) => p.body.thread_ts === sentinel), 'the sentinel answer');
      const inThread = posts()
        .slice(before)
        .filter((p) => p.body.thread_ts === thread);
      expect(inThread.length === 1, `expected 1 reply in the thread, got ${inThread.length}`);
    });

    await check('Slack: Ask an expert posts once to the expert channel, however often it is clicked', async () => {
      const before = posts().length;
      const q = `<@${BOT}> how do we certify a laser interferometer?`;
      const qts = nextTs();
      await slackEvent(app.base, { type: 'app_mention', user: 'U0ANA', text: q, ts: qts, channel: 'C0CHAN1' });
      await until(() => posts().length > before, 'the abstain');
      const blocks = (posts().at(-1)?.body.blocks ?? []) as { elements?: { action_id?: string; value?: string }[] }[];
      const button = blocks.flatMap((b) => b.elements ?? []).find((e) => e.action_id?.startsWith('expert'));
      expect(button !== undefined, 'no Ask an expert button on the abstain');
      const click = (n: number) => {
        const payload = {
          type: 'block_actions',
          user: { id: 'U0ANA', username: 'ana', team_id: 'T0001' },
          api_app_id: 'A0001',
          token: 'x',
          container: { type: 'message', message_ts: qts, channel_id: 'C0CHAN1', is_ephemeral: false },
          trigger_id: `1.2.${n}`,
          team: { id: 'T0001', domain: 'acme' },
          channel: { id: 'C0CHAN1', name: 'ml-platform' },
          message: { type: 'message', ts: qts, user: BOT, text: '' },
          response_url: `${hooks.url}/actions/T0001/${n}`,
          actions: [{ ...button, type: 'button', block_id: 'b', action_ts: `${qts}${n}` }],
        };
        return signed(
          app.base,
          `payload=${encodeURIComponent(JSON.stringify(payload))}`,
          'application/x-www-form-urlencoded',
        );
      };
      const told = hooks.calls.length;
      await click(1);
      await until(() => hooks.calls.length > told, 'the user told');
      await click(2);
      await until(() => hooks.calls.length > told + 1, 'the second click answered');
      expect(posts(EXPERTS).length === 1, `expert channel got ${posts(EXPERTS).length} posts`);
      expect(String(hooks.calls.at(-1)?.body.text).includes('already posted'), 'second click not told "already"');
    });

    await check('Slack: a mention in a group DM (mpim) is answered in its thread', async () => {
      const before = posts().length;
      const t = nextTs();
      const text = `<@${BOT}> how do we version training data?`;
      await slackEvent(app.base, { type: 'app_mention', user: 'U0ANA', text, ts: t, channel: 'G0MPIM1' });
      await until(() => posts().length > before, 'the answer in the group DM');
      expect(posts().at(-1)?.body.channel === 'G0MPIM1' && posts().at(-1)?.body.thread_ts === t, 'not in its thread');
    });

    const slash = (text: string, channel: string, n: number) =>
      signed(
        app.base,
        new URLSearchParams({
          token: 'x',
          team_id: 'T0001',
          team_domain: 'acme',
          channel_id: channel,
          channel_name: 'ml-platform',
          user_id: 'U0ANA',
          user_name: 'ana',
          command: '/mlops',
          text,
          api_app_id: 'A0001',
          is_enterprise_install: 'false',
          response_url: `${hooks.url}/commands/T0001/${n}`,
          trigger_id: `9.9.${n}`,
        }).toString(),
        'application/x-www-form-urlencoded',
      );
    const blockClick = (
      channel: string,
      messageTs: string,
      action: Json,
      n: number,
      threadTs?: string,
      responsePath = `/actions/T0001/${n}`,
    ) => {
      const payload = {
        type: 'block_actions',
        user: { id: 'U0ANA', username: 'ana', team_id: 'T0001' },
        api_app_id: 'A0001',
        token: 'x',
        container: {
          type: 'message',
          message_ts: messageTs,
          channel_id: channel,
          is_ephemeral: false,
          ...(threadTs ? { thread_ts: threadTs } : {}),
        },
        trigger_id: `3.4.${n}`,
        team: { id: 'T0001', domain: 'acme' },
        channel: { id: channel, name: 'ml-platform' },
        message: { type: 'message', ts: messageTs, user: BOT, text: '', ...(threadTs ? { thread_ts: threadTs } : {}) },
        response_url: `${hooks.url}${responsePath}`,
        actions: [{ ...action, type: 'button', block_id: 'b', action_ts: `${messageTs}${n}` }],
      };
      return signed(
        app.base,
        `payload=${encodeURIComponent(JSON.stringify(payload))}`,
        'application/x-www-form-urlencoded',
      );
    };

    await check('Slack: Share in a channel the bot is not in says how to /invite it, privately', async () => {
      const before = hooks.calls.length;
      const res = await slash('property drift', 'C0NOTMEMBER', 101);
      expect(res.status === 200, `slash command answered ${res.status}`);
      await until(() => hooks.calls.length > before, 'the ephemeral answer');
      const buttons = ((hooks.calls.at(-1)?.body.blocks ?? []) as { elements?: Json[] }[]).flatMap(
        (b) => b.elements ?? [],
      );
      const share = buttons.find((e) => String(e.action_id ?? '').includes('share'));
      expect(share !== undefined, 'no Share button on the ephemeral answer');
      const told = hooks.calls.length;
      await blockClick('C0NOTMEMBER', nextTs(), share as Json, 102, undefined, '/expire-once/T0001/102');
      await until(() => hooks.calls.length > told + 1, 'the notice (after the expired response_url)');
      const notice = hooks.calls.at(-1)?.body ?? {};
      expect(notice.response_type === 'ephemeral', `notice is ${String(notice.response_type)}`);
      expect(JSON.stringify(notice).includes('/invite'), 'notice does not say /invite');
    });

    await check('Slack: a click on an outdated walkthrough step is answered privately; the message stays', async () => {
      const before = posts().length;
      const t = nextTs();
      await slackEvent(app.base, {
        type: 'app_mention',
        user: 'U0ANA',
        text: `<@${BOT}> infra`,
        ts: t,
        channel: 'C0CHAN2',
      });
      await until(() => posts().length > before, 'the first step');
      const step = posts().at(-1);
      const buttons = ((step?.body.blocks ?? []) as { elements?: Json[] }[]).flatMap((b) => b.elements ?? []);
      const option = buttons.find((e) => String(e.action_id ?? '').startsWith('walkthrough:'));
      expect(option !== undefined, 'no walkthrough button on the first step');
      const messageTs = `${t}9`;
      const updates = () => slackApi.calls.filter((c) => c.path.endsWith('/chat.update')).length;
      const ephemerals = () =>
        slackApi.calls.filter((c) => c.path.endsWith('/chat.postEphemeral')).length +
        hooks.calls.filter((c) => c.body.response_type === 'ephemeral' && c.body.replace_original !== true).length;
      const u0 = updates();
      const h0 = hooks.calls.length;
      await blockClick('C0CHAN2', messageTs, option as Json, 201, t);
      await until(() => updates() > u0 || hooks.calls.length > h0, 'the step advanced');
      const u1 = updates();
      const e1 = ephemerals();
      await blockClick('C0CHAN2', messageTs, option as Json, 202, t);
      await until(() => ephemerals() > e1, 'the private notice');
      expect(updates() === u1, 'the outdated click changed the message');
    });

    await check('Slack: every button label the bot sent is at most 30 characters', async () => {
      const labels = [...posts(), ...hooks.calls].flatMap((c) => slackLabels(c.body.blocks));
      expect(labels.length > 0, 'no buttons seen');
      const long = labels.filter((l) => [...l].length > 30);
      expect(long.length === 0, `labels over 30: ${long.join(' | ')}`);
    });

    const activity = (id: string, serviceUrl: string) => ({
      type: 'message',
      id,
      serviceUrl,
      channelId: 'msteams',
      from: { id: '29:1user-alice', name: 'Alice' },
      conversation: { conversationType: 'personal', id: 'a:1personal-alice', tenantId: 't' },
      recipient: { id: '28:bot', name: 'MLOps Guide' },
      text: 'how do we version training data?',
    });
    const toTeams = (body: unknown) =>
      fetch(`${app.base}/api/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });

    await check('Teams: a connector 429 (Retry-After 1 s) is retried and the reply delivered once', async () => {
      const res = await toTeams(activity('bb-1', `${connector.url}/`));
      expect(res.status === 200, `POST /api/messages answered ${res.status}`);
      const messages = connector.calls.filter((c) => c.body.type === 'message');
      expect(messages.length === 2, `expected 429 + 1 delivery, connector saw ${messages.length} message POSTs`);
    });

    await check('Teams (Emulator mode): a non-loopback serviceUrl is refused', async () => {
      const before = connector.calls.length;
      const res = await toTeams(activity('bb-2', 'https://smba.trafficmanager.net/emea/'));
      expect(res.status === 403, `expected 403, got ${res.status}`);
      expect(connector.calls.length === before, 'something was sent');
    });
    await check('Teams: Action.Execute answers with the next card AND updates the message for everyone', async () => {
      const before = connector.calls.length;
      const res = await toTeams({ ...activity('bb-3', `${connector.url}/`), text: 'infra' });
      expect(res.status === 200, `infra answered ${res.status}`);
      const posted = connector.calls.slice(before).find((c) => c.body.type === 'message');
      expect(posted !== undefined, 'no card posted');
      const execute = cardParts(posted?.body ?? {}).actions.find((a) => a.type === 'Action.Execute');
      expect(execute !== undefined, 'no Action.Execute on the card');
      const replyToId = 'bb-card-1';
      const u0 = connector.calls.filter((c) => c.path.includes(`/activities/${replyToId}`)).length;
      const invoke = {
        type: 'invoke',
        name: 'adaptiveCard/action',
        id: 'bb-4',
        serviceUrl: `${connector.url}/`,
        channelId: 'msteams',
        from: { id: '29:1user-alice', name: 'Alice' },
        conversation: { conversationType: 'personal', id: 'a:1personal-alice', tenantId: 't' },
        recipient: { id: '28:bot', name: 'MLOps Guide' },
        replyToId,
        value: { action: { type: 'Action.Execute', verb: execute?.verb, data: execute?.data }, trigger: 'manual' },
      };
      const r = await toTeams(invoke);
      const body = (await r.json()) as Json;
      expect(
        r.status === 200 && body.type === 'application/vnd.microsoft.card.adaptive',
        `invoke: ${JSON.stringify(body).slice(0, 200)}`,
      );
      await until(
        () => connector.calls.filter((c) => c.path.includes(`/activities/${replyToId}`)).length > u0,
        'the message update',
      );
    });

    await check('Teams: card text shows no Markdown escapes (no \\* or \\_ in TextBlocks)', async () => {
      const parts = connector.calls.map((c) => cardParts(c.body));
      const texts = parts.flatMap((p) => p.texts);
      expect(texts.length > 0, 'no TextBlocks seen');
      const escaped = texts.filter((t) => /\\[*_`#[\]]/.test(t));
      expect(escaped.length === 0, `escaped: ${escaped.slice(0, 2).join(' | ')}`);
    });
  } finally {
    await app.stop();
  }

  // Socket Mode with a WebSocket address that refuses connections: HTTP is served anyway, /readyz says why.
  const refused = await freePort();
  const socketApi = await recorder((call) => ({
    status: 200,
    body: call.path.endsWith('/apps.connections.open')
      ? { ok: true, url: `ws://127.0.0.1:${refused}/link/?ticket=t` }
      : { ok: true, user_id: BOT, bot_id: 'B0BOT' },
  }));
  const socket = await serve({
    SLACK_BOT_TOKEN: 'xoxb-blackbox',
    SLACK_APP_TOKEN: 'xapp-blackbox',
    SLACK_API_URL: `${socketApi.url}/api/`,
  });
  try {
    await check('Socket Mode: /healthz answers while the WebSocket is refused; /readyz gives the reason', async () => {
      expect((await fetch(`${socket.base}/healthz`)).status === 200, '/healthz not 200');
      let ready = '';
      const poll = async () => {
        ready = await (await fetch(`${socket.base}/readyz`)).text();
        return ready;
      };
      const deadline = Date.now() + WAIT_MS;
      while (!(await poll()).includes('ECONNREFUSED') && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(ready.includes('"connecting"') && ready.includes('ECONNREFUSED'), `/readyz: ${ready}`);
    });
  } finally {
    await socket.stop();
  }

  for (const s of [slackApi.server, hooks.server, connector.server, socketApi.server] as Server[]) s.close();
  for (const r of results) console.log(`${r.ok ? 'PASS' : 'FAIL'}  ${r.what}${r.detail ? ` — ${r.detail}` : ''}`);
  const failed = results.filter((r) => !r.ok).length;
  console.log(`${results.length - failed} passed, ${failed} failed`);
  process.exitCode = failed ? 1 : 0;
}

await main();
