import { describe, expect, it } from 'vitest';
import { createBot } from '../../src/core/bot.ts';
import { ASK_EXPERT_LABEL, expertChoice, NOTIFY_STEWARD_LABEL } from '../../src/core/expert.ts';
import type { Inbound, Platform } from '../../src/core/inbound.ts';
import {
  block,
  type Choice,
  CoreAction,
  expertValue,
  feedbackValue,
  MAX_EXPERT_QUESTION_CHARS,
  parseExpertValue,
  type Reply,
} from '../../src/core/reply.ts';
import type { Entry } from '../../src/knowledge/schema.ts';
import { ENTRIES, expertBotDeps, fakeWalkthroughs, fixtureKb, fixtureRuntime } from './fixtures.ts';

const DATASET = (stewardContact: string): Entry =>
  ({
    id: 'dataset-aoi',
    type: 'dataset',
    title: 'AOI defect images',
    summary: 'Images.',
    tags: [],
    related: [],
    questions: [],
    sources: [],
    owners: [
      { role: 'business-owner', name: 'Miriam', contact: 'quality@example.com' },
      { role: 'technical-owner', name: 'Kevin', contact: '#inspection-systems' },
      { role: 'data-steward', name: 'Laura Esposito', contact: stewardContact },
    ],
    classification: 'confidential',
    system: 'Inspection Image Archive',
    domain: 'Quality',
    aliases: [],
    accessProcedure: 'Ask the steward.',
    sample: true,
    body: 'AOI.',
    file: 'datasets/dataset-aoi.md',
  }) as Entry;

const conversation = { platform: 'slack' as const, id: 'C1', threadId: '1.2' };
const userOn = (platform: Platform) => ({ platform, id: platform === 'slack' ? 'U1' : '29:1' });

function setup(
  channels: Partial<Record<Platform, string>>,
  opts: { storeQuestionText?: boolean; steward?: string; result?: Reply } = {},
) {
  const kb = fixtureKb([...ENTRIES, DATASET(opts.steward ?? '#inspection-data')]);
  const runtime = fixtureRuntime(kb);
  const walkthroughs = fakeWalkthroughs();
  // A finished data-owner walkthrough offers "Notify the data steward" (src/flows/results.ts does the same).
  walkthroughs.onAction = async () =>
    opts.result ?? {
      kind: 'walkthrough',
      replaceOriginal: true,
      blocks: [
        block.markdown('Access request'),
        block.choices([expertChoice({ d: 'dataset-aoi' }, NOTIFY_STEWARD_LABEL)]),
      ],
      fallbackText: 'Access request',
    };
  const deps = expertBotDeps(channels, {
    runtime,
    walkthroughs,
    ...(opts.storeQuestionText === undefined ? {} : { storeQuestionText: opts.storeQuestionText }),
  });
  return { bot: createBot(deps), kv: deps.kv };
}

const ask = (text: string, platform: Platform = 'slack'): Inbound => ({
  kind: 'message',
  user: userOn(platform),
  conversation: { ...conversation, platform },
  text,
});
const click = (actionId: string, value: string, platform: Platform = 'slack', text?: string): Inbound => ({
  kind: 'action',
  user: userOn(platform),
  conversation: { ...conversation, platform },
  actionId,
  value,
  ...(text ? { text } : {}),
});

const expertChoices = (r: Reply): Choice[] =>
  r.blocks.flatMap((b) => (b.type === 'choices' ? b.choices.filter((c) => c.actionId === CoreAction.Expert) : []));
const textOf = (r: Reply) => r.blocks.map((b) => ('text' in b ? b.text : '')).join('\n');

describe('Ask an expert (core)', () => {
  it('offers the button on an abstain, carrying the question, only on a platform with an expert channel', async () => {
    const { bot } = setup({ slack: 'C0EXPERTS' });
    const reply = await bot.handle(ask('how do we certify a laser interferometer?'));
    expect(reply.kind).toBe('abstain');
    const [choice] = expertChoices(reply);
    expect(choice?.label).toBe(ASK_EXPERT_LABEL);
    expect(parseExpertValue(choice?.value ?? '')).toEqual({ q: 'how do we certify a laser interferometer?' });

    expect(expertChoices(await bot.handle(ask('how do we certify a laser interferometer?', 'teams')))).toEqual([]);
    // An answer the bot is sure of gets no button.
    expect(expertChoices(await bot.handle(ask('tell me about drift')))).toEqual([]);
  });

  it('offers no button anywhere when no expert channel is configured', async () => {
    const { bot } = setup({});
    expect(expertChoices(await bot.handle(ask('how do we certify a laser interferometer?')))).toEqual([]);
  });

  it('a click returns the post for the configured channel, what the user is told, and a private failure text', async () => {
    const { bot } = setup({ slack: 'C0EXPERTS', teams: '19:abc@thread.tacv2' });
    const reply = await bot.handle(click(CoreAction.Expert, expertValue({ q: 'which GPU for AOI training?' })));
    expect(reply.escalation?.to).toBe('C0EXPERTS');
    expect(reply.escalation?.post.blocks).toContainEqual({ type: 'plain', text: 'which GPU for AOI training?' });
    expect(textOf(reply.escalation?.delivered as Reply)).toContain("I've posted your question in **#mlops-experts**");
    expect(textOf(reply.escalation?.failed as Reply)).toContain("couldn't post your question");
    // Until an adapter delivers it, the reply itself says nothing was posted, only to the user, and is never shared.
    expect(reply.ephemeral).toBe(true);
    expect(reply.shareable).toBe(false);
    expect(textOf(reply)).toContain('nobody has been told');

    const teams = await bot.handle(click(CoreAction.Expert, expertValue({ q: 'x?' }), 'teams'));
    expect(teams.escalation?.to).toBe('19:abc@thread.tacv2');
  });

  it('after 👎 offers the button; the post carries the remembered question, or only the answer title without STORE_QUESTION_TEXT', async () => {
    for (const storeQuestionText of [true, false]) {
      const { bot } = setup({ slack: 'C0EXPERTS' }, { storeQuestionText });
      const answer = await bot.handle(ask('tell me about drift'));
      const thanks = await bot.handle(click(CoreAction.Feedback, feedbackValue(answer.answerId ?? '', 'down')));
      const [choice] = expertChoices(thanks);
      expect(parseExpertValue(choice?.value ?? '')).toEqual({ a: answer.answerId });
      const up = await bot.handle(click(CoreAction.Feedback, feedbackValue(answer.answerId ?? '', 'up')));
      expect(expertChoices(up)).toEqual([]);

      const reply = await bot.handle(click(CoreAction.Expert, choice?.value ?? ''));
      const post = JSON.stringify(reply.escalation?.post.blocks);
      expect(post).toContain('Models drift');
      if (storeQuestionText) expect(post).toContain('tell me about drift');
      else {
        expect(post).not.toContain('tell me about drift');
        expect(post).toContain('STORE_QUESTION_TEXT=false');
      }
    }
  });

  it('cuts a very long question to what a button value holds', () => {
    const value = expertValue({ q: 'x'.repeat(5000) });
    expect(value.length).toBeLessThan(2000);
    expect(parseExpertValue(value)?.q).toHaveLength(MAX_EXPERT_QUESTION_CHARS);
  });

  it('a forged or malformed expert value gets a clear message, not a post', async () => {
    const { bot } = setup({ slack: 'C0EXPERTS' });
    for (const value of ['not json', '{}', '{"q": 5}']) {
      const reply = await bot.handle(click(CoreAction.Expert, value));
      expect(reply.escalation).toBeUndefined();
      expect(reply.kind).toBe('error');
    }
  });

  it("a data-owner result notifies the data steward's Slack channel, or the expert channel when the contact is an e-mail", async () => {
    const slack = setup({ slack: 'C0EXPERTS' });
    const result = await slack.bot.handle(click('flow:data-owner', 'finish'));
    const [choice] = expertChoices(result);
    expect(choice?.label).toBe(NOTIFY_STEWARD_LABEL);
    const reply = await slack.bot.handle(click(CoreAction.Expert, choice?.value ?? ''));
    expect(reply.escalation?.to).toBe('#inspection-data');
    expect(textOf(reply.escalation?.delivered as Reply)).toContain('the data steward know in **#inspection-data**');

    // Teams cannot post to a Slack channel name: the experts get it, with the steward named.
    const teams = setup({ teams: '19:abc@thread.tacv2' });
    const viaExperts = await teams.bot.handle(click(CoreAction.Expert, choice?.value ?? '', 'teams'));
    expect(viaExperts.escalation?.to).toBe('19:abc@thread.tacv2');
    expect(JSON.stringify(viaExperts.escalation?.post.blocks)).toContain('Laura Esposito (#inspection-data)');

    const email = setup({ slack: 'C0EXPERTS' }, { steward: 'laura@example.com' });
    const toExperts = await email.bot.handle(click(CoreAction.Expert, choice?.value ?? ''));
    expect(toExperts.escalation?.to).toBe('C0EXPERTS');
  });

  it('shows "Notify the data steward" only where a click can go somewhere', async () => {
    // Slack without an expert channel: the steward's channel still works.
    expect(expertChoices(await setup({}).bot.handle(click('flow:data-owner', 'finish')))).toHaveLength(1);
    // Teams without an expert channel: nowhere to post, so no button (and no empty choices block).
    const teams = await setup({}).bot.handle(click('flow:data-owner', 'finish', 'teams'));
    expect(expertChoices(teams)).toEqual([]);
    expect(teams.blocks.some((b) => b.type === 'choices')).toBe(false);
    // An e-mail contact and no expert channel: nothing either.
    const email = await setup({}, { steward: 'laura@example.com' }).bot.handle(click('flow:data-owner', 'finish'));
    expect(expertChoices(email)).toEqual([]);
  });
});
