// A small `fetch` for the Slack Web API client (https://docs.slack.dev/tools/node-slack-sdk/web-api: the WebClient's
// `fetch` option) on node:http / node:https with keep-alive agents. Node's global fetch (undici) costs ~150–230 µs
// of the main thread per small POST on loopback against ~70–90 µs for http.request plus a Response object
// (measured on the bench machine, 2 Dec 2026); under load every answer and every "busy" reply is such a POST, on the
// thread that also makes the acks (issue 12).
//
// It covers what the WebClient sends: POST with a string, Buffer or URLSearchParams body, headers as a plain
// object or Headers, an AbortSignal (the request timeout), `redirect: 'error'`. Anything else (a FormData file
// upload, a ReadableStream body) goes to the global fetch.
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';

export interface HttpFetchOptions {
  /** Sockets per origin (default 64). */
  maxSockets?: number;
  /** Idle keep-alive sockets are closed after this (default 30 s; Slack keeps them ~60 s). */
  keepAliveMs?: number;
}

type Body = string | Buffer | Uint8Array;

function plainBody(body: unknown): Body | undefined | false {
  if (body === undefined || body === null) return undefined;
  if (typeof body === 'string' || Buffer.isBuffer(body) || body instanceof Uint8Array) return body;
  if (body instanceof URLSearchParams) return body.toString();
  return false;
}

function plainHeaders(headers: RequestInit['headers']): Record<string, string> {
  const out: Record<string, string> = {};
  if (!headers) return out;
  if (headers instanceof Headers) {
    for (const [k, v] of headers) out[k] = v;
    return out;
  }
  if (Array.isArray(headers)) {
    for (const [k, v] of headers) if (k !== undefined && v !== undefined) out[k] = v;
    return out;
  }
  for (const [k, v] of Object.entries(headers)) if (v !== undefined) out[k] = String(v);
  return out;
}

/** Statuses whose Response must have no body. */
const NULL_BODY = new Set([101, 204, 205, 304]);

function toResponse(res: IncomingMessage, data: Buffer): Response {
  const headers = new Headers();
  for (const [k, v] of Object.entries(res.headers)) {
    if (Array.isArray(v)) for (const x of v) headers.append(k, x);
    else if (v !== undefined) headers.set(k, v);
  }
  const status = res.statusCode ?? 0;
  return new Response(NULL_BODY.has(status) ? null : data, { status, statusText: res.statusMessage ?? '', headers });
}

export function createHttpFetch(options: HttpFetchOptions = {}): typeof fetch & { destroy(): void } {
  const agentOptions = {
    keepAlive: true,
    maxSockets: options.maxSockets ?? 64,
    timeout: options.keepAliveMs ?? 30_000,
  };
  const http = new HttpAgent(agentOptions);
  const https = new HttpsAgent(agentOptions);
  const impl = (input: string | URL | Request, init: RequestInit = {}): Promise<Response> => {
    const body = plainBody(init.body);
    if (input instanceof Request || body === false) return fetch(input, init);
    const url = typeof input === 'string' ? new URL(input) : input;
    const secure = url.protocol === 'https:';
    if (!secure && url.protocol !== 'http:') return fetch(input, init);
    const signal = init.signal ?? undefined;
    return new Promise<Response>((resolve, reject) => {
      if (signal?.aborted) {
        reject(signal.reason);
        return;
      }
      const headers = plainHeaders(init.headers);
      if (body !== undefined) headers['content-length'] = String(Buffer.byteLength(body));
      const req = (secure ? httpsRequest : httpRequest)(
        url,
        { method: init.method ?? 'GET', headers, agent: secure ? https : http },
        (res) => {
          const status = res.statusCode ?? 0;
          if (init.redirect === 'error' && status >= 300 && status < 400 && res.headers.location) {
            res.resume();
            reject(new TypeError(`redirect to ${res.headers.location} refused (redirect: 'error')`));
            return;
          }
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', reject);
          res.on('end', () => {
            signal?.removeEventListener('abort', abort);
            resolve(toResponse(res, chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks)));
          });
        },
      );
      const abort = () => req.destroy(signal?.reason instanceof Error ? signal.reason : new Error('aborted'));
      signal?.addEventListener('abort', abort, { once: true });
      req.on('error', (err) => {
        signal?.removeEventListener('abort', abort);
        reject(err);
      });
      req.end(body);
    });
  };
  return Object.assign(impl as typeof fetch, {
    destroy() {
      http.destroy();
      https.destroy();
    },
  });
}
