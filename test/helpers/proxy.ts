// A tiny forward proxy for tests (node:http): records every CONNECT tunnel and every absolute-form request, and
// answers plain-HTTP requests itself with `answer` (standing in for the platform behind the proxy). nock cannot see
// traffic that goes through a proxy agent, so this is how a test proves an outbound call used HTTPS_PROXY.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { type AddressInfo, connect } from 'node:net';
import type { Duplex } from 'node:stream';

export interface ProxiedRequest {
  method: string;
  /** `host:port` for CONNECT, the absolute URL for a proxied plain-HTTP request. */
  target: string;
  body: string;
}

export interface TestProxy {
  url: string;
  seen: ProxiedRequest[];
  stop(): Promise<void>;
}

export type ProxyAnswer = (req: ProxiedRequest) => { status: number; body: unknown };

export async function startTestProxy(answer: ProxyAnswer): Promise<TestProxy> {
  const seen: ProxiedRequest[] = [];
  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      // Absolute-form (`POST http://host/path`) when proxied directly; origin-form inside a tunnel.
      const url = req.url ?? '';
      const target = url.startsWith('/') ? `http://${req.headers.host ?? ''}${url}` : url;
      const request = { method: req.method ?? '', target, body: Buffer.concat(chunks).toString() };
      seen.push(request);
      const { status, body } = answer(request);
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    });
  };
  const server = createServer(handle);
  // What a tunnel to port 80 reaches (undici tunnels plain HTTP too): the same answers, from a second server.
  const inner = createServer(handle);
  // A TLS tunnel is refused after it is recorded: the test has no certificate for the platform's host, and the
  // CONNECT line is what shows the call went through the proxy.
  server.on('connect', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const target = req.url ?? '';
    seen.push({ method: 'CONNECT', target, body: '' });
    if (!target.endsWith(':80')) {
      socket.end('HTTP/1.1 403 Forbidden\r\ncontent-length: 0\r\n\r\n');
      return;
    }
    const upstream = connect((inner.address() as AddressInfo).port, '127.0.0.1', () => {
      socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length) upstream.write(head);
      upstream.pipe(socket);
      socket.pipe(upstream);
    });
    upstream.on('error', () => socket.destroy());
    socket.on('error', () => upstream.destroy());
  });
  await new Promise<void>((resolve) => inner.listen(0, '127.0.0.1', resolve));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    stop: () =>
      Promise.all(
        [server, inner].map(
          (srv) =>
            new Promise<void>((resolve) => {
              srv.closeAllConnections();
              srv.close(() => resolve());
            }),
        ),
      ).then(() => undefined),
  };
}
