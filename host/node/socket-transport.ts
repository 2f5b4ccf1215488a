// SocketTransport: the engine's Transport over a Node socket (TCP or TLS).

import type * as net from 'node:net';
import type { ServerConnection } from '../engine/connection.js';
import type { Transport } from '../engine/types.js';

/** SocketTransport writes a flush as one writev and forwards socket events to its connection. */
export class SocketTransport implements Transport {
  readonly remote: string;

  constructor(private readonly socket: net.Socket) {
    this.remote = socket.remoteFamily === 'IPv6' ? `[${socket.remoteAddress}]:${socket.remotePort}` : `${socket.remoteAddress}:${socket.remotePort}`;
  }

  /** attach forwards the socket's bytes and events to the connection. */
  attach(conn: ServerConnection): void {
    const s = this.socket;
    s.on('data', (chunk: Buffer) => conn.receive(chunk));
    s.on('drain', () => conn.drained());
    s.on('close', () => conn.transportClosed());
    // 'close' follows every error; a peer that vanishes is not worth a log line.
    s.on('error', () => {});
    s.on('end', () => {
      // The peer half-closed: nothing more will arrive, so finish what we owe and close.
      s.end();
    });
  }

  write(chunks: Uint8Array[], _total: number): boolean {
    const s = this.socket;
    if (s.destroyed) return true;
    if (chunks.length === 1) return s.write(chunks[0]);
    // One flush, one writev: cork collects the writes and uncork hands them to the kernel together.
    s.cork();
    let ok = true;
    for (const c of chunks) ok = s.write(c);
    s.uncork();
    return ok;
  }

  pause(): void {
    this.socket.pause();
  }

  resume(): void {
    this.socket.resume();
  }

  end(): void {
    this.socket.end();
  }

  destroy(): void {
    this.socket.destroy();
  }
}
