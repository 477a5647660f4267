// The web console's renderer (adapters/web/render.ts): exact HTML for each block type, like the Slack and Teams
// renderers' tests; everything escaped; buttons carry the core's {actionId, value}; links only to safe URLs.
import { describe, expect, it } from 'vitest';
import { choiceValue, escapeHtml, markdownToHtml, replyToHtml, safeHref } from '../../../adapters/web/render.ts';
import { block, CoreAction, feedbackValue, parseFeedbackValue, type Reply } from '../../../src/core/reply.ts';
import { answerReply } from '../../fixtures/replies.ts';

const options = { csrf: 'CSRF' };
const CSRF = '<input type="hidden" name="_csrf" value="CSRF">';

describe('replyToHtml', () => {
  it('renders an answer with sources and 👍 / 👎 (with a reason form) exactly', () => {
    const reply = answerReply('ans-1');
    const up =
      '{&quot;actionId&quot;:&quot;feedback&quot;,&quot;value&quot;:&quot;{\\&quot;answerId\\&quot;:\\&quot;ans-1\\&quot;,\\&quot;rating\\&quot;:\\&quot;up\\&quot;}&quot;}';
    const down = up.replace('up\\&quot;', 'down\\&quot;');
    expect(replyToHtml(reply, options)).toBe(
      '<div class="reply" data-kind="answer">' +
        '<p><strong>Model drift</strong> is when the data a model sees in production <em>changes</em> over time.</p>' +
        '<ul><li>Watch input statistics</li><li>Retrain on a schedule</li></ul>' +
        '<section class="sources" aria-label="Sources"><h4>Sources</h4><ol><li><a href="/console/entry/prop-drift">Drift</a>' +
        ' — Haug et al. 2025, MLOps Adoption (slides) <a class="external" href="https://kb.example.test/drift" rel="noreferrer">(link)</a></li></ol></section>' +
        '<div class="feedback" role="group" aria-label="Was this helpful?">' +
        `<form method="post" action="/console/chat" class="feedback-up">${CSRF}<button type="submit" name="choice" value="${up}">👍 Helpful</button></form>` +
        '<details class="feedback-down"><summary>👎 Not helpful</summary>' +
        `<form method="post" action="/console/chat" class="feedback-reason">${CSRF}<input type="hidden" name="choice" value="${down}">` +
        '<label for="r-reason-ans-1">What was wrong or missing? (optional)</label>' +
        '<textarea id="r-reason-ans-1" name="reason" maxlength="1000" rows="2"></textarea>' +
        '<button type="submit">Send feedback</button></form></details></div></div>',
    );
  });

  it('renders a walkthrough step (heading, prompt, buttons with styles), a record, fields, a notice and literal text', () => {
    const reply: Reply = {
      kind: 'walkthrough',
      fallbackText: 'step 1',
      blocks: [
        block.heading('Choose ML infrastructure — step 1 of 3'),
        block.choices(
          [
            { actionId: 'flow:infra', value: 'q1:a', label: 'Option A', style: 'primary' },
            { actionId: 'flow:infra', value: 'back', label: '← Back' },
          ],
          'How will the model be **used**?',
        ),
        block.copyable('Decision record', 'Decision: cloud\n<b>not bold</b>'),
        block.divider(),
        block.fields([{ label: 'Owner', value: '`jane`' }]),
        block.notice('warning', 'Careful: _slow_'),
        block.plain('<script>alert(1)</script>\nline 2'),
      ],
    };
    expect(replyToHtml(reply, options)).toBe(
      '<div class="reply" data-kind="walkthrough"><h3>Choose ML infrastructure — step 1 of 3</h3>' +
        `<form method="post" action="/console/chat" class="choices">${CSRF}<p class="prompt">How will the model be <strong>used</strong>?</p>` +
        '<div class="buttons" role="group" aria-label="How will the model be used?">' +
        '<button type="submit" name="choice" value="{&quot;actionId&quot;:&quot;flow:infra&quot;,&quot;value&quot;:&quot;q1:a&quot;}" class="primary">Option A</button>' +
        '<button type="submit" name="choice" value="{&quot;actionId&quot;:&quot;flow:infra&quot;,&quot;value&quot;:&quot;back&quot;}">← Back</button></div></form>' +
        '<figure class="copyable"><figcaption>Decision record</figcaption><pre tabindex="0">Decision: cloud\n&lt;b&gt;not bold&lt;/b&gt;</pre></figure>' +
        '<hr><dl class="fields"><div><dt>Owner</dt><dd><code>jane</code></dd></div></dl>' +
        '<div class="notice warning"><strong>Warning:</strong> Careful: <em>slow</em></div>' +
        '<p class="plain">&lt;script&gt;alert(1)&lt;/script&gt;\nline 2</p></div>',
    );
  });

  it('falls back to the escaped fallback text when there are no blocks; empty lists render nothing', () => {
    expect(replyToHtml({ kind: 'notice', fallbackText: 'Only <fallback>', blocks: [] }, options)).toBe(
      '<div class="reply" data-kind="notice"><p class="plain">Only &lt;fallback&gt;</p></div>',
    );
    expect(
      replyToHtml(
        { kind: 'answer', fallbackText: 'f', blocks: [block.sources([]), block.fields([]), block.choices([])] },
        options,
      ),
    ).toBe('<div class="reply" data-kind="answer"><p class="plain">f</p></div>');
  });

  it('escapes user text everywhere: labels, titles, citations, ids, the CSRF token, the form action', () => {
    const evil = '"><script>alert(1)</script>';
    const html = replyToHtml(
      {
        kind: 'answer',
        answerId: evil,
        fallbackText: evil,
        blocks: [
          block.heading(evil),
          block.choices([{ actionId: evil, value: evil, label: evil }], evil),
          block.sources([{ id: evil, title: evil, type: 'x', citation: evil, url: `javascript:${evil}` }]),
          block.fields([{ label: evil, value: evil }]),
          block.copyable(evil, evil),
          block.feedback(evil),
        ],
      },
      { csrf: evil, action: evil, idPrefix: evil },
    );
    expect(html).not.toContain('<script>');
    // Shown as text wherever it went: heading, prompt, label, title, citation, field label and value, record.
    expect(html.split('&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;').length - 1).toBeGreaterThanOrEqual(9);
    expect(html).not.toContain('javascript:');
    // Ids made from text hold only safe characters.
    expect(html).toMatch(/id="___script_alert_1___script_-reason-___script_alert_1___script_"/);
  });

  it('gives a button the value the core reads back', () => {
    const value = feedbackValue('a-1', 'down');
    const json = JSON.parse(choiceValue({ actionId: CoreAction.Feedback, value }));
    expect(json).toEqual({ actionId: 'feedback', value });
    expect(parseFeedbackValue(json.value)).toEqual({ answerId: 'a-1', rating: 'down' });
  });
});

describe('markdownToHtml', () => {
  it('links only http(s) and the console’s own paths; code, bold, headings, numbered lists and fences', () => {
    expect(
      markdownToHtml(
        '[ok](https://x.test/a?b=1&c=2) [bad](javascript:alert(1)) [local](/console/chat) `<b>` **a_b** snake_case_name\n## Key points\n1. one\n2. two\n```\n<code>\n```',
      ),
    ).toBe(
      '<p><a href="https://x.test/a?b=1&amp;c=2" rel="noreferrer">ok</a> [bad](javascript:alert(1)) <a href="/console/chat">local</a> ' +
        '<code>&lt;b&gt;</code> <strong>a_b</strong> snake_case_name</p><h4>Key points</h4><ol><li>one</li><li>two</li></ol>' +
        '<pre><code>&lt;code&gt;</code></pre>',
    );
  });

  it('keeps single line breaks and paragraphs', () => {
    expect(markdownToHtml('one\ntwo\n\nthree')).toBe('<p>one<br>two</p><p>three</p>');
  });

  it('safeHref refuses protocol-relative, data and javascript URLs', () => {
    expect(safeHref('//evil.test/x')).toBeUndefined();
    expect(safeHref('data:text/html,hi')).toBeUndefined();
    expect(safeHref(' JavaScript:alert(1)')).toBeUndefined();
    expect(safeHref('/console/entry/a')).toBe('/console/entry/a');
    expect(escapeHtml(`&<>"'`)).toBe('&amp;&lt;&gt;&quot;&#39;');
  });
});

describe('replyToHtml: a free-text step', () => {
  it('renders the answer field as a form posting the step’s action, the typed text as its text', () => {
    const reply: Reply = {
      kind: 'walkthrough',
      fallbackText: 'Which data set?',
      blocks: [
        block.input({
          actionId: 'flow:step',
          value: 'v1',
          label: 'Search the <catalog>',
          placeholder: 'e.g. "coating"',
          submitLabel: 'Search',
        }),
      ],
    };
    const html = replyToHtml(reply, options);
    expect(html).toContain(`name="choice" value="${escapeHtml(choiceValue({ actionId: 'flow:step', value: 'v1' }))}"`);
    expect(html).toContain('<label for="r-input-flow_step">Search the &lt;catalog&gt;</label>');
    expect(html).toContain('name="reason" type="text" required');
    expect(html).toContain('placeholder="e.g. &quot;coating&quot;"');
    expect(html).toContain('<button type="submit">Search</button>');
    expect(html).toContain(CSRF);
  });
});
