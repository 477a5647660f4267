// The core's commands: the same words in every channel (`/mlops property drift` in Slack, `property drift` in
// Teams or the terminal). Each returns a Reply built from the knowledge base; nothing here knows a platform.

import { keyPoints } from '../answer/key-points.ts';
import { sourceRefOf } from '../answer/sources.ts';
import { normaliseText } from '../base/index.ts';
import type { Entry, GuidelineEntry, PropertyEntry } from '../knowledge/schema.ts';
import type { KnowledgeBase } from '../knowledge/types.ts';
import { type Block, block, type Choice, CoreAction, type Reply, type SourceRef } from './reply.ts';

export interface CommandSpec {
  name: string;
  usage: string;
  description: string;
  /** Hidden from help (admin commands are shown to maintainers only). */
  hidden?: boolean;
}

export const COMMANDS: readonly CommandSpec[] = [
  { name: 'help', usage: 'help', description: 'what I can do and how to ask' },
  { name: 'ask', usage: 'ask <question>', description: 'ask a question about MLOps in our company' },
  { name: 'properties', usage: 'properties', description: 'the properties of ML projects, one line each' },
  {
    name: 'property',
    usage: 'property <name>',
    description: 'one ML project property explained (e.g. property drift)',
  },
  { name: 'challenges', usage: 'challenges', description: 'MLOps challenges practitioners face, and what helps' },
  {
    name: 'guidelines',
    usage: 'guidelines [topic]',
    description: 'guidelines on ML architecture and technology selection',
  },
  { name: 'about', usage: 'about', description: 'the study this bot is built on' },
  { name: 'infra', usage: 'infra', description: 'walkthrough: choose where to run your ML model' },
  {
    name: 'data-owner',
    usage: 'data-owner [data]',
    description: 'walkthrough: find a data set, its owner, and request access',
  },
  { name: 'more', usage: 'more', description: 'the rest of my last answer: related entries, options, further points' },
  { name: 'show', usage: 'show <entry id>', description: 'one knowledge entry (the buttons use it)', hidden: true },
  { name: 'admin', usage: 'admin reload | stats | gaps', description: 'maintainers only', hidden: true },
];

/** Words that start a command when typed as plain text (`property drift`, `help`). */
export const COMMAND_ALIASES: Record<string, string> = {
  help: 'help',
  '?': 'help',
  ask: 'ask',
  properties: 'properties',
  property: 'property',
  challenges: 'challenges',
  guidelines: 'guidelines',
  guideline: 'guidelines',
  about: 'about',
  infra: 'infra',
  infrastructure: 'infra',
  'data-owner': 'data-owner',
  dataowner: 'data-owner',
  'data-owners': 'data-owner',
  admin: 'admin',
  more: 'more',
  show: 'show',
};

export const commandChoice = (commandLine: string, label: string, style?: 'primary'): Choice =>
  style
    ? { actionId: CoreAction.Command, value: commandLine, label, style }
    : { actionId: CoreAction.Command, value: commandLine, label };

export const sourceRefsOf = (entries: readonly Entry[]): SourceRef[] => entries.map((e) => sourceRefOf(e));

const reply = (kind: Reply['kind'], blocks: Block[], fallbackText: string): Reply => ({ kind, blocks, fallbackText });

export function helpReply(options: { isMaintainer?: boolean; notice?: string; echo?: string } = {}): Reply {
  const visible = COMMANDS.filter((c) => !c.hidden || options.isMaintainer);
  const lines = visible.map((c) => `- \`${c.usage}\` — ${c.description}`).join('\n');
  const blocks: Block[] = [];
  if (options.notice) blocks.push(block.notice('info', options.notice));
  // What the user typed is echoed as literal text, never as Markdown (no links, mentions or formatting).
  if (options.echo) blocks.push(block.plain(options.echo));
  blocks.push(
    block.heading('MLOps Guide'),
    block.markdown(
      'I answer questions about MLOps in our company from a curated knowledge base — with sources — and walk you ' +
        'through **choosing ML infrastructure** and **finding a data owner and requesting access**. ' +
        'Just ask in your own words, or use a command:',
    ),
    block.markdown(lines),
    block.choices([
      commandChoice('infra', 'Choose ML infrastructure', 'primary'),
      commandChoice('data-owner', 'Find a data owner'),
      commandChoice('properties', 'ML project properties'),
      commandChoice('about', 'About the study'),
    ]),
  );
  return reply('command', blocks, `MLOps Guide — commands: ${visible.map((c) => c.usage).join(', ')}`);
}

/**
 * A platform's home page for the bot (Slack's App Home tab): what the bot does, how to reach it, and buttons that
 * start each walkthrough, list the properties or show the commands.
 */
export function homeReply(): Reply {
  return reply(
    'command',
    [
      block.heading('MLOps Guide'),
      block.markdown(
        'I answer MLOps questions with sources from our knowledge base, walk you through choosing ML ' +
          'infrastructure, help you find who owns a data set, and explain the properties of ML projects.',
      ),
      block.markdown(
        '**How to ask**\n- Mention me in a channel: `@MLOps Guide how do we version training data?`\n' +
          '- Send me a direct message in the **Messages** tab\n- Type `/mlops help` anywhere for the commands',
      ),
      block.divider(),
      block.markdown('**Get started**'),
      block.choices([
        commandChoice('infra', 'Choose ML infrastructure', 'primary'),
        commandChoice('data-owner', 'Find a data owner'),
        commandChoice('properties', 'ML project properties'),
        commandChoice('help', 'Help'),
      ]),
      block.markdown(
        '_Every answer lists its sources. Rate answers with 👍 / 👎 so the maintainers can improve them._',
      ),
    ],
    'MLOps Guide: ask MLOps questions, choose ML infrastructure, find a data owner.',
  );
}

/**
 * The one-time greeting in a user's direct conversation with the bot (Slack: the first time they open the Messages
 * tab). Short: what to type, and the same buttons as the home page.
 */
export function welcomeReply(): Reply {
  return reply(
    'command',
    [
      block.markdown(
        "Hi, I'm **MLOps Guide**. Ask me an MLOps question right here, e.g. _How do we version training data?_ " +
          'Every answer lists its sources. Or start with one of these:',
      ),
      block.choices([
        commandChoice('infra', 'Choose ML infrastructure', 'primary'),
        commandChoice('data-owner', 'Find a data owner'),
        commandChoice('help', 'What can you do?'),
      ]),
    ],
    "Hi, I'm MLOps Guide: ask me an MLOps question here, or type help.",
  );
}

/** Prompts a platform may show before the user has typed anything (Slack's AI-app suggested prompts). */
export interface SuggestedPrompt {
  /** What the button shows (Slack shows about 30 characters). */
  title: string;
  /** What is sent as the user's message when it is picked. */
  message: string;
}

/** The starters Slack's assistant container offers when a user opens a new thread with the bot. */
export function suggestedPrompts(): { title: string; prompts: SuggestedPrompt[] } {
  return {
    title: 'Ask about MLOps, or start a walkthrough:',
    prompts: [
      { title: 'Version training data', message: 'How do we version training data?' },
      { title: 'Choose ML infrastructure', message: 'infra' },
      { title: 'Find a data owner', message: 'data-owner' },
      { title: 'What can you do?', message: 'help' },
    ],
  };
}

const firstParagraphOf = (body: string): string =>
  body
    .split(/\n\s*\n/)
    .map((p) => p.trim())
    .find((p) => p && !p.startsWith('#')) ?? '';

export function propertiesReply(kb: KnowledgeBase): Reply {
  const props = kb.ofType('property').sort((a, b) => a.title.localeCompare(b.title));
  if (props.length === 0)
    return reply(
      'command',
      [block.notice('warning', 'No ML project properties are in the knowledge base yet.')],
      'No properties yet.',
    );
  const lines = props.map((p) => `- **${p.title}** (\`property ${p.name}\`) — ${p.summary}`).join('\n');
  return reply(
    'command',
    [
      block.heading('Properties of ML projects'),
      block.markdown(
        'ML projects behave differently from classic software projects. The study found that stakeholders often ' +
          'do not understand these properties — here they are in plain language:',
      ),
      block.markdown(lines),
      block.choices(
        props.slice(0, 10).map((p) => commandChoice(`property ${p.name}`, p.title)),
        'Explain one:',
      ),
    ],
    `Properties of ML projects: ${props.map((p) => p.name).join(', ')}`,
  );
}

export function findProperty(kb: KnowledgeBase, query: string): PropertyEntry | undefined {
  const q = normaliseText(query);
  if (!q) return undefined;
  const props = kb.ofType('property');
  const names = (p: PropertyEntry) =>
    [p.name, p.title, p.id.replace(/^property-/, ''), ...p.aliases].map(normaliseText);
  return (
    props.find((p) => names(p).includes(q)) ??
    props.find((p) => names(p).some((n) => n.startsWith(q) || q.startsWith(n))) ??
    props.find((p) => names(p).some((n) => n.includes(q) || q.includes(n)))
  );
}

export function propertyReply(kb: KnowledgeBase, query: string): Reply {
  if (!query.trim()) return propertiesReply(kb);
  const p = findProperty(kb, query);
  if (!p) {
    const names = kb.ofType('property').map((x) => x.name);
    return reply(
      'command',
      [
        block.notice('info', 'I don\u2019t know that property. These are the ones I can explain:'),
        block.plain(`You asked about: ${query.trim().slice(0, 200)}`),
        block.choices(names.slice(0, 12).map((n) => commandChoice(`property ${n}`, n))),
      ],
      `Unknown property. Known: ${names.join(', ')}`,
    );
  }
  const related = p.related.map((id) => kb.get(id)).filter((e): e is Entry => Boolean(e));
  return reply(
    'command',
    [
      block.heading(p.title),
      block.markdown(p.explanation),
      block.markdown(`**What this means for your plans**\n\n${p.implications}`),
      block.sources(sourceRefsOf([p])),
      ...(related.length
        ? [
            block.choices(
              related
                .filter((e) => e.type === 'property')
                .slice(0, 5)
                .map((e) => commandChoice(`property ${(e as PropertyEntry).name}`, e.title)),
              'Related properties:',
            ),
          ]
        : []),
    ].filter((b) => b.type !== 'choices' || b.choices.length > 0),
    `${p.title}: ${p.summary}`,
  );
}

export function challengesReply(kb: KnowledgeBase): Reply {
  const challenges = kb
    .ofType('challenge')
    .sort((a, b) => Number(b.fromStudy) - Number(a.fromStudy) || a.title.localeCompare(b.title));
  if (challenges.length === 0)
    return reply(
      'command',
      [block.notice('warning', 'No challenges are in the knowledge base yet.')],
      'No challenges yet.',
    );
  const lines = challenges
    .map((c) => {
      const solutions = c.solutions.map((id) => kb.get(id)?.title).filter(Boolean);
      const from = c.fromStudy ? ' _(study finding)_' : '';
      return `- **${c.title}**${from} — ${c.summary}${solutions.length ? `\n  What helps: ${solutions.join('; ')}` : ''}`;
    })
    .join('\n');
  return reply(
    'command',
    [
      block.heading('MLOps challenges and what helps'),
      block.markdown(lines),
      block.sources(sourceRefsOf(challenges.filter((c) => c.fromStudy).slice(0, 1))),
    ],
    `MLOps challenges: ${challenges.map((c) => c.title).join('; ')}`,
  );
}

export function guidelinesReply(kb: KnowledgeBase, topic: string): Reply {
  const all = kb.ofType('guideline');
  if (all.length === 0)
    return reply(
      'command',
      [block.notice('warning', 'No guidelines are in the knowledge base yet.')],
      'No guidelines yet.',
    );
  const topics = [...new Set(all.map((g) => g.topic))].sort();
  const q = normaliseText(topic);
  if (!q) {
    const lines = topics
      .map(
        (t) =>
          `- **${t}** — ${all
            .filter((g) => g.topic === t)
            .map((g) => g.title)
            .join('; ')}`,
      )
      .join('\n');
    return reply(
      'command',
      [
        block.heading('Guidelines on ML architecture and technology selection'),
        block.markdown(`Practitioners in the study asked for best-practice guidelines. By topic:\n\n${lines}`),
        block.choices(
          topics.slice(0, 12).map((t) => commandChoice(`guidelines ${t}`, t)),
          'Show a topic:',
        ),
      ],
      `Guideline topics: ${topics.join(', ')}`,
    );
  }
  const matches = matchGuidelines(all, q);
  if (matches.length === 0) {
    return reply(
      'command',
      [
        block.notice('info', 'I have no guidelines on that topic. These topics exist:'),
        block.plain(`You asked for: ${topic.trim().slice(0, 200)}`),
        block.choices(topics.slice(0, 12).map((t) => commandChoice(`guidelines ${t}`, t))),
      ],
      `No guidelines on that topic. Topics: ${topics.join(', ')}`,
    );
  }
  const blocks: Block[] = [
    // Named after what matched, not after the typed topic (user text never goes into Markdown).
    block.heading(`Guidelines: ${matches.length === 1 ? matches[0]?.title : matches[0]?.topic}`),
  ];
  for (const g of matches.slice(0, 5)) {
    const points = keyPoints(g.body);
    blocks.push(
      block.markdown(
        `**${g.title}** — ${g.summary}${points.length ? `\n${points.map((p) => `- ${p}`).join('\n')}` : ''}`,
      ),
    );
  }
  blocks.push(block.sources(sourceRefsOf(matches.slice(0, 5))));
  return reply('command', blocks, matches.map((g) => `${g.title}: ${g.summary}`).join('\n'));
}

function matchGuidelines(all: GuidelineEntry[], q: string): GuidelineEntry[] {
  const words = q.split(' ').filter((w) => w.length > 2);
  const score = (g: GuidelineEntry) => {
    const topic = normaliseText(g.topic);
    if (topic === q || normaliseText(g.id).endsWith(q)) return 10;
    const hay = normaliseText([g.topic, g.title, ...g.tags].join(' '));
    return words.filter((w) => hay.includes(w) || hay.includes(w.replace(/s$/, ''))).length;
  };
  return all
    .map((g) => ({ g, s: score(g) }))
    .filter((x) => x.s > 0)
    .sort((a, b) => b.s - a.s || a.g.title.localeCompare(b.g.title))
    .map((x) => x.g);
}

export function aboutReply(kb: KnowledgeBase): Reply {
  const study = kb.ofType('study');
  const overview = study.find((s) => s.section === 'overview');
  const rqs = study.find((s) => s.section === 'research-questions');
  const insights = study.filter(
    (s) => s.section === 'key-insight' || s.section === 'architecture' || s.section === 'conclusion',
  );
  if (!overview)
    return reply(
      'command',
      [block.notice('warning', 'The study is not in the knowledge base yet.')],
      'No study entries yet.',
    );
  const blocks: Block[] = [
    block.heading(overview.title),
    block.markdown(firstParagraphOf(overview.body) || overview.summary),
  ];
  if (rqs)
    blocks.push(
      block.markdown(
        `**Research questions**\n\n${
          keyPoints(rqs.body)
            .map((p) => `- ${p}`)
            .join('\n') || rqs.summary
        }`,
      ),
    );
  if (insights.length)
    blocks.push(block.markdown(`**Key insights**\n\n${insights.map((s) => `- ${s.insight ?? s.summary}`).join('\n')}`));
  blocks.push(block.sources(sourceRefsOf([overview])));
  blocks.push(
    block.choices([
      commandChoice('challenges', 'Challenges found'),
      commandChoice('ask What are the threats to validity?', 'Threats to validity'),
      commandChoice('ask Who took part in the study?', 'Participants'),
    ]),
  );
  return reply('command', blocks, `${overview.title}: ${overview.summary}`);
}
