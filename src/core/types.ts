import type { Inbound } from './inbound.ts';
import type { Reply } from './reply.ts';

/** The platform-neutral bot every channel talks to. */
export interface Bot {
  handle(inbound: Inbound): Promise<Reply>;
}
