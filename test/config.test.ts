import { describe, expect, it } from 'vitest';
import { isLoopbackHost, loadConfig } from '../src/config.ts';
import { problemsOf } from './helpers/config.ts';

describe('loadConfig', () => {
  it('runs on embedded defaults with an empty environment: offline, no platforms', () => {
    const c = loadConfig({}, '/app');
    expect(c.port).toBe(3978);
    expect(c.host).toBe('0.0.0.0');
    expect(c.knowledgeDir).toBe('/app/knowledge');
    expect(c.dataDir).toBe('/app/data');
    expect(c.llm.provider).toBe('none');
    expect(c.embeddings.provider).toBe('local');
    expect(c.slack).toBeUndefined();
    expect(c.teams.appId).toBeUndefined();
    expect(c.conversationTtlMs).toBe(24 * 3_600_000);
    expect(c.retentionDays).toBe(90);
    expect(c.storeQuestionText).toBe(true);
  });

  it('selects Slack HTTP mode with a bot token and signing secret, Socket Mode with an app token', () => {
    expect(loadConfig({ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: 's' }).slack?.mode).toBe('http');
    expect(loadConfig({ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_APP_TOKEN: 'xapp-1' }).slack?.mode).toBe('socket');
  });

  it('lists every problem with its remedy at once', () => {
    const problems = problemsOf({
      PORT: 'abc',
      LLM_PROVIDER: 'ollama',
      SLACK_BOT_TOKEN: 'xoxb-1',
    });
    expect(problems.join('\n')).toMatch(/PORT/);
    const more = problemsOf({ LLM_PROVIDER: 'ollama', SLACK_BOT_TOKEN: 'xoxb-1', MAINTAINERS: 'U123' });
    expect(more.some((p) => p.startsWith('LLM_MODEL'))).toBe(true);
    expect(more.some((p) => p.startsWith('LLM_BASE_URL'))).toBe(true);
    expect(more.some((p) => p.startsWith('SLACK_SIGNING_SECRET'))).toBe(true);
    expect(more.some((p) => p.startsWith('MAINTAINERS') && p.includes('slack:U0123'))).toBe(true);
  });

  it('refuses TEAMS_ALLOW_UNAUTHENTICATED unless HOST is loopback', () => {
    expect(problemsOf({ TEAMS_ALLOW_UNAUTHENTICATED: 'true' })[0]).toMatch(/loopback/);
    expect(loadConfig({ TEAMS_ALLOW_UNAUTHENTICATED: 'true', HOST: '127.0.0.1' }).teams.allowUnauthenticated).toBe(
      true,
    );
  });

  it('requires a tenant for single-tenant Teams apps', () => {
    expect(problemsOf({ MICROSOFT_APP_ID: 'a', MICROSOFT_APP_PASSWORD: 'p' })[0]).toMatch(/MICROSOFT_APP_TENANT_ID/);
    expect(
      loadConfig({ MICROSOFT_APP_ID: 'a', MICROSOFT_APP_PASSWORD: 'p', MICROSOFT_APP_TYPE: 'MultiTenant' }).teams
        .appType,
    ).toBe('MultiTenant');
  });

  it('treats an empty USER_HASH_SALT as unset (a random one is generated and stored)', () => {
    expect(loadConfig({ USER_HASH_SALT: '' }).userHashSalt).toBeUndefined();
    expect(loadConfig({ USER_HASH_SALT: 's3cret' }).userHashSalt).toBe('s3cret');
  });

  it('parses maintainers and booleans', () => {
    const c = loadConfig({ MAINTAINERS: 'slack:U0123, teams:29:abc', STORE_QUESTION_TEXT: 'false' });
    expect(c.maintainers).toEqual([
      { platform: 'slack', userId: 'U0123' },
      { platform: 'teams', userId: '29:abc' },
    ]);
    expect(c.storeQuestionText).toBe(false);
  });

  it('reads the operator values: embeddings timeout, Redis key prefix and command timeout', () => {
    const d = loadConfig({});
    expect(d.embeddings.timeoutMs).toBe(10_000);
    expect(d.redis).toEqual({ prefix: 'mlops-guide:', commandTimeoutMs: 2000 });
    const c = loadConfig({
      EMBEDDINGS_TIMEOUT_MS: '2500',
      REDIS_PREFIX: 'mlops-guide-staging:',
      REDIS_COMMAND_TIMEOUT_MS: '500',
    });
    expect(c.embeddings.timeoutMs).toBe(2500);
    expect(c.redis).toEqual({ prefix: 'mlops-guide-staging:', commandTimeoutMs: 500 });
    expect(problemsOf({ EMBEDDINGS_TIMEOUT_MS: '0' }).join('\n')).toContain('EMBEDDINGS_TIMEOUT_MS');
    expect(problemsOf({ REDIS_COMMAND_TIMEOUT_MS: 'soon' }).join('\n')).toContain('REDIS_COMMAND_TIMEOUT_MS');
  });

  it('recognises loopback hosts', () => {
    for (const h of ['127.0.0.1', '127.1.2.3', 'localhost', '::1', '[::1]']) expect(isLoopbackHost(h)).toBe(true);
    for (const h of ['0.0.0.0', '10.0.0.1', 'example.com', '::']) expect(isLoopbackHost(h)).toBe(false);
  });

  it('reads an empty or blank value as unset (a `.env` line `PORT=` keeps the default)', () => {
    const c = loadConfig({
      PORT: '',
      RATE_LIMIT_PER_MINUTE: ' ',
      STORE_QUESTION_TEXT: '',
      LOG_LEVEL: '',
      RETENTION_DAYS: '',
    });
    expect(c.port).toBe(3978);
    expect(c.rateLimitPerMinute).toBe(30);
    expect(c.storeQuestionText).toBe(true);
    expect(c.logLevel).toBe('info');
    expect(c.retentionDays).toBe(90);
  });

  it('reports bad values and missing companions in one round, each with its fix', () => {
    const problems = problemsOf({
      PORT: 'abc',
      LOG_LEVEL: 'loud',
      STORE_QUESTION_TEXT: 'maybe',
      SLACK_API_URL: 'nope',
      LLM_PROVIDER: 'ollama',
      SLACK_BOT_TOKEN: 'xoxb-1',
      MAINTAINERS: 'U123',
    });
    const text = problems.join('\n');
    // Schema problems and the checks across variables together (they used to come in two rounds).
    expect(problems.length).toBeGreaterThanOrEqual(7);
    expect(text).toContain('PORT: "abc" is not valid');
    expect(text).toContain('set PORT to a whole number from 0 to 65535, or remove it to use the default (3978)');
    expect(text).toContain('set LOG_LEVEL to one of fatal, error, warn, info, debug, trace, silent');
    expect(text).toContain('set STORE_QUESTION_TEXT to true or false');
    expect(text).toContain('set SLACK_API_URL to a URL');
    expect(text).toMatch(/LLM_MODEL: required/);
    expect(text).toMatch(/SLACK_SIGNING_SECRET: required/);
    expect(text).toMatch(/MAINTAINERS: "U123"/);
    for (const p of problems) expect(p, p).toMatch(/set |required|must|only allowed/);
  });

  it('caps every stored lifetime at RETENTION_DAYS (conversation state kept 72 h → 1 day)', () => {
    expect(loadConfig({ RETENTION_DAYS: '1', CONVERSATION_TTL_HOURS: '72' }).conversationTtlMs).toBe(86_400_000);
    expect(loadConfig({ CONVERSATION_TTL_HOURS: '72' }).conversationTtlMs).toBe(72 * 3_600_000);
  });
});
