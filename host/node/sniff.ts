// Telling HTTP/2 with prior knowledge from HTTP/1.1 on a plain TCP port by
// the first bytes: an h2c client starts with the connection preface
// "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" (RFC 9113 §3.3, §3.4); an HTTP/1.1 request
// line never does ("PRI" is not a method anyone registers for HTTP/1.1).

import type * as net from 'node:net';
import { ignoreError } from './socket-transport.js';

const PREFACE_START = Buffer.from('PRI * HTTP/2.0');

/** sniffProtocol waits for enough bytes to decide, then calls back once with the bytes read so far. */
export function sniffProtocol(socket: net.Socket, decided: (protocol: 'h2' | 'http/1.1', first: Buffer) => void): void {
  let seen: Buffer = Buffer.alloc(0);
  const onData = (chunk: Buffer) => {
    seen = seen.length === 0 ? chunk : Buffer.concat([seen, chunk]);
    const n = Math.min(seen.length, PREFACE_START.length);
    const match = seen.subarray(0, n).equals(PREFACE_START.subarray(0, n));
    if (match && n < PREFACE_START.length) return; // too early to tell
    socket.off('data', onData);
    socket.off('close', onClose);
    socket.pause();
    decided(match ? 'h2' : 'http/1.1', seen);
    socket.resume();
  };
  const onClose = () => socket.off('data', onData);
  socket.on('data', onData);
  socket.on('close', onClose);
  socket.on('error', ignoreError);
}
