// The web console in a real browser: Debian's chromium (/usr/bin/chromium, installed by .ci/run with apt) driven by
// playwright-core (never `playwright install`: nothing is downloaded). Skipped, saying why, without chromium.
// Waits are for selectors and events, never for time; timeouts are only a safety net against a hang.
// Screenshots of the chat and the gaps page go to .ci/out/screenshots/ (gitignored).
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type App, createApp } from '../../../src/app.ts';
import type { WalkthroughDefinition } from '../../../src/flows/index.ts';
import { definitions } from '../../flows/helpers.ts';
import { type TempDirs, tempDirs, testConfig } from '../../helpers/app.ts';
import { type ConsoleHarness, startConsole } from './harness.ts';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const HAVE_CHROMIUM = existsSync(CHROMIUM);
const SCREENSHOTS = resolve(import.meta.dirname, '../../../.ci/out/screenshots');
const TOKEN = 'browser-test-token-0123456789';
/** Safety net against a hang only; every wait is for a selector or an event. */
const HANG = 30_000;

if (!HAVE_CHROMIUM) {
  console.warn(
    `browser tests skipped: no chromium at ${CHROMIUM} (install Debian's chromium: apt-get install -y chromium; ` +
      '.ci/run does), or set CHROMIUM_PATH',
  );
}

let dirs: TempDirs;
let app: App;
let local: ConsoleHarness;
let remote: ConsoleHarness;
let browser: Browser;
let infra: WalkthroughDefinition;

beforeAll(async () => {
  if (!HAVE_CHROMIUM) return;
  dirs = tempDirs();
  app = await createApp(testConfig(dirs, { RATE_LIMIT_PER_MINUTE: '0' }), { storage: 'memory' });
  local = await startConsole({ MAINTAINERS: 'console:local' }, { dirs, app });
  // The same console as another machine sees it: a token is needed.
  remote = await startConsole({ CONSOLE_TOKEN: TOKEN }, { dirs, app, clientAddress: '10.1.2.3' });
  const infraDefinition = (await definitions()).find((d) => d.id === 'infra');
  if (!infraDefinition) throw new Error('no infra walkthrough');
  infra = infraDefinition;
  mkdirSync(SCREENSHOTS, { recursive: true });
  // Playwright gives each launch a fresh, empty --user-data-dir of its own (and removes it on close).
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    timeout: HANG,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await local?.close();
  await remote?.close();
  await app?.close();
  dirs?.cleanup();
});

async function newPage(): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ acceptDownloads: true });
  context.setDefaultTimeout(HANG);
  const page = await context.newPage();
  // An XSS payload that ran would open a dialog: fail loudly instead.
  page.on('dialog', (d) => {
    throw new Error(`a script ran: dialog "${d.message()}"`);
  });
  return { context, page };
}

/** Types a message and sends it with Enter; resolves with the new turn once its reply is on the page. */
async function send(page: Page, text: string) {
  const before = await page.locator('#chat-log > article').count();
  await page.fill('#message', text);
  await page.press('#message', 'Enter');
  const turn = page.locator('#chat-log > article').nth(before);
  await turn.locator('.reply').waitFor();
  return turn;
}

/** The walkthrough step a turn shows (from its buttons' values, the contract; labels are content). */
async function stepOf(turn: ReturnType<Page['locator']>): Promise<string | undefined> {
  const values = await turn
    .locator('button[name="choice"]')
    .evaluateAll((buttons) => buttons.map((b) => (b as unknown as { value: string }).value));
  for (const v of values) {
    const inner = JSON.parse(JSON.parse(v).value) as { a?: string; s?: string };
    if (inner.a === 'answer') return inner.s;
  }
  return undefined;
}

/** Clicks the walkthrough button of `action` (and option value) in the last turn; resolves with the new turn. */
async function clickFlow(page: Page, action: string, value?: string) {
  const before = await page.locator('#chat-log > article').count();
  const id = `walkthrough:${action}${value === undefined ? '' : `:${value}`}`;
  await page
    .locator('#chat-log > article')
    .last()
    .locator(`button[name="choice"][value^=${JSON.stringify(`{"actionId":"${id}"`)}]`)
    .click();
  const turn = page.locator('#chat-log > article').nth(before);
  await turn.locator('.reply').waitFor();
  return turn;
}

const labelOf = (stepId: string, value: string): string => {
  const step = infra.steps.find((s) => s.id === stepId);
  const option = step?.options?.find((o) => o.value === value);
  if (!option) throw new Error(`no option ${value} on step ${stepId}`);
  return option.label;
};

// CI (.ci/run) sets REQUIRE_BROWSER=1 once it has installed chromium: there a missing browser is a failure, not a skip,
// so a green CI means these tests really ran.
describe.runIf(process.env.REQUIRE_BROWSER === '1' && !HAVE_CHROMIUM)('browser required', () => {
  it(`finds chromium at ${CHROMIUM}`, () => {
    expect(HAVE_CHROMIUM, `REQUIRE_BROWSER=1 but no chromium at ${CHROMIUM}`).toBe(true);
  });
});

describe.skipIf(!HAVE_CHROMIUM)('web console in chromium', () => {
  it('asks a question with Enter, shows the answer with sources, opens a source; typed markup stays text', async () => {
    const { context, page } = await newPage();
    await page.goto(`${local.base}/console/chat`);
    await expect(page.locator('label[for="message"]').textContent()).resolves.toBe('Your message');
    const turn = await send(page, 'How do I detect model drift?');
    await turn.locator('.sources a').first().waitFor();
    // Focus stays in the message box for the next question (as in Slack and Teams).
    await page.waitForFunction("document.activeElement && document.activeElement.id === 'message'");
    const xss = await send(page, '<img src=x onerror=alert(1)> and <script>alert(2)</script> drift');
    expect(await xss.locator('.you').textContent()).toContain('<img src=x onerror=alert(1)>');
    expect(await xss.locator('img').count()).toBe(0);
    await page.screenshot({ path: join(SCREENSHOTS, 'console-chat.png'), fullPage: true });
    const title = (await turn.locator('.sources a').first().textContent()) ?? '';
    await turn.locator('.sources a').first().click();
    await page.waitForURL(/\/console\/entry\//);
    expect(await page.locator('h1').textContent()).toBe(title);
    await context.close();
  });

  it('runs the infra walkthrough to its decision record, with a step back on the way', async () => {
    const { context, page } = await newPage();
    await page.goto(`${local.base}/console/chat`);
    let turn = await send(page, 'infra');
    // The intro offers a start button, or the first question comes at once.
    if ((await stepOf(turn)) === undefined) turn = await clickFlow(page, 'start');
    expect(await stepOf(turn)).toBe('classification');
    turn = await clickFlow(page, 'answer', 'internal');
    const second = await stepOf(turn);
    expect(second).toBeDefined();
    turn = await clickFlow(page, 'back');
    expect(await stepOf(turn)).toBe('classification');
    expect(await turn.locator('button[name="choice"]').allTextContents()).toContain(
      labelOf('classification', 'internal'),
    );
    // A keyboard user's focus follows the click to the new step.
    await page.waitForFunction("document.activeElement && document.activeElement.tagName === 'ARTICLE'");
    const answers: Record<string, string> = {
      classification: 'internal',
      policy: 'allowed',
      overclassified: 'appropriate',
      runtime: 'flexible',
      gpu: 'training',
      platform: 'available',
      operations: 'some',
      integration: 'api',
    };
    for (let i = 0; i < 12; i++) {
      if ((await turn.locator('figure.copyable').count()) > 0) break;
      const step = await stepOf(turn);
      if (!step) break;
      turn = await clickFlow(page, 'answer', answers[step] ?? '');
    }
    const record = turn.locator('figure.copyable');
    await record.waitFor();
    expect(await record.locator('figcaption').textContent()).toBe('Decision record');
    expect((await record.locator('pre').textContent())?.length).toBeGreaterThan(100);
    await context.close();
  });

  it('takes 👎 with a reason, shows it on the gaps page, and exports it as CSV', async () => {
    const { context, page } = await newPage();
    await page.goto(`${local.base}/console/chat`);
    const turn = await send(page, 'How should we version training data?');
    await turn.locator('details.feedback-down summary').click();
    const reason = 'Browser test: nothing about DVC remotes';
    await turn.locator('details.feedback-down textarea').fill(reason);
    await turn.locator('details.feedback-down button[type="submit"]').click();
    const thanks = page.locator('#chat-log > article').last();
    await thanks.locator('.reply', { hasText: 'your reason was passed' }).waitFor();
    await page.click('nav a[href="/console/gaps"]');
    await page.locator('h1', { hasText: 'Knowledge gaps' }).waitFor();
    await page.locator('.gaps q', { hasText: reason }).waitFor();
    await page.locator('.chart svg rect').first().waitFor();
    await page.screenshot({ path: join(SCREENSHOTS, 'console-gaps.png'), fullPage: true });
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('a[href="/console/gaps.csv"]')]);
    const file = await download.path();
    const csv = readFileSync(file, 'utf8');
    expect(csv.startsWith('id,kind,count,last,question,also asked,reasons')).toBe(true);
    expect(csv).toContain(reason);
    await context.close();
  });

  it('refuses another machine without a token; logs in with the token and out again', async () => {
    const { context, page } = await newPage();
    const refused = await page.goto(`${remote.base}/console/chat`);
    expect(refused?.status()).toBe(401);
    await page.fill('#token', 'not-the-right-token-at-all');
    await page.click('form.login button[type="submit"]');
    await page.locator('[role="alert"]', { hasText: 'That token is not right.' }).waitFor();
    await page.fill('#token', TOKEN);
    await page.click('form.login button[type="submit"]');
    await page.waitForURL(/\/console\/chat$/);
    await page.locator('.who-am-i', { hasText: 'token' }).waitFor();
    await send(page, 'help');
    await page.click('form.logout button[type="submit"]');
    await page.waitForURL(/\/console\/login$/);
    await page.locator('#token').waitFor();
    const after = await page.goto(`${remote.base}/console/chat`);
    expect(after?.status()).toBe(401);
    await context.close();
  });
});
