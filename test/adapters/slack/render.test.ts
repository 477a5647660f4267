import { describe, expect, it } from 'vitest';
import * as limits from '../../../adapters/slack/limits.ts';
import {
  blockToSlack,
  escapeMrkdwn,
  feedbackModal,
  homeView,
  markdownToMrkdwn,
  replyToBlockKit,
  shortLabels,
  splitText,
  truncate,
} from '../../../adapters/slack/render.ts';
import { homeReply } from '../../../src/core/commands.ts';
import type { Reply } from '../../../src/core/reply.ts';
import { block } from '../../../src/core/reply.ts';

// biome-ignore lint/suspicious/noExplicitAny: Slack payloads in tests are loosely typed JSON
type Json = Record<string, any>;

describe('markdownToMrkdwn', () => {
  it.each([
    ['**bold**', '*bold*'],
    ['__bold__', '*bold*'],
    ['*italic* and _italic_', '_italic_ and _italic_'],
    ['~~gone~~', '~gone~'],
    ['[Kubeflow](https://kubeflow.org/docs?a=1&b=2)', '<https://kubeflow.org/docs?a=1&amp;b=2|Kubeflow>'],
    ['# Heading', '*Heading*'],
    ['### **Bold** heading', '*Bold heading*'],
    ['- one\n- two', '• one\n• two'],
    ['`a < b && c`', '`a &lt; b &amp;&amp; c`'],
    ['```\nif a<b: **x**\n```', '```\nif a&lt;b: **x**\n```'],
    ['see [docs](https://x.io/a_b_c) and **this**', 'see <https://x.io/a_b_c|docs> and *this*'],
    ['[bad](javascript:alert(1))', '[bad](javascript:alert(1))'],
    ['[label](ftp://x.example)', 'label (ftp://x.example)'],
    ['[a|b](https://x.io/p|q)', '<https://x.io/p%7Cq|a|b>'],
    ['snake_case_name stays', 'snake_case_name stays'],
    ['2 * 3 * 4', '2 * 3 * 4'],
  ])('%j → %j', (input, expected) => {
    expect(markdownToMrkdwn(input)).toBe(expected);
  });

  it('escapes control sequences a user could have typed before producing links', () => {
    expect(markdownToMrkdwn('<!channel> <@U123> <http://evil|x> & [ok](https://ok.io)')).toBe(
      '&lt;!channel&gt; &lt;@U123&gt; &lt;http://evil|x&gt; &amp; <https://ok.io|ok>',
    );
  });

  it('escapes inside link labels and strips private markers from input', () => {
    expect(markdownToMrkdwn('[<!here>](https://x.io) \uE000 0 \uE000')).toBe('<https://x.io|&lt;!here&gt;>  0 ');
  });
});

describe('splitText / truncate', () => {
  it('prefers paragraph, then line, then word boundaries and drops nothing', () => {
    const text = `${'a'.repeat(60)}\n\n${'b'.repeat(60)}\n${'c'.repeat(30)} ${'d'.repeat(30)}`;
    const parts = splitText(text, 70);
    expect(parts).toEqual(['a'.repeat(60), 'b'.repeat(60), `${'c'.repeat(30)} ${'d'.repeat(30)}`]);
  });

  it('never cuts inside a link or an entity', () => {
    const link = '<https://example.com/a-very-long-path|label>';
    const parts = splitText(`${'x'.repeat(30)}${link}${'y'.repeat(10)}`, 40);
    expect(parts[0]).toBe('x'.repeat(30));
    expect(parts[1]?.startsWith('<https://')).toBe(true);
    expect(splitText(`${'x'.repeat(8)}&amp;yy`, 10)).toEqual(['x'.repeat(8), '&amp;yy']);
  });

  it('hard-cuts text without spaces', () => {
    expect(splitText('z'.repeat(25), 10)).toEqual(['z'.repeat(10), 'z'.repeat(10), 'z'.repeat(5)]);
  });

  it('truncates with an ellipsis within the limit', () => {
    expect(truncate('abcdef', 4)).toBe('abc…');
    expect(truncate('abc', 4)).toBe('abc');
    expect(truncate('a &amp; b', 5)).toBe('a …');
  });

  it('escapeMrkdwn escapes exactly & < >', () => {
    expect(escapeMrkdwn('a & <b> *c*')).toBe('a &amp; &lt;b&gt; *c*');
  });
});

describe('blockToSlack: exact Block Kit per block type', () => {
  it('heading → header (plain_text, ≤150)', () => {
    expect(blockToSlack(block.heading('Choose <ML> infra'))).toEqual([
      { type: 'header', text: { type: 'plain_text', text: 'Choose <ML> infra', emoji: true } },
    ]);
    const [long] = blockToSlack(block.heading('h'.repeat(200))) as Json[];
    expect(long?.text.text).toHaveLength(limits.MAX_HEADER_TEXT);
    expect(blockToSlack(block.heading('  '))).toEqual([]);
  });

  it('markdown → mrkdwn section', () => {
    expect(blockToSlack(block.markdown('Use **DVC**'))).toEqual([
      { type: 'section', text: { type: 'mrkdwn', text: 'Use *DVC*' } },
    ]);
  });

  it('plain → plain_text section (never parsed, emoji codes off)', () => {
    expect(blockToSlack(block.plain('*not bold* <!here> :smile:'))).toEqual([
      { type: 'section', text: { type: 'plain_text', text: '*not bold* <!here> :smile:', emoji: false } },
    ]);
  });

  it('fields → section fields, 10 per section', () => {
    expect(blockToSlack(block.fields([{ label: 'Owner', value: 'Team <Data>' }]))).toEqual([
      { type: 'section', fields: [{ type: 'mrkdwn', text: '*Owner*\nTeam &lt;Data&gt;' }] },
    ]);
    const many = blockToSlack(block.fields(Array.from({ length: 12 }, (_, i) => ({ label: `L${i}`, value: 'v' }))));
    expect(many.map((b) => (b as Json).fields.length)).toEqual([10, 2]);
  });

  it('sources → numbered context lines with title link and citation', () => {
    expect(
      blockToSlack(
        block.sources([
          {
            id: 'a',
            title: 'Data versioning',
            type: 'guideline',
            citation: 'Haug et al. 2025',
            url: 'https://kb.example/a',
          },
          { id: 'b', title: 'Drift & <monitoring>', type: 'concept' },
        ]),
      ),
    ).toEqual([
      {
        type: 'context',
        elements: [
          { type: 'mrkdwn', text: '[1] <https://kb.example/a|Data versioning> — Haug et al. 2025' },
          { type: 'mrkdwn', text: '[2] *Drift &amp; &lt;monitoring&gt;*' },
        ],
      },
    ]);
    const twelve = blockToSlack(
      block.sources(Array.from({ length: 12 }, (_, i) => ({ id: `${i}`, title: `T${i}`, type: 'x' }))),
    ) as Json[];
    expect(twelve.map((b) => b.elements.length)).toEqual([10, 2]);
    expect(twelve[1]?.elements[1].text).toBe('[12] *T11*');
  });

  it('choices → prompt section + buttons with unique action_ids', () => {
    expect(
      blockToSlack(
        block.choices(
          [
            { actionId: 'flow:infra', value: 'batch', label: 'Batch', style: 'primary' },
            { actionId: 'flow:infra', value: 'online', label: 'Online' },
          ],
          'What do you **run**?',
        ),
      ),
    ).toEqual([
      { type: 'section', text: { type: 'mrkdwn', text: 'What do you *run*?' } },
      {
        type: 'actions',
        elements: [
          {
            type: 'button',
            text: { type: 'plain_text', text: 'Batch', emoji: true },
            action_id: 'flow:infra::0',
            value: 'batch',
            style: 'primary',
          },
          {
            type: 'button',
            text: { type: 'plain_text', text: 'Online', emoji: true },
            action_id: 'flow:infra::1',
            value: 'online',
          },
        ],
      },
    ]);
  });

  it('choices: labels ≤30, values ≤2,000, 25 buttons per actions block, full titles kept under the buttons', () => {
    const choices = Array.from({ length: 30 }, (_, i) => ({
      actionId: 'c',
      value: 'v'.repeat(2500),
      label: `${i}${'l'.repeat(100)}`,
    }));
    const all = blockToSlack(block.choices(choices)) as Json[];
    const blocks = all.filter((b) => b.type === 'actions');
    expect(blocks.map((b) => b.elements.length)).toEqual([25, 5]);
    // 30 cut labels → their full titles in context blocks of at most 10 elements.
    expect(all.filter((b) => b.type === 'context').map((b) => b.elements.length)).toEqual([10, 10, 10]);
    for (const b of blocks) {
      for (const e of b.elements) {
        expect(e.text.text.length).toBeLessThanOrEqual(limits.MAX_CHOICE_LABEL);
        expect(e.value.length).toBeLessThanOrEqual(limits.MAX_BUTTON_VALUE);
      }
    }
  });

  it('every choice label fits MAX_CHOICE_LABEL (30): a shared prefix goes first, then a cut at a word', () => {
    expect(limits.MAX_CHOICE_LABEL).toBe(30);
    const properties = [
      'ML property: Drift',
      'ML property: Data quality and integrity',
      'ML property: Reproducibility of training runs across plants',
    ];
    expect(shortLabels(properties)).toEqual(['Drift', 'Data quality and integrity', 'Reproducibility of training…']);
    expect(shortLabels(['Yes', 'No: not at all'])).toEqual(['Yes', 'No: not at all']);

    const choices = properties.map((label, i) => ({ actionId: 'command', value: `property p${i}`, label }));
    const rendered = blockToSlack(block.choices(choices, 'Which property?')) as Json[];
    const buttons = rendered.filter((b) => b.type === 'actions').flatMap((b) => b.elements);
    for (const b of buttons) expect(b.text.text.length).toBeLessThanOrEqual(limits.MAX_CHOICE_LABEL);
    // The full title stays in the message: for screen readers on the button, for everyone under the buttons.
    expect(buttons[2]).toMatchObject({
      text: { text: 'Reproducibility of training…' },
      accessibility_label: 'ML property: Reproducibility of training runs across plants',
    });
    expect(buttons[0].accessibility_label).toBe('ML property: Drift');
    expect(rendered.at(-1)).toEqual({
      type: 'context',
      elements: [{ type: 'mrkdwn', text: '• ML property: Reproducibility of training runs across plants' }],
    });
    // Through the whole reply too (walkthrough steps, suggestions, the Share button).
    const messages = replyToBlockKit(
      { kind: 'answer', fallbackText: 'x', blocks: [block.choices(choices)] },
      {
        shareValue: 'id',
      },
    );
    for (const m of messages) {
      for (const b of m.blocks as Json[]) {
        if (b.type === 'actions') for (const e of b.elements) expect(e.text.text.length).toBeLessThanOrEqual(30);
      }
    }
  });

  it('notice → section with a level emoji', () => {
    expect(blockToSlack(block.notice('warning', 'Index is **stale**'))).toEqual([
      { type: 'section', text: { type: 'mrkdwn', text: ':warning: Index is *stale*' } },
    ]);
    expect((blockToSlack(block.notice('info', 'i'))[0] as Json).text.text).toBe(':information_source: i');
    expect((blockToSlack(block.notice('error', 'e'))[0] as Json).text.text).toBe(':x: e');
  });

  it('copyable → title + code block, markdown not rendered, text escaped', () => {
    expect(blockToSlack(block.copyable('Access request', 'Owner: **Ana** <ana@x>'))).toEqual([
      { type: 'section', text: { type: 'mrkdwn', text: '*Access request*' } },
      { type: 'section', text: { type: 'mrkdwn', text: '```\nOwner: **Ana** &lt;ana@x&gt;\n```' } },
    ]);
  });

  it('divider → divider', () => {
    expect(blockToSlack(block.divider())).toEqual([{ type: 'divider' }]);
  });

  it('feedback → 👍/👎 buttons carrying the FeedbackValue JSON', () => {
    expect(blockToSlack(block.feedback('ans-9'))).toEqual([
      {
        type: 'actions',
        elements: [
          {
            type: 'button',
            text: { type: 'plain_text', text: '👍 Helpful', emoji: true },
            action_id: 'feedback::0',
            value: '{"answerId":"ans-9","rating":"up"}',
          },
          {
            type: 'button',
            text: { type: 'plain_text', text: '👎 Not helpful', emoji: true },
            action_id: 'feedback::1',
            value: '{"answerId":"ans-9","rating":"down"}',
          },
        ],
      },
    ]);
  });
});

describe('replyToBlockKit', () => {
  const reply = (blocks: Reply['blocks'], fallbackText = 'fallback'): Reply => ({
    kind: 'answer',
    blocks,
    fallbackText,
  });

  it('renders one message with an escaped fallback text', () => {
    expect(replyToBlockKit(reply([block.divider()], 'Hi <!channel> & all'))).toEqual([
      { text: 'Hi &lt;!channel&gt; &amp; all', blocks: [{ type: 'divider' }] },
    ]);
  });

  it('splits more than 50 blocks into several messages, in order', () => {
    const many = Array.from({ length: 120 }, (_, i) => block.markdown(`p${i}`));
    const messages = replyToBlockKit(reply(many));
    expect(messages.map((m) => m.blocks.length)).toEqual([50, 50, 20]);
    expect(messages.map((m) => m.text)).toEqual(['fallback', '(continued 2/3)', '(continued 3/3)']);
    expect((messages[2]?.blocks.at(-1) as Json | undefined)?.text.text).toBe('p119');
  });

  it('splits a section over 3,000 characters into several sections', () => {
    const text = 'word '.repeat(2000);
    const [m] = replyToBlockKit(reply([block.markdown(text)]));
    expect(m?.blocks.length).toBe(4);
    for (const b of m?.blocks ?? []) expect((b as Json).text.text.length).toBeLessThanOrEqual(limits.MAX_SECTION_TEXT);
    expect(m?.blocks.map((b) => (b as Json).text.text).join(' ')).toBe(text.trim());
  });

  it('caps the fallback text at 40,000 characters', () => {
    const [m] = replyToBlockKit(reply([block.divider()], 'x'.repeat(50_000)));
    expect(m?.text.length).toBe(limits.MAX_MESSAGE_TEXT);
  });

  it('adds a Share button and a "Shared by" line when asked', () => {
    const [m] = replyToBlockKit(reply([block.divider()]), { shareValue: 'id-1' });
    expect(m?.blocks.at(-1)).toEqual({
      type: 'actions',
      elements: [
        {
          type: 'button',
          text: { type: 'plain_text', text: 'Share in channel', emoji: true },
          action_id: 'mlops_share',
          value: 'id-1',
        },
      ],
    });
    const [shared] = replyToBlockKit(reply([block.divider()]), { sharedBy: 'U0USER1' });
    expect(shared?.blocks[0]).toEqual({
      type: 'context',
      elements: [{ type: 'mrkdwn', text: 'Shared by <@U0USER1>' }],
    });
    const [forged] = replyToBlockKit(reply([block.divider()]), { sharedBy: '<!channel>' });
    expect((forged?.blocks[0] as Json | undefined)?.elements[0].text).toBe('Shared by &lt;!channel&gt;');
  });

  it('an empty reply still produces a valid message', () => {
    expect(replyToBlockKit(reply([], ''))).toEqual([{ text: 'MLOps Guide', blocks: [] }]);
  });
});

describe('views', () => {
  it('the Home view stays within 100 blocks and offers the walkthroughs', () => {
    const view = homeView(homeReply());
    expect(view.type).toBe('home');
    expect(view.blocks.length).toBeLessThanOrEqual(limits.MAX_BLOCKS_PER_VIEW);
    const actions = view.blocks.find((b) => b.type === 'actions') as Json;
    expect(actions.elements.map((e: Json) => [e.action_id, e.value])).toEqual([
      ['command::0', 'infra'],
      ['command::1', 'data-owner'],
      ['command::2', 'properties'],
      ['command::3', 'help'],
    ]);
  });

  it('the feedback modal asks for an optional reason and reports closing', () => {
    expect(feedbackModal('{"x":1}')).toEqual({
      type: 'modal',
      callback_id: 'mlops_feedback',
      notify_on_close: true,
      private_metadata: '{"x":1}',
      title: { type: 'plain_text', text: 'Feedback', emoji: true },
      submit: { type: 'plain_text', text: 'Send', emoji: true },
      close: { type: 'plain_text', text: 'Skip', emoji: true },
      blocks: [
        {
          type: 'input',
          block_id: 'reason',
          optional: true,
          label: { type: 'plain_text', text: 'What was wrong or missing? (optional)', emoji: true },
          element: { type: 'plain_text_input', action_id: 'reason', multiline: true, max_length: 3000 },
        },
      ],
    });
  });
});
