// A walkthrough's text field in Slack: a dispatching plain_text_input whose block_id carries the core's value, and the
// block_actions payload Slack sends on Enter (shape from docs.slack.dev/reference/interaction-payloads/block_actions-payload).
import { describe, expect, it } from 'vitest';
import { actionToInbound, parseBlockActions } from '../../../adapters/slack/inbound.ts';
import { blockToSlack } from '../../../adapters/slack/render.ts';
import { block } from '../../../src/core/reply.ts';

const VALUE = '{"f":"data-owner","s":"query","r":0,"a":"type"}';

describe('Slack text field (reply block `input`)', () => {
  it('renders a plain_text_input that dispatches on Enter, the value in block_id', () => {
    const [rendered] = blockToSlack(
      block.input({
        actionId: 'walkthrough:type',
        value: VALUE,
        label: 'Search',
        placeholder: 'e.g. logs',
        submitLabel: 'Search',
      }),
    );
    expect(rendered).toMatchObject({
      type: 'input',
      block_id: VALUE,
      dispatch_action: true,
      element: {
        type: 'plain_text_input',
        action_id: 'walkthrough:type::0',
        dispatch_action_config: { trigger_actions_on: ['on_enter_pressed'] },
      },
    });
    expect(blockToSlack(block.input({ actionId: 'a', value: 'x'.repeat(300), label: 'l', submitLabel: 's' }))).toEqual(
      [],
    );
  });

  it('reads the typed text and the value back from block_actions', () => {
    const body = parseBlockActions({
      type: 'block_actions',
      user: { id: 'U0ALICE', username: 'alice' },
      channel: { id: 'C0CHANNEL' },
      container: { type: 'message', channel_id: 'C0CHANNEL', message_ts: '1712.0001' },
      message: { ts: '1712.0001' },
      actions: [
        {
          type: 'plain_text_input',
          action_id: 'walkthrough:type::0',
          block_id: VALUE,
          value: '  coating logs ',
          action_ts: '1',
        },
      ],
    });
    expect(body).toBeDefined();
    expect(actionToInbound(body as NonNullable<typeof body>)).toMatchObject({
      kind: 'action',
      actionId: 'walkthrough:type',
      value: VALUE,
      text: 'coating logs',
    });
  });
});
