import { describe, expect, it } from 'vitest';
import { type BotDeps, createBot, hashUserId } from '../../src/core/bot.ts';
import { homeReply } from '../../src/core/commands.ts';
import type { Inbound } from '../../src/core/inbound.ts';
import { type Block, CoreAction, feedbackValue, parseFeedbackValue, type Reply } from '../../src/core/reply.ts';
import { createMemoryEventStore } from '../../src/store/events-memory.ts';
import { createMemoryKeyValueStore } from '../../src/store/kv-memory.ts';
import { fakeAnswerToReply, fakeWalkthroughs, fixtureRuntime } from './fixtures.ts';

const user = { platform: 'slack' as const, id: 'U1' };
const conversation = { platform: 'slack' as const, id: 'C1' };
const msg = (text: string, u = user): Inbound => ({ kind: 'message', user: u, conversation, text });
const cmd = (command: string, text = '', u = user): Inbound => ({
  kind: 'command',
  user: u,
  conversation,
  command,
  text,
});
const click = (actionId: string, value: string, text?: string): Inbound => ({
  kind: 'action',
  user,
  conversation,
  actionId,
  value,
  ...(text ? { text } : {}),
});

const textOf = (r: Reply) =>
  r.blocks
    .map((b: Block) => ('text' in b ? b.text : b.type === 'choices' ? b.choices.map((c) => c.label).join(' ') : ''))
    .join('\n');

function setup(overrides: Partial<BotDeps> = {}, settings: Partial<BotDeps['settings']> = {}) {
  let now = Date.UTC(2026, 10, 25, 12);
  const runtime = fixtureRuntime();
  const events = createMemoryEventStore(() => now);
  const kv = createMemoryKeyValueStore(() => now);
  const walkthroughs = fakeWalkthroughs();
  const bot = createBot({
    knowledge: () => runtime,
    answerToReply: fakeAnswerToReply,
    walkthroughs,
    events,
    kv,
    settings: {
      maintainers: [{ platform: 'slack', userId: 'UADMIN' }],
      storeQuestionText: true,
      rateLimitPerMinute: 0,
      userHashSalt: 'salt',
      ...settings,
    },
    clock: () => now,
    ...overrides,
  });
  return { bot, runtime, events, kv, walkthroughs, advance: (ms: number) => (now += ms) };
}

describe('bot: questions', () => {
  it('answers a question and records it with a hashed user id', async () => {
    const { bot, events } = setup();
    const reply = await bot.handle(msg('Why do models drift?'));
    expect(reply.kind).toBe('answer');
    expect(textOf(reply)).toContain('data it sees changes');
    const [event] = await events.list();
    expect(event).toMatchObject({
      type: 'question',
      text: 'Why do models drift?',
      abstained: false,
      platform: 'slack',
    });
    expect(event?.userHash).toBe(hashUserId('salt', 'slack', 'U1'));
    expect(JSON.stringify(event)).not.toContain('U1');
  });

  it('does not keep question text when STORE_QUESTION_TEXT=false', async () => {
    const { bot, events } = setup({}, { storeQuestionText: false });
    await bot.handle(msg('Why do models drift?'));
    const [event] = await events.list();
    expect(event && 'text' in event ? event.text : undefined).toBeUndefined();
  });

  it('handles empty, over-long and odd input without crashing', async () => {
    const { bot, runtime } = setup();
    expect((await bot.handle(msg('   '))).kind).toBe('command'); // help
    const long = await bot.handle(cmd('ask', 'x'.repeat(4001)));
    expect(long.kind).toBe('error');
    expect(textOf(long)).toMatch(/too long/);
    for (const odd of [
      '<!channel> drift?',
      '\u0000\u0007 drift \u{1F600}',
      'Wie funktioniert Drift?',
      '日本語の質問',
    ]) {
      const r = await bot.handle(msg(odd));
      expect(['answer', 'abstain']).toContain(r.kind);
    }
    expect(runtime.answerer.asked).toContain('<!channel> drift?');
  });

  it('turns an unexpected failure into a coded error reply', async () => {
    const runtime = fixtureRuntime();
    runtime.answerer.answer = async () => {
      throw new Error('boom');
    };
    const { bot } = setup({ knowledge: () => runtime });
    const reply = await bot.handle(msg('drift?'));
    expect(reply.kind).toBe('error');
    expect(textOf(reply)).toMatch(/error code unknown/);
  });

  it('rate-limits a user with a friendly reply, per user', async () => {
    const { bot, advance } = setup({}, { rateLimitPerMinute: 2 });
    await bot.handle(msg('drift?'));
    await bot.handle(msg('drift?'));
    const third = await bot.handle(msg('drift?'));
    expect(textOf(third)).toMatch(/wait a minute/);
    expect((await bot.handle(msg('drift?', { platform: 'slack', id: 'U2' }))).kind).toBe('answer');
    advance(60_000);
    expect((await bot.handle(msg('drift?'))).kind).toBe('answer');
  });
});

describe('bot: commands', () => {
  it('help lists the commands; an unknown command gets help, not an error', async () => {
    const { bot } = setup();
    const help = await bot.handle(cmd('help'));
    expect(textOf(help)).toContain('property <name>');
    expect(textOf(help)).not.toContain('admin reload');
    const unknown = await bot.handle(cmd('frobnicate'));
    expect(unknown.kind).toBe('command');
    expect(textOf(unknown)).toMatch(/don.t know that command/);
    expect(unknown.blocks).toContainEqual({ type: 'plain', text: 'You typed: frobnicate' });
  });

  it('treats a slash command that starts with a question word as a question', async () => {
    const { bot, runtime } = setup();
    const reply = await bot.handle(cmd('why', 'do models drift?'));
    expect(reply.kind).toBe('answer');
    expect(runtime.answerer.asked).toContain('why do models drift?');
  });

  it('properties lists each property in one line; property <name> explains one for stakeholders', async () => {
    const { bot } = setup();
    const list = await bot.handle(cmd('properties'));
    expect(textOf(list)).toContain('Models drift');
    expect(textOf(list)).toContain('Outcomes are uncertain');
    const one = await bot.handle(cmd('property', 'model decay'));
    expect(textOf(one)).toContain('The world changes');
    expect(textOf(one)).toContain('What this means for your plans');
    const missing = await bot.handle(cmd('property', 'teleportation'));
    expect(textOf(missing)).toMatch(/don\u2019t know that property/);
  });

  it('typed commands work in messages; sentences starting with a command word stay questions', async () => {
    const { bot, runtime } = setup();
    expect(textOf(await bot.handle(msg('property drift')))).toContain('The world changes');
    await bot.handle(msg('about the drift of models over the years'));
    expect(runtime.answerer.asked).toContain('about the drift of models over the years');
  });

  it('challenges bring their solutions; guidelines filter by topic; about shows the study', async () => {
    const { bot } = setup();
    expect(textOf(await bot.handle(cmd('challenges')))).toMatch(/Too many tools[\s\S]*A standard toolchain/);
    expect(textOf(await bot.handle(cmd('guidelines')))).toContain('monitoring');
    expect(textOf(await bot.handle(cmd('guidelines', 'monitoring')))).toContain('Track input drift');
    expect(textOf(await bot.handle(cmd('guidelines', 'quantum')))).toMatch(/no guidelines on that topic/);
    expect(textOf(await bot.handle(cmd('about')))).toContain('Ten interviews');
  });

  it('starts walkthroughs with their pre-filled text, also from a suggestion button', async () => {
    const { bot, walkthroughs } = setup();
    await bot.handle(cmd('infra'));
    await bot.handle(cmd('data-owner', 'coating logs'));
    await bot.handle(click('command', 'data-owner'));
    expect(walkthroughs.started).toEqual(['infra', 'data-owner:coating logs', 'data-owner']);
  });
});

describe('bot: walkthroughs, feedback and admin', () => {
  it('routes walkthrough clicks and answers; a question mid-walkthrough is answered and the walkthrough offered again', async () => {
    const { bot, runtime } = setup();
    await bot.handle(cmd('infra'));
    const clicked = await bot.handle(click('flow:infra', 'cloud'));
    expect(clicked.replaceOriginal).toBe(true);
    expect(textOf(await bot.handle(msg('yes')))).toContain('Next step');
    const mid = await bot.handle(msg('What does drift mean?'));
    expect(runtime.answerer.asked).toContain('What does drift mean?');
    expect(textOf(mid)).toContain('Continue the walkthrough');
  });

  it('stores feedback with the answered question and the reason', async () => {
    const { bot, events } = setup();
    const answer = await bot.handle(msg('Why do models drift?'));
    const up = await bot.handle(
      click('feedback', JSON.stringify({ answerId: answer.answerId, rating: 'down' }), 'too vague'),
    );
    expect(textOf(up)).toMatch(/reason was passed/);
    const feedback = (await events.list({ types: ['feedback'] }))[0];
    expect(feedback).toMatchObject({ rating: 'down', reason: 'too vague', question: 'Why do models drift?' });
    const bad = await bot.handle(click('feedback', 'not json'));
    expect(bad.kind).toBe('error');
  });

  it('refuses admin commands to non-maintainers and runs them for maintainers', async () => {
    let reloads = 0;
    const { bot } = setup({
      reload: async () => {
        reloads++;
        return reloads === 1
          ? { ok: true, entries: 6, problems: [], durationMs: 5 }
          : {
              ok: false,
              entries: 6,
              problems: [{ file: 'x.md', line: 3, message: 'title: required', severity: 'error' }],
              durationMs: 1,
            };
      },
      reports: { stats: async () => '**stats**', gaps: async () => '**gaps**' },
    });
    const refused = await bot.handle(cmd('admin', 'reload'));
    expect(textOf(refused)).toMatch(/for the maintainers/);
    expect(reloads).toBe(0);
    const admin = { platform: 'slack' as const, id: 'UADMIN' };
    expect(textOf(await bot.handle(cmd('admin', 'reload', admin)))).toMatch(/reloaded: 6 entries/);
    expect(textOf(await bot.handle(cmd('admin', 'reload', admin)))).toMatch(/x\.md:3: title: required/);
    expect(textOf(await bot.handle(cmd('admin', 'gaps', admin)))).toBe('**gaps**');
    expect(textOf(await bot.handle(cmd('admin', 'stats', admin)))).toBe('**stats**');
  });

  it('answers an unknown button politely', async () => {
    const { bot } = setup();
    expect(textOf(await bot.handle(click('weird', 'x')))).toMatch(/no longer supported/);
  });
});

describe('bot: conversation context (follow-ups)', () => {
  const inThread = (text: string, threadId: string, u = user): Inbound => ({
    kind: 'message',
    user: u,
    conversation: { ...conversation, threadId },
    text,
  });

  it('passes the earlier questions of the same thread, and the entries they were answered from', async () => {
    const { bot, runtime } = setup();
    await bot.handle(inThread('What is model drift?', 'T1'));
    await bot.handle(inThread('and how do I notice it?', 'T1'));
    expect(runtime.answerer.contexts[0]).toBeUndefined();
    expect(runtime.answerer.contexts[1]).toEqual({
      turns: [{ question: 'What is model drift?', entryIds: ['property-drift'] }],
    });
  });

  it('keeps threads and conversations apart: another thread starts without context', async () => {
    const { bot, runtime } = setup();
    await bot.handle(inThread('What is model drift?', 'T1'));
    await bot.handle(inThread('and how do I notice it?', 'T2'));
    expect(runtime.answerer.contexts[1]).toBeUndefined();
  });

  it('forgets the context after CONVERSATION_TTL_HOURS', async () => {
    const { bot, runtime, advance } = setup({}, { conversationTtlMs: 3_600_000 });
    await bot.handle(inThread('What is model drift?', 'T1'));
    advance(3_600_001);
    await bot.handle(inThread('and how do I notice it?', 'T1'));
    expect(runtime.answerer.contexts[1]).toBeUndefined();
  });

  it('keeps only the topic, not the user\u2019s words, when question text may not be stored', async () => {
    const { bot, runtime } = setup({}, { storeQuestionText: false });
    await bot.handle(inThread('What is model drift? my secret project xyz', 'T1'));
    await bot.handle(inThread('and how do I notice it?', 'T1'));
    const turn = runtime.answerer.contexts[1]?.turns[0];
    expect(turn?.question).not.toContain('secret');
    expect(turn?.question).toBe(runtime.kb.get('property-drift')?.title);
  });

  it('does not remember a question it could not answer', async () => {
    const { bot, runtime } = setup();
    await bot.handle(inThread('xyzzy plugh', 'T1'));
    await bot.handle(inThread('What is model drift?', 'T1'));
    expect(runtime.answerer.contexts[1]).toBeUndefined();
  });
});

describe('bot: more and show', () => {
  it('`more` shows the rest of the last answer in the conversation; `more <id>` a given one', async () => {
    const { bot, runtime } = setup();
    runtime.answerer.answer = async (question) => ({
      answerId: '3f1c2d4e-0000-4000-8000-000000000001',
      question,
      abstained: false,
      confidence: 0.9,
      markdown: '**Drift**: short.',
      more: '**Also relevant**\n- Monitoring [2]',
      sources: [{ id: 'property-drift', title: 'Model drift', type: 'property' }],
      moreSources: [
        { id: 'property-drift', title: 'Model drift', type: 'property' },
        { id: 'guideline-monitoring', title: 'Monitoring', type: 'guideline' },
      ],
      suggestions: [],
      generated: false,
      language: 'en',
      entryIds: ['property-drift'],
    });
    await bot.handle(msg('What is model drift?'));
    const more = await bot.handle(msg('more'));
    expect(textOf(more)).toContain('Also relevant');
    expect(more.blocks).toContainEqual({
      type: 'sources',
      sources: [
        { id: 'property-drift', title: 'Model drift', type: 'property' },
        { id: 'guideline-monitoring', title: 'Monitoring', type: 'guideline' },
      ],
    });
    const byId = await bot.handle(click('command', 'more 3f1c2d4e-0000-4000-8000-000000000001'));
    expect(textOf(byId)).toContain('Also relevant');
  });

  it('`more` without anything to show says so; "more about drift" is a question', async () => {
    const { bot, runtime } = setup();
    expect(textOf(await bot.handle(msg('more')))).toMatch(/nothing more/);
    await bot.handle(msg('more about drift'));
    expect(runtime.answerer.asked).toContain('more about drift');
  });

  it('`show <entry id>` (a soft-abstain button) answers from that entry, and follow-ups build on it', async () => {
    const { bot, runtime } = setup();
    const shown = await bot.handle(click('command', 'show property-drift'));
    expect(shown.kind).toBe('answer');
    await bot.handle(msg('and how do I notice it?'));
    expect(runtime.answerer.contexts.at(-1)?.turns.at(-1)?.entryIds).toEqual(['property-drift']);
    const gone = await bot.handle(click('command', 'show no-such-entry'));
    expect(textOf(gone)).toMatch(/no longer in the knowledge base/);
  });
});

describe('bot: domain decisions the adapters only carry out', () => {
  it('decides what may be shared: answers, commands and walkthroughs yes; errors and admin output no', async () => {
    const { bot } = setup();
    expect((await bot.handle(msg('What is drift?'))).shareable).toBe(true);
    expect((await bot.handle(cmd('help'))).shareable).toBe(true);
    expect((await bot.handle(cmd('infra'))).shareable).toBe(true);
    expect((await bot.handle(click(CoreAction.Feedback, 'not json'))).shareable).toBe(false);
    const admin = { platform: 'slack' as const, id: 'UADMIN' };
    expect((await bot.handle(cmd('admin', '', admin))).shareable).toBe(false);
  });

  it('reads back the feedback value the renderers put on the buttons (one encoding)', async () => {
    const { bot, events } = setup();
    expect(parseFeedbackValue(feedbackValue('a1', 'down'))).toEqual({ answerId: 'a1', rating: 'down' });
    for (const bad of ['', 'null', '{"answerId":1,"rating":"up"}', '{"answerId":"a","rating":"meh"}']) {
      expect(parseFeedbackValue(bad)).toBeUndefined();
    }
    await bot.handle(click(CoreAction.Feedback, feedbackValue('a1', 'up')));
    expect((await events.list()).find((e) => e.type === 'feedback')).toMatchObject({ answerId: 'a1', rating: 'up' });
  });

  it('owns the App Home content: what the bot does and buttons the core itself routes', async () => {
    const { bot } = setup();
    const home = homeReply();
    const choices = home.blocks.flatMap((b) => (b.type === 'choices' ? b.choices : []));
    expect(choices.map((c) => [c.actionId, c.value])).toEqual([
      [CoreAction.Command, 'infra'],
      [CoreAction.Command, 'data-owner'],
      [CoreAction.Command, 'properties'],
      [CoreAction.Command, 'help'],
    ]);
    for (const c of choices) {
      const reply = await bot.handle(click(c.actionId, c.value));
      expect(reply.kind).not.toBe('error');
    }
  });
});
