// Why the Slack app asks for each bot scope (https://docs.slack.dev/reference/scopes): the Web API methods and events
// that need it. test/adapters/slack/scopes.test.ts checks both manifests against this table, and this table against
// the calls the adapter makes, so an unused scope (like the old `im:read`) cannot creep back in.

export interface ScopeUse {
  /** Web API methods called with the bot token that need the scope. */
  methods?: readonly string[];
  /** Events API subscriptions (manifest `bot_events`) that need the scope. */
  events?: readonly string[];
  /** Anything else, in words (a slash command). */
  other?: string;
}

/** The scopes of `manifest.yaml`. */
export const BOT_SCOPES: Readonly<Record<string, ScopeUse>> = {
  'app_mentions:read': { events: ['app_mention'] },
  'channels:history': { events: ['message.channels'] },
  'groups:history': { events: ['message.groups'] },
  'mpim:history': { events: ['message.mpim'] },
  'im:history': { events: ['message.im'] },
  'chat:write': { methods: ['chat.postMessage', 'chat.postEphemeral', 'chat.update'] },
  commands: { other: 'the /mlops slash command' },
  'im:write': { methods: ['conversations.open'] },
  'reactions:write': { methods: ['reactions.add', 'reactions.remove'] },
};

/** What `manifest-ai-app.yaml` (SLACK_ASSISTANT=true) asks for on top. */
export const ASSISTANT_SCOPES: Readonly<Record<string, ScopeUse>> = {
  'assistant:write': {
    methods: ['assistant.threads.setStatus', 'assistant.threads.setSuggestedPrompts'],
    other: 'the assistant container (features.assistant_view)',
  },
};

/**
 * Methods the adapter calls that need no scope: auth.test, the App Home and modal views, and permalinks (Slack's
 * method pages list "No scope required"); apps.connections.open uses the app-level token (`connections:write`).
 */
export const SCOPELESS_METHODS: readonly string[] = [
  'auth.test',
  'views.publish',
  'views.open',
  'chat.getPermalink',
  'apps.connections.open',
];

/** Events that need no scope of their own (Slack's event pages: "No scopes required"). */
export const SCOPELESS_EVENTS: readonly string[] = [
  'app_home_opened',
  'assistant_thread_started',
  'assistant_thread_context_changed',
];
