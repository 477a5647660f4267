// Prometheus metrics (prom-client) on a private registry: requests and latency by adapter and command, answer
// latency, abstain rate, LLM fallbacks, knowledge reloads, work refused under overload ("busy" replies) and the
// Slack queue's depth, store failures the bot degraded around.
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { BotObserver, ReloadResult } from './core/bot.ts';

export interface Metrics {
  registry: Registry;
  observer: BotObserver;
  reloaded(result: ReloadResult): void;
  /** Work given up at shutdown when the drain deadline passed, by channel. */
  abandoned(channel: string, count: number): void;
  /** For the Slack work queue (adapters/slack/work-queue.ts WorkQueueObserver). */
  queue: { dropped(reason: string): void; depth(waiting: number): void };
  render(): Promise<{ contentType: string; body: string }>;
}

export function createMetrics(options: { defaultMetrics?: boolean } = {}): Metrics {
  const registry = new Registry();
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry, prefix: 'mlops_guide_' });
  const requests = new Counter({
    name: 'mlops_guide_requests_total',
    help: 'Inbound messages, commands and clicks handled, by adapter (platform), route and outcome.',
    labelNames: ['adapter', 'command', 'outcome'] as const,
    registers: [registry],
  });
  const requestSeconds = new Histogram({
    name: 'mlops_guide_request_duration_seconds',
    help: 'Time to handle an inbound (core only, excluding platform API calls), by adapter and route.',
    labelNames: ['adapter', 'command'] as const,
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const answerSeconds = new Histogram({
    name: 'mlops_guide_answer_duration_seconds',
    help: 'Time to answer a question (retrieval + answer composition, LLM included when configured).',
    buckets: [0.001, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });
  const answers = new Counter({
    name: 'mlops_guide_answers_total',
    help: 'Questions answered, by result (answered | abstained). Abstain rate = abstained / all.',
    labelNames: ['result'] as const,
    registers: [registry],
  });
  const llmFallbacks = new Counter({
    name: 'mlops_guide_llm_fallbacks_total',
    help: 'Answers that fell back from the configured LLM to the extractive answer, by reason code.',
    labelNames: ['reason'] as const,
    registers: [registry],
  });
  const reloads = new Counter({
    name: 'mlops_guide_knowledge_reloads_total',
    help: 'Knowledge reloads by result (ok | failed).',
    labelNames: ['result'] as const,
    registers: [registry],
  });

  const dropped = new Counter({
    name: 'mlops_guide_dropped_total',
    help: 'Accepted work not done because the bot was overloaded; each one got a "busy" reply. By reason (queue_full | queue_timeout | loop_lag).',
    labelNames: ['reason'] as const,
    registers: [registry],
  });
  const queueDepth = new Gauge({
    name: 'mlops_guide_queue_depth',
    help: 'Slack work (answers after the ack) waiting for a worker.',
    registers: [registry],
  });
  const abandoned = new Counter({
    name: 'mlops_guide_abandoned_total',
    help: 'Accepted work given up at shutdown because the drain deadline (SHUTDOWN_DRAIN_MS) passed, by channel.',
    labelNames: ['channel'] as const,
    registers: [registry],
  });
  const storeErrors = new Counter({
    name: 'mlops_guide_store_errors_total',
    help: 'State or event store calls that failed and were worked around (rate limit open, record skipped), by operation.',
    labelNames: ['op'] as const,
    registers: [registry],
  });

  return {
    registry,
    observer: {
      handled({ platform, route, durationMs, outcome }) {
        requests.inc({ adapter: platform, command: route, outcome });
        requestSeconds.observe({ adapter: platform, command: route }, durationMs / 1000);
      },
      answered({ durationMs, abstained, fallbackReason }) {
        answerSeconds.observe(durationMs / 1000);
        answers.inc({ result: abstained ? 'abstained' : 'answered' });
        if (fallbackReason) llmFallbacks.inc({ reason: fallbackReason });
      },
      storeFailed({ op }) {
        storeErrors.inc({ op });
      },
    },
    queue: {
      dropped(reason) {
        dropped.inc({ reason });
      },
      depth(waiting) {
        queueDepth.set(waiting);
      },
    },
    reloaded(result) {
      reloads.inc({ result: result.ok ? 'ok' : 'failed' });
    },
    abandoned(channel, count) {
      abandoned.inc({ channel }, count);
    },
    async render() {
      return { contentType: registry.contentType, body: await registry.metrics() };
    },
  };
}
