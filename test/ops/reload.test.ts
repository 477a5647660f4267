// Knowledge hot reload: an edit is served after reload without a restart; a broken edit keeps the last good
// knowledge in service and reports its problems; questions during a rebuild are answered from the old index.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type App, createApp } from '../../src/app.ts';
import type { Inbound } from '../../src/core/inbound.ts';
import type { Reply } from '../../src/core/reply.ts';
import { type TempDirs, tempDirs, testConfig } from '../helpers/app.ts';
import { until } from '../helpers/until.ts';

const ENTRY = 'glossary/glossary-mlops.md';
const maintainer = { platform: 'slack' as const, id: 'UADMIN' };
const someone = { platform: 'teams' as const, id: '29:someone' };
const conversation = { platform: 'slack' as const, id: 'C1' };
const admin = (text: string, user: { platform: 'slack' | 'teams'; id: string } = maintainer): Inbound => ({
  kind: 'command',
  user,
  conversation,
  command: 'admin',
  text,
});
const textOf = (r: Reply) => r.blocks.map((b) => ('text' in b ? b.text : '')).join('\n');

let dirs: TempDirs;
let app: App;
beforeEach(async () => {
  dirs = tempDirs({ copyKnowledge: true });
  app = await createApp(testConfig(dirs, { MAINTAINERS: 'slack:UADMIN' }), { storage: 'memory' });
});
afterEach(async () => {
  await app.close();
  dirs.cleanup();
});

const summaryOf = async (question: string) => (await app.runtime.current().answerer.answer(question)).markdown;

describe('knowledge hot reload', () => {
  it('serves an edited entry after the watcher reloads, without a restart', async () => {
    const file = join(dirs.knowledgeDir, ENTRY);
    const before = readFileSync(file, 'utf8');
    expect(await summaryOf('What is MLOps?')).not.toContain('zebra-striped');
    const stop = app.runtime.watch(dirs.knowledgeDir, { debounceMs: 50 });
    try {
      writeFileSync(file, before.replace(/summary: >-\n/, 'summary: >-\n  MLOps (zebra-striped edition) —\n'));
      await until(
        async () => (await summaryOf('What is MLOps?')).includes('zebra-striped'),
        'the edited entry to be served',
        { timeoutMs: 10_000, intervalMs: 50 },
      );
      expect(app.runtime.reloads.ok).toBeGreaterThanOrEqual(1);
    } finally {
      stop();
    }
  });

  it('keeps the last good knowledge when an edit is broken, and reports the problems to the maintainer', async () => {
    const file = join(dirs.knowledgeDir, ENTRY);
    writeFileSync(
      file,
      readFileSync(file, 'utf8')
        .replace(/^title: .*$/m, '')
        .replace('related:', 'related:\n  - no-such-entry'),
    );
    const reply = await app.bot.handle(admin('reload'));
    expect(textOf(reply)).toMatch(/last good knowledge stays in service/);
    expect(reply.blocks.some((b) => b.type === 'copyable' && /glossary-mlops\.md:\d+: .*title/.test(b.text))).toBe(
      true,
    );
    expect(await summaryOf('What is MLOps?')).toMatch(/DevOps/);
    expect(app.runtime.reloads.failed).toBe(1);
  });

  it('answers from the old index while a reload is running, then swaps', async () => {
    const file = join(dirs.knowledgeDir, ENTRY);
    writeFileSync(
      file,
      readFileSync(file, 'utf8').replace(/summary: >-\n/, 'summary: >-\n  MLOps (okapi edition) —\n'),
    );
    const reloading = app.runtime.reload();
    const during = await summaryOf('What is MLOps?');
    expect(during).not.toContain('okapi');
    expect((await reloading).ok).toBe(true);
    expect(await summaryOf('What is MLOps?')).toContain('okapi');
  });

  it('refuses admin commands to non-maintainers', async () => {
    const refused = await app.bot.handle(admin('reload', someone));
    expect(textOf(refused)).toMatch(/for the maintainers/);
    expect(app.runtime.reloads.ok + app.runtime.reloads.failed).toBe(0);
    const stats = await app.bot.handle(admin('stats'));
    expect(textOf(stats)).toMatch(/question/i);
  });

  it('learns an alias a maintainer adds to knowledge/vocabulary/ on the next reload', async () => {
    const question = 'what is zebrabox and should my team use it?';
    const before = await app.runtime.current().answerer.answer(question);
    expect(before.abstained).toBe(true);
    writeFileSync(
      join(dirs.knowledgeDir, 'vocabulary', 'plant-tools.yaml'),
      '# Our tools\naliases:\n  - alias: Zebrabox\n    means: [experiment-tracking]\n',
    );
    expect((await app.bot.handle(admin('reload'))).kind).toBe('admin');
    const after = await app.runtime.current().answerer.answer(question);
    expect(after.abstained).toBe(false);
    expect(after.entryIds[0]).toMatch(/experiment-tracking/);
  });

  it('keeps the last good vocabulary when a vocabulary edit is broken, and says where', async () => {
    writeFileSync(
      join(dirs.knowledgeDir, 'vocabulary', 'plant-tools.yaml'),
      'aliases:\n  - alias: Zebrabox\n    means: [no-such-concept]\n',
    );
    const reply = await app.bot.handle(admin('reload'));
    expect(
      reply.blocks.some(
        (b) => b.type === 'copyable' && /vocabulary\/plant-tools\.yaml:2: .*no-such-concept/.test(b.text),
      ),
    ).toBe(true);
    expect(app.runtime.reloads.failed).toBe(1);
  });
});
