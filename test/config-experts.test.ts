// "Ask an expert" channels are checked at start: a Slack channel given by name (`#mlops-experts`) instead of its id is
// a configuration problem with its fix, reported before anything starts (README "Connect to Slack").
import { describe, expect, it } from 'vitest';
import type { CliIo } from '../src/cli/io.ts';
import { main } from '../src/cli/main.ts';
import { loadConfig } from '../src/config.ts';
import { ConfigError } from '../src/errors.ts';

const problemsOf = (env: Record<string, string>): string[] => {
  try {
    loadConfig(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems;
  }
  return [];
};

describe('EXPERT_CHANNEL_SLACK', () => {
  it('accepts a channel id (public C…, private G…)', () => {
    for (const id of ['C0123ABCD', 'G01PRIVATE9']) {
      expect(loadConfig({ EXPERT_CHANNEL_SLACK: id }).experts.slack).toBe(id);
    }
  });

  it('rejects a channel name, with or without #, saying where the id is and how to keep the name for users', () => {
    for (const name of ['#mlops-experts', 'mlops-experts']) {
      const [problem, ...more] = problemsOf({ EXPERT_CHANNEL_SLACK: name });
      expect(more).toEqual([]);
      expect(problem).toContain(`EXPERT_CHANNEL_SLACK: "${name}" is a channel name; give the channel's id instead`);
      expect(problem).toContain('channel details → About → Channel ID');
      expect(problem).toContain('EXPERT_CHANNEL_NAME=#mlops-experts');
    }
  });

  it('rejects anything else that is not an id', () => {
    expect(problemsOf({ EXPERT_CHANNEL_SLACK: 'https://acme.slack.com/archives/C0123ABCD' })[0]).toContain(
      'must be a Slack channel id like C0123ABCD',
    );
  });

  it('stops `serve` before it starts, with the problem on stderr and exit code 2', async () => {
    const stderr: string[] = [];
    const io: CliIo = { out: () => {}, err: (t) => stderr.push(t) };
    const env = {
      LOG_LEVEL: 'silent',
      SLACK_BOT_TOKEN: 'xoxb-test',
      SLACK_SIGNING_SECRET: 'secret',
      EXPERT_CHANNEL_SLACK: '#mlops-experts',
    };
    expect(await main(['serve'], io, env)).toBe(2);
    expect(stderr.join('')).toContain('EXPERT_CHANNEL_SLACK: "#mlops-experts" is a channel name');
  });
});
