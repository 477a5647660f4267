// The problems loadConfig reports for an environment (none when it loads): for tests of config validation.
import { expect } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { ConfigError } from '../../src/errors.ts';

export const problemsOf = (env: Record<string, string>) => {
  try {
    loadConfig(env, '/app');
    return [];
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems;
  }
};
