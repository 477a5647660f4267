// Splits a knowledge file into YAML front matter and Markdown body, and remembers where each YAML key sits so
// schema problems can point at `file:line` of the offending field (the yaml package's LineCounter gives offsets).
import { isMap, isScalar, isSeq, LineCounter, parseDocument } from 'yaml';
import type { KnowledgeProblem } from './types.ts';

export type FieldPath = readonly PropertyKey[];

export interface ParsedFile {
  /** The front matter as plain data; undefined when it is missing or not valid YAML. */
  data: Record<string, unknown> | undefined;
  /** Markdown after the closing `---`, trimmed. */
  body: string;
  /** 1-based line where the body starts. */
  bodyLine: number;
  /** 1-based line of the field at `path` (or of its closest existing parent; 1 when nothing matches). */
  lineOf(path: FieldPath): number;
  problems: KnowledgeProblem[];
}

const FENCE = '---';
const FRONT_MATTER_HINT =
  'start the file with a line `---`, then the YAML fields, then a line `---`, then the Markdown body';

export function parseFrontMatter(file: string, raw: string): ParsedFile {
  const text = raw.charCodeAt(0) === 0xfeff ? raw.slice(1) : raw;
  const lines = text.split(/\r?\n/);
  const problems: KnowledgeProblem[] = [];
  const error = (line: number, message: string) => problems.push({ file, line, message, severity: 'error' });
  const none = (): ParsedFile => ({ data: undefined, body: text.trim(), bodyLine: 1, lineOf: () => 1, problems });

  if ((lines[0] ?? '').trimEnd() !== FENCE) {
    error(1, `missing front matter: ${FRONT_MATTER_HINT}`);
    return none();
  }
  let close = -1;
  for (let i = 1; i < lines.length; i++) {
    const line = (lines[i] ?? '').trimEnd();
    if (line === FENCE || line === '...') {
      close = i;
      break;
    }
  }
  if (close === -1) {
    error(1, 'front matter is not closed: add a line `---` after the last field');
    return none();
  }

  // YAML line n is file line n + 1 (the opening fence is line 1).
  const offset = 1;
  const lineCounter = new LineCounter();
  const doc = parseDocument(lines.slice(1, close).join('\n'), { lineCounter, uniqueKeys: true, prettyErrors: true });
  const body = lines.slice(close + 1).join('\n');
  const leading = body.length - body.trimStart().length;
  const bodyLine = close + 2 + (body.slice(0, leading).match(/\n/g)?.length ?? 0);
  const base = { body: body.trim(), bodyLine, problems };

  for (const e of doc.errors) {
    const line = (e.linePos?.[0].line ?? 1) + offset;
    error(line, `YAML syntax: ${yamlMessage(e.message)}`);
  }
  if (doc.errors.length) return { ...base, data: undefined, lineOf: () => 1 };
  for (const w of doc.warnings) {
    problems.push({
      file,
      line: (w.linePos?.[0].line ?? 1) + offset,
      message: `YAML: ${yamlMessage(w.message)}`,
      severity: 'warning',
    });
  }

  const data: unknown = doc.toJS();
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    error(1, `front matter must be YAML fields (\`key: value\` lines): ${FRONT_MATTER_HINT}`);
    return { ...base, data: undefined, lineOf: () => 1 };
  }

  const lineAt = (pos: number) => lineCounter.linePos(pos).line + offset;
  const lineOf = (path: FieldPath): number => {
    let node: unknown = doc.contents;
    let line = 1;
    for (const seg of path) {
      if (isMap(node)) {
        const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(seg));
        if (!pair || !isScalar(pair.key) || !pair.key.range) break;
        line = lineAt(pair.key.range[0]);
        node = pair.value;
      } else if (isSeq(node) && typeof seg === 'number') {
        const item = node.items[seg];
        const range = (item as { range?: [number, number, number] } | null)?.range;
        if (!item || !range) break;
        line = lineAt(range[0]);
        node = item;
      } else break;
    }
    return line;
  };
  return { ...base, data: data as Record<string, unknown>, lineOf };
}

/** The yaml package appends " at line L, column C:" and a code excerpt; the caller adds its own file:line. */
function yamlMessage(message: string): string {
  const first = message.split('\n')[0] ?? message;
  return first.replace(/ at line \d+, column \d+:?\s*$/, '').trim();
}
