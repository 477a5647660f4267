// A local WebSocket server that speaks enough of Slack's Socket Mode protocol
// (https://docs.slack.dev/apis/events-api/using-socket-mode) for tests: it completes the RFC 6455 handshake, says
// `hello`, answers pings, records the envelopes the app acknowledges, and can push envelopes or drop the connection.
// Hand-rolled (about a hundred lines) so the tests need no WebSocket package of their own. Loopback only.
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { Socket } from 'node:net';

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

function frame(opcode: number, payload: Buffer): Buffer {
  const len = payload.length;
  const head =
    len < 126
      ? Buffer.from([0x80 | opcode, len])
      : len < 65536
        ? Buffer.from([0x80 | opcode, 126, len >> 8, len & 0xff])
        : Buffer.concat([
            Buffer.from([0x80 | opcode, 127]),
            Buffer.from(new BigUint64Array([BigInt(len)]).buffer).reverse(),
          ]);
  return Buffer.concat([head, payload]);
}

/** Reads complete client frames (always masked) off the front of `buf`. */
function readFrames(buf: Buffer): { frames: { opcode: number; payload: Buffer }[]; rest: Buffer } {
  const frames: { opcode: number; payload: Buffer }[] = [];
  let at = 0;
  while (buf.length - at >= 2) {
    const b0 = buf[at] as number;
    const b1 = buf[at + 1] as number;
    let len = b1 & 0x7f;
    let offset = at + 2;
    if (len === 126) {
      if (buf.length < offset + 2) break;
      len = buf.readUInt16BE(offset);
      offset += 2;
    } else if (len === 127) {
      if (buf.length < offset + 8) break;
      len = Number(buf.readBigUInt64BE(offset));
      offset += 8;
    }
    const masked = (b1 & 0x80) !== 0;
    const mask = masked ? buf.subarray(offset, offset + 4) : undefined;
    if (masked) offset += 4;
    if (buf.length < offset + len) break;
    const payload = Buffer.from(buf.subarray(offset, offset + len));
    if (mask) for (let i = 0; i < payload.length; i++) payload[i] = (payload[i] as number) ^ (mask[i % 4] as number);
    frames.push({ opcode: b0 & 0x0f, payload });
    at = offset + len;
  }
  return { frames, rest: buf.subarray(at) };
}

export interface FakeSocketModeServer {
  /** `ws://127.0.0.1:<port>/link/` */
  url: string;
  connections: number;
  /** Envelope ids the app acknowledged. */
  acks: string[];
  /** Sends an envelope to the current connection. */
  push(envelope: Record<string, unknown>): void;
  /** Drops the current connection without a close frame (a network failure). */
  drop(): void;
  close(): Promise<void>;
}

export async function startFakeSocketModeServer(): Promise<FakeSocketModeServer> {
  const sockets = new Set<Socket>();
  let current: Socket | undefined;
  const server: Server = createServer((_req, res) => {
    res.statusCode = 426;
    res.end();
  });
  const fake: FakeSocketModeServer = {
    url: '',
    connections: 0,
    acks: [],
    push(envelope) {
      current?.write(frame(0x1, Buffer.from(JSON.stringify(envelope))));
    },
    drop() {
      current?.destroy();
      current = undefined;
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  server.on('upgrade', (req, socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    const accept = createHash('sha1')
      .update(`${req.headers['sec-websocket-key'] ?? ''}${GUID}`)
      .digest('base64');
    socket.write(
      `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`,
    );
    current = socket;
    fake.connections += 1;
    let pending: Buffer = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      const { frames, rest } = readFrames(Buffer.concat([pending, chunk]));
      pending = rest;
      for (const f of frames) {
        if (f.opcode === 0x9) socket.write(frame(0xa, f.payload));
        else if (f.opcode === 0x8) {
          socket.end(frame(0x8, f.payload));
        } else if (f.opcode === 0x1) {
          const msg = JSON.parse(f.payload.toString('utf8')) as { envelope_id?: string };
          if (msg.envelope_id) fake.acks.push(msg.envelope_id);
        }
      }
    });
    socket.write(frame(0x1, Buffer.from(JSON.stringify({ type: 'hello', num_connections: 1 }))));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  fake.url = `ws://127.0.0.1:${port}/link/`;
  return fake;
}
