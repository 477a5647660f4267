/** Where a CLI command writes. Injected so tests capture output without spawning processes. */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
}

export const processIo: CliIo = {
  out: (text) => process.stdout.write(text.endsWith('\n') ? text : `${text}\n`),
  err: (text) => process.stderr.write(text.endsWith('\n') ? text : `${text}\n`),
};

/** Exit codes: 0 ok, 1 a check failed / something went wrong, 2 usage error. */
export const EXIT = { ok: 0, failure: 1, usage: 2 } as const;
