import { describe, expect, it } from 'vitest';
import { MAX_ACTION_TITLE_CHARS, MAX_CARD_BYTES, MAX_MESSAGE_BYTES } from '../../../adapters/teams/limits.ts';
import {
  type AdaptiveCard,
  cardAttachment,
  type RenderOptions,
  replyToAdaptiveCards as render,
} from '../../../adapters/teams/render.ts';
import { block, type Reply } from '../../../src/core/reply.ts';
import { answerReply, LONG_PARAGRAPH } from './helpers.ts';

const SCHEMA = 'http://adaptivecards.io/schemas/adaptive-card.json';

/** Every card any test in this file renders, checked at the end for escapes and backticks (Teams mobile shows both). */
const rendered: AdaptiveCard[] = [];
const replyToAdaptiveCards = (r: Reply, options?: RenderOptions): AdaptiveCard[] => {
  const cards = render(r, options);
  rendered.push(...cards);
  return cards;
};

/** Text Teams shows: TextBlock text (Markdown), TextRun text (literal), FactSet titles and values (Markdown). */
function shownTexts(value: unknown): { type: string; text: string }[] {
  const out: { type: string; text: string }[] = [];
  const walk = (v: unknown) => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      if ((o.type === 'TextBlock' || o.type === 'TextRun') && typeof o.text === 'string') {
        out.push({ type: o.type, text: o.text });
      }
      if (o.type === 'FactSet' && Array.isArray(o.facts)) {
        for (const f of o.facts as { title: string; value: string }[]) {
          out.push({ type: 'Fact', text: f.title }, { type: 'Fact', text: f.value });
        }
      }
      Object.values(o).forEach(walk);
    }
  };
  walk(value);
  return out;
}
/** A backslash before Markdown punctuation: what an escape looks like, and what Teams mobile shows literally. */
const ESCAPE = /\\[\\`*_{}[\]()#+\-.!~&>|]/;
const reply = (blocks: Reply['blocks'], fallbackText = 'fallback'): Reply => ({
  kind: 'command',
  blocks,
  fallbackText,
});
const only = (r: Reply, options = {}) => {
  const cards = replyToAdaptiveCards(r, options);
  expect(cards).toHaveLength(1);
  return cards[0];
};

describe('replyToAdaptiveCards', () => {
  it('renders an answer with sources and 👍/👎 feedback (Action.Execute) as one exact card', () => {
    expect(replyToAdaptiveCards(answerReply())).toEqual([
      {
        type: 'AdaptiveCard',
        $schema: SCHEMA,
        version: '1.5',
        fallbackText: 'Model drift is when the data a model sees changes over time.',
        msteams: { width: 'Full' },
        body: [
          {
            type: 'TextBlock',
            text: '**Model drift** is when the data a model sees in production _changes_ over time.\n\n- Watch input statistics\n- Retrain on a schedule',
            wrap: true,
          },
          {
            type: 'Container',
            spacing: 'Medium',
            items: [
              { type: 'TextBlock', text: 'Sources', wrap: true, size: 'Small', weight: 'Bolder', isSubtle: true },
              {
                type: 'TextBlock',
                text: '1. [Drift](https://kb.example.test/drift) — Haug et al. 2025, MLOps Adoption (slides)',
                wrap: true,
                size: 'Small',
                isSubtle: true,
                spacing: 'Small',
              },
            ],
          },
          {
            type: 'ActionSet',
            spacing: 'Medium',
            actions: [
              {
                type: 'Action.Execute',
                title: '👍 Helpful',
                verb: 'feedback',
                data: { actionId: 'feedback', value: '{"answerId":"ans-1","rating":"up"}' },
              },
              {
                type: 'Action.ShowCard',
                title: '👎 Not helpful',
                card: {
                  type: 'AdaptiveCard',
                  body: [
                    {
                      type: 'Input.Text',
                      id: 'text',
                      label: 'What was wrong or missing? (optional)',
                      isMultiline: true,
                      maxLength: 1000,
                    },
                  ],
                  actions: [
                    {
                      type: 'Action.Execute',
                      title: 'Send feedback',
                      verb: 'feedback',
                      data: { actionId: 'feedback', value: '{"answerId":"ans-1","rating":"down"}' },
                    },
                  ],
                },
              },
            ],
          },
        ],
      },
    ]);
  });

  it('renders walkthrough choices as Action.Submit buttons with { actionId, value } in submit mode', () => {
    const card = only(
      reply([
        block.heading('Step 1 of 3'),
        block.choices(
          [
            { actionId: 'flow:infra', value: 'q1:batch', label: 'Batch scoring', style: 'primary' },
            { actionId: 'flow:infra', value: 'cancel', label: 'Cancel', style: 'danger' },
          ],
          'How will the model be used?',
        ),
      ]),
      { actions: 'submit' },
    );
    expect(card?.body).toEqual([
      { type: 'TextBlock', text: 'Step 1 of 3', wrap: true, size: 'Medium', weight: 'Bolder' },
      { type: 'TextBlock', text: 'How will the model be used?', wrap: true },
      {
        type: 'ActionSet',
        actions: [
          {
            type: 'Action.Submit',
            title: 'Batch scoring',
            data: { actionId: 'flow:infra', value: 'q1:batch' },
            style: 'positive',
          },
          {
            type: 'Action.Submit',
            title: 'Cancel',
            data: { actionId: 'flow:infra', value: 'cancel' },
            style: 'destructive',
          },
        ],
      },
    ]);
  });

  it('puts at most 6 buttons in a row and shortens long labels', () => {
    const choices = Array.from({ length: 8 }, (_, i) => ({
      actionId: 'command',
      value: `c${i}`,
      label: `Choice ${i}`,
    }));
    choices[0] = { actionId: 'command', value: 'c0', label: 'x'.repeat(200) };
    const card = only(reply([block.choices(choices)]));
    const sets = card?.body.filter((el) => el.type === 'ActionSet') as unknown as { actions: { title: string }[] }[];
    expect(sets.map((s) => s.actions.length)).toEqual([6, 2]);
    expect(sets[0]?.actions[0]?.title).toHaveLength(MAX_ACTION_TITLE_CHARS);
    expect(sets[0]?.actions[0]?.title.endsWith('…')).toBe(true);
  });

  it('renders notices with a style per level, fields as a FactSet, a divider as a separator', () => {
    const card = only(
      reply([
        block.notice('info', 'Type `help`.'),
        block.divider(),
        block.notice('warning', 'Careful.'),
        block.notice('error', 'Broken.'),
        block.fields([{ label: 'Owner', value: 'Quality team' }]),
      ]),
    );
    expect(card?.body).toEqual([
      // Teams Markdown has no code spans: `help` would show its backticks, so it is bold.
      { type: 'Container', style: 'emphasis', items: [{ type: 'TextBlock', text: 'ℹ️ Type **help**.', wrap: true }] },
      {
        type: 'Container',
        style: 'warning',
        items: [{ type: 'TextBlock', text: '⚠️ Careful.', wrap: true }],
        separator: true,
        spacing: 'Medium',
      },
      { type: 'Container', style: 'attention', items: [{ type: 'TextBlock', text: '⛔ Broken.', wrap: true }] },
      { type: 'FactSet', facts: [{ title: 'Owner', value: 'Quality team' }] },
    ]);
  });

  it('renders copyable text as monospace lines in a container, literal: TextRuns where Markdown would change it', () => {
    const card = only(
      reply([
        block.copyable(
          'Access request [pilot]',
          'To: **data owner**\n\n- Data classification: Confidential\nPlain line',
        ),
      ]),
    );
    const run = (text: string) => ({
      type: 'RichTextBlock',
      inlines: [{ type: 'TextRun', text, fontType: 'Monospace' }],
      spacing: 'None',
    });
    expect(card?.body).toEqual([
      {
        type: 'Container',
        style: 'emphasis',
        items: [
          { type: 'RichTextBlock', inlines: [{ type: 'TextRun', text: 'Access request [pilot]', weight: 'Bolder' }] },
          run('To: **data owner**'),
          { type: 'TextBlock', text: '\u00a0', wrap: true, fontType: 'Monospace', spacing: 'None' },
          run('- Data classification: Confidential'),
          { type: 'TextBlock', text: 'Plain line', wrap: true, fontType: 'Monospace', spacing: 'None' },
        ],
      },
    ]);
  });

  it('shows user text in plain blocks exactly, without escapes: no mentions, no Markdown, no links', () => {
    const card = only(
      reply([
        block.plain(
          '<at>Alice</at> **bold** [click](https://evil.test) _x_ `code` ~~s~~ a<b> R&D &amp;\n- item\n+ plus\n2. two\n# not a heading',
        ),
      ]),
    );
    const run = (text: string, spacing?: string) => ({
      type: 'RichTextBlock',
      inlines: [{ type: 'TextRun', text }],
      ...(spacing ? { spacing } : {}),
    });
    expect(card?.body).toEqual([
      {
        type: 'Container',
        items: [
          run('Alice **bold** [click](https://evil.test) _x_ `code` ~~s~~ a<b> R&D &amp;'),
          run('- item', 'None'),
          run('+ plus', 'None'),
          run('2. two', 'None'),
          { type: 'TextBlock', text: '# not a heading', wrap: true, spacing: 'None' },
        ],
      },
    ]);
    // A TextRun is never Markdown-rendered (adaptivecards.io/explorer/TextRun.html): what was typed is what shows.
  });

  it('never emits mention entities, and strips <at> from every text and button label', () => {
    const [card] = replyToAdaptiveCards({
      kind: 'answer',
      fallbackText: '<at>Everyone</at> look',
      blocks: [
        block.heading('<at>Team</at>'),
        block.markdown('Hello <at id="0">Bob</at>'),
        block.choices([{ actionId: 'command', value: 'help', label: '<at>Carol</at>' }]),
        block.sources([{ id: 'x', title: '<at>Dan</at>', type: 'guideline' }]),
      ],
    });
    const json = JSON.stringify(card);
    expect(json).not.toMatch(/<at/i);
    expect(json).not.toContain('entities');
    expect(card?.fallbackText).toBe('Everyone look');
  });

  it('links a source only when its url is http(s)', () => {
    const card = only(
      reply([
        block.sources([
          { id: 'a', title: 'Local', type: 'guideline', url: 'javascript:alert(1)' },
          { id: 'b', title: 'Paper (2025)', type: 'study', url: 'https://example.test/a_(b)' },
        ]),
      ]),
    );
    const list = (card?.body[0] as unknown as { items: { text: string }[] } | undefined)?.items[1]?.text;
    expect(list).toBe('1. **Local**\n2. [Paper (2025)](https://example.test/a_%28b%29)');
  });

  it('splits a long answer into several cards within the Teams size limit, keeping all text and the buttons last', () => {
    const text = LONG_PARAGRAPH.repeat(1500);
    const cards = replyToAdaptiveCards({
      kind: 'answer',
      fallbackText: 'A long answer',
      blocks: [block.markdown(text), block.feedback('ans-long')],
    });
    expect(cards.length).toBeGreaterThan(4);
    for (const card of cards) {
      const size = Buffer.byteLength(JSON.stringify(cardAttachment(card)));
      expect(size).toBeLessThanOrEqual(MAX_CARD_BYTES);
      expect(size).toBeLessThan(MAX_MESSAGE_BYTES);
    }
    const texts = cards.flatMap((c) =>
      c.body
        .filter((el) => el.type === 'TextBlock' && !String(el.text).startsWith('(continued'))
        .map((el) => String(el.text)),
    );
    expect(texts.join(' ').replace(/\s+/g, ' ').trim()).toBe(text.replace(/\s+/g, ' ').trim());
    expect(cards[1]?.body[0]).toEqual({
      type: 'TextBlock',
      text: `(continued, part 2 of ${cards.length})`,
      wrap: true,
      size: 'Small',
      isSubtle: true,
    });
    expect(cards[1]?.fallbackText).toBe(`A long answer (part 2 of ${cards.length})`);
    const last = cards[cards.length - 1];
    expect(last?.body[last.body.length - 1]?.type).toBe('ActionSet');
    expect(cards.slice(0, -1).every((c) => c.body.every((el) => el.type !== 'ActionSet'))).toBe(true);
  });

  it('keeps a heading on the same card as what follows it', () => {
    const cards = replyToAdaptiveCards(
      reply([block.markdown('a '.repeat(400)), block.heading('Next part'), block.markdown('b '.repeat(400))]),
      { maxCardBytes: 1900 },
    );
    expect(cards).toHaveLength(2);
    expect(cards[1]?.body[1]).toMatchObject({ type: 'TextBlock', text: 'Next part' });
  });

  it('splits long copyable text and long source lists too', () => {
    const cards = replyToAdaptiveCards(
      reply([block.copyable('Record', Array.from({ length: 60 }, (_, i) => `line ${i} ${'x'.repeat(40)}`).join('\n'))]),
      { maxCardBytes: 2500, maxTextChars: 600 },
    );
    expect(cards.length).toBeGreaterThan(1);
    const titles = cards.flatMap((c) =>
      c.body.filter((el) => el.type === 'Container').map((el) => (el.items as { text: string }[])[0]?.text),
    );
    expect(titles[0]).toBe('Record');
    expect(titles.slice(1).every((t) => t === 'Record (continued)')).toBe(true);
    const lines = cards.flatMap((c) =>
      c.body
        .filter((el) => el.type === 'Container')
        .flatMap((el) => (el.items as { text: string }[]).slice(1).map((i) => i.text)),
    );
    expect(lines).toHaveLength(60);
  });

  it('renders an empty reply as its fallback text instead of an empty card', () => {
    expect(only(reply([], 'Nothing to show **here**'))?.body).toEqual([
      { type: 'RichTextBlock', inlines: [{ type: 'TextRun', text: 'Nothing to show **here**' }] },
    ]);
  });

  it('wraps a card in a Bot Framework attachment', () => {
    const [card] = replyToAdaptiveCards(reply([block.markdown('hi')]));
    expect(card && cardAttachment(card)).toEqual({
      contentType: 'application/vnd.microsoft.card.adaptive',
      content: card,
    });
  });
});

describe('literal text in Teams (mobile shows Markdown escapes as typed)', () => {
  it('renders the decision record, the access request and echoed text without a backslash or a backtick', () => {
    const cards = replyToAdaptiveCards({
      kind: 'walkthrough',
      fallbackText: 'Recommendation for `pilot`',
      blocks: [
        block.heading('Access request for [pilot] *line 3*'),
        block.markdown('Type `help` or run:\n```\nmlops infra\n```'),
        block.plain('You typed: **urgent** _now_ \\o/ [x](y) `rm -rf`'),
        block.fields([{ label: 'Owner', value: 'Quality team' }]),
        block.copyable(
          'Decision record',
          '# Decision\n- Data classification: Confidential\n- Platform: Kubeflow (on-prem)\n1. Ask the steward\nC:\\data\\line_3',
        ),
        block.copyable('Access request', 'To: data-steward@example.com\nSubject: Access to [pilot] data_set_v2'),
        block.sources([{ id: 's', title: 'Lineage & *provenance*', type: 'guideline', url: 'https://kb.test/l' }]),
        block.notice('info', 'Type `help`.'),
      ],
    });
    for (const t of shownTexts(cards)) {
      // TextRuns show what was typed, backticks included; everything Markdown renders has neither.
      if (t.type === 'TextRun') continue;
      expect(t.text, t.text).not.toMatch(ESCAPE);
      expect(t.text, t.text).not.toContain('`');
    }
    const json = JSON.stringify(cards);
    // The literal lines are all there, exactly as written.
    for (const line of [
      '- Data classification: Confidential',
      '1. Ask the steward',
      'Subject: Access to [pilot] data_set_v2',
      'Access request for [pilot] *line 3*',
    ]) {
      expect(json).toContain(JSON.stringify(line));
    }
    expect(json).toContain('"selectAction":{"type":"Action.OpenUrl","url":"https://kb.test/l"}');
  });

  it('no TextBlock in any card rendered by these tests contains an escape or a backtick', () => {
    expect(rendered.length).toBeGreaterThan(20);
    for (const t of shownTexts(rendered)) {
      if (t.type === 'TextRun') continue; // TextRuns are literal: a backslash there is one the user typed.
      expect(t.text, t.text).not.toMatch(ESCAPE);
      expect(t.text, t.text).not.toContain('`');
    }
  });
});
