// `mlops-guide ask "<question>" [--json]` and `ask --file Q.jsonl --json`: answers through the same answerer
// the chat platforms use. Each answer is timed in process (latencyMs). A line may carry `history` (earlier
// messages of the same conversation): they are answered first, and `question` is read as a follow-up.
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { answerToReply } from '../answer/index.ts';
import type { Answer, ConversationContext } from '../answer/types.ts';
import { createApp } from '../app.ts';
import { lineProgress, setProgressReporter } from '../base/index.ts';
import { loadConfig } from '../config.ts';
import { errorReply, MAX_QUESTION_LENGTH } from '../core/bot.ts';
import { asCodedError, ErrorCode } from '../errors.ts';
import { type CliIo, EXIT } from './io.ts';
import { createLogger } from './logger.ts';
import { replyToText } from './render-text.ts';

const USAGE = 'usage: mlops-guide ask "<question>" [--json]\n       mlops-guide ask --file QUESTIONS.jsonl [--json]';

interface AskCase {
  id: string;
  question: string;
  /** Earlier user messages of the same conversation, oldest first: `question` is answered as the next one. */
  history: string[];
}

export function answerJson(id: string, answer: Answer, latencyMs: number) {
  return {
    id,
    question: answer.question,
    answer: answer.markdown,
    abstained: answer.abstained,
    ...(answer.soft ? { soft: true, offered: answer.offered ?? [] } : {}),
    confidence: Number(answer.confidence.toFixed(3)),
    language: answer.language,
    ...(answer.followUp ? { followUp: true } : {}),
    ...(answer.more ? { more: answer.more } : {}),
    sources: answer.sources.map((s) => ({
      id: s.id,
      title: s.title,
      type: s.type,
      score: Number((s.score ?? 0).toFixed(4)),
    })),
    suggestions: answer.suggestions,
    generated: answer.generated,
    latencyMs: Number(latencyMs.toFixed(2)),
  };
}

export async function runAsk(args: string[], io: CliIo, env: NodeJS.ProcessEnv): Promise<number> {
  let json = false;
  let file: string | undefined;
  const words: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string;
    if (a === '--json') json = true;
    else if (a === '--file') {
      file = args[++i];
      if (!file) {
        io.err(`--file needs a path\n${USAGE}`);
        return EXIT.usage;
      }
    } else if (a.startsWith('--')) {
      io.err(`unknown option ${a}\n${USAGE}`);
      return EXIT.usage;
    } else words.push(a);
  }

  let cases: AskCase[];
  if (file) {
    let raw: string;
    try {
      raw = readFileSync(file, 'utf8');
    } catch {
      io.err(`cannot read ${file}`);
      return EXIT.usage;
    }
    cases = [];
    for (const [i, line] of raw.split('\n').entries()) {
      if (!line.trim()) continue;
      try {
        const obj = JSON.parse(line) as { id?: unknown; question?: unknown; history?: unknown };
        if (typeof obj.question !== 'string') throw new Error('no "question" string');
        if (
          obj.history !== undefined &&
          !(Array.isArray(obj.history) && obj.history.every((h) => typeof h === 'string'))
        )
          throw new Error('"history" must be a list of strings (earlier messages, oldest first)');
        cases.push({
          id: obj.id === undefined ? `line-${i + 1}` : String(obj.id),
          question: obj.question,
          history: (obj.history as string[] | undefined) ?? [],
        });
      } catch (err) {
        io.err(`${file}:${i + 1}: skipped: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
  } else {
    const question = words.join(' ');
    if (!question.trim()) {
      io.err(`Please give a question.\n${USAGE}`);
      return EXIT.usage;
    }
    if (question.length > MAX_QUESTION_LENGTH) {
      io.err(
        `That question is ${question.length} characters long; the limit is ${MAX_QUESTION_LENGTH}. Please shorten it.`,
      );
      return EXIT.usage;
    }
    cases = [{ id: '1', question, history: [] }];
  }

  const config = loadConfig(env);
  const logger = createLogger(config.logLevel === 'info' ? 'warn' : config.logLevel);
  // The first start's one-time conversion shows its progress on stderr (the logs above are quieted to warn).
  setProgressReporter(lineProgress(process.stderr));
  const app = await createApp(config, { logger, storage: 'memory' });
  try {
    const answerer = app.runtime.current().answerer;
    for (const c of cases) {
      try {
        // The history is answered first, as the same conversation (its answers are not printed).
        const context: ConversationContext = { turns: [] };
        for (const h of c.history) {
          const earlier = await answerer.answer(h, context);
          context.turns.push({ question: h, entryIds: earlier.entryIds });
        }
        const started = performance.now();
        const answer = await answerer.answer(c.question, context.turns.length > 0 ? context : undefined);
        const latencyMs = performance.now() - started;
        if (json) io.out(JSON.stringify(answerJson(c.id, answer, latencyMs)));
        else io.out(replyToText(answerToReply(answer)).text);
      } catch (err) {
        const coded = asCodedError(err);
        const text = errorReply(coded).fallbackText;
        if (json) io.out(JSON.stringify({ id: c.id, question: c.question, error: coded.code, message: text }));
        else io.err(text);
        if (!file && (coded.code === ErrorCode.InputInvalid || coded.code === ErrorCode.InputTooLong))
          return EXIT.usage;
      }
    }
    return EXIT.ok;
  } finally {
    await app.close();
  }
}
