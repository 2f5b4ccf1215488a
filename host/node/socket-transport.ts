// SocketTransport: the engine's Transport over a Node socket (TCP or TLS).

import type * as net from 'node:net';
import type { Connection } from '../engine/connection.js';
import type { Transport } from '../engine/types.js';

/** CONNECTION keys a socket's connection: the listeners below are shared by every socket
 *  (EventEmitter calls them with the socket as `this`), so an idle connection pays for no closures. */
const CONNECTION = Symbol('h2wasm.connection');
type AttachedSocket = net.Socket & { [CONNECTION]?: Connection };

function onData(this: AttachedSocket, chunk: Buffer): void {
  this[CONNECTION]?.receive(chunk);
}
function onDrain(this: AttachedSocket): void {
  this[CONNECTION]?.drained();
}
function onClose(this: AttachedSocket): void {
  const conn = this[CONNECTION];
  this[CONNECTION] = undefined;
  conn?.transportClosed();
}
/** onEnd: the peer half-closed; nothing more will arrive, so finish what we owe and close. */
function onEnd(this: AttachedSocket): void {
  this.end();
}
/** ignoreError: 'close' follows every socket error, and a peer that vanishes is not worth a log line. */
export function ignoreError(): void {}

/** WRITE_BACKLOG is how much a socket may hold unsent before the connection waits for 'drain'. */
const WRITE_BACKLOG = 256 * 1024;

/** SocketTransport writes a flush as one writev and forwards socket events to its connection. */
export class SocketTransport implements Transport {
  constructor(private readonly socket: net.Socket) {}

  get servername(): string | undefined {
    const name = (this.socket as { servername?: string | false }).servername;
    return typeof name === 'string' && name !== '' ? name : undefined;
  }

  get remote(): string {
    const s = this.socket;
    return s.remoteFamily === 'IPv6' ? `[${s.remoteAddress}]:${s.remotePort}` : `${s.remoteAddress}:${s.remotePort}`;
  }

  /** attach forwards the socket's bytes and events to the connection. */
  attach(conn: Connection): void {
    const s = this.socket as AttachedSocket;
    s[CONNECTION] = conn;
    s.on('data', onData);
    s.on('drain', onDrain);
    s.on('close', onClose);
    // sniffProtocol (h2c) has already added it: once is enough, and one listener costs no array.
    if (!s.listeners('error').includes(ignoreError)) s.on('error', ignoreError);
    s.on('end', onEnd);
  }

  get unsentBytes(): number {
    return this.socket.writableLength;
  }

  write(chunks: Uint8Array[], _total: number): boolean {
    const s = this.socket;
    if (s.destroyed) return true;
    if (chunks.length === 1) {
      s.write(chunks[0]);
    } else {
      // One flush, one writev: cork collects the writes and uncork hands them to the kernel together.
      s.cork();
      for (const c of chunks) s.write(c);
      s.uncork();
    }
    // Full only past WRITE_BACKLOG, not at the socket's 16 KiB high-water mark: with one flush's
    // worth queued, the next one is framed while the kernel sends, and the pipe never runs dry.
    // Past the backlog a write has returned false, so 'drain' follows.
    return s.writableLength < WRITE_BACKLOG;
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
