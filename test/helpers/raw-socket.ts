// The sockets of the raw test clients (raw-h2, the flood client): a TCP connection with a time
// limit, and one write that waits for 'drain' when the socket's buffer is full, else lets one turn
// of I/O happen, so a GOAWAY the server sent meanwhile is read before the next write goes into a
// connection it has closed.

import * as net from 'node:net';

/** connectWithin opens a TCP connection to host:port, rejecting after timeoutMs; `who` names the
 *  client in the errors. A paused socket reads nothing until resumed. */
export function connectWithin(port: number, host: string, timeoutMs: number, who: string, paused = false): Promise<net.Socket> {
  return new Promise<net.Socket>((resolve, reject) => {
    const s = net.connect({ port, host });
    if (paused) s.pause();
    const timer = setTimeout(() => {
      s.destroy();
      reject(new Error(`${who}: no TCP connection to ${host}:${port} within ${timeoutMs} ms`));
    }, timeoutMs);
    s.once('connect', () => {
      clearTimeout(timer);
      s.removeAllListeners('error');
      resolve(s);
    });
    s.once('error', (err) => {
      clearTimeout(timer);
      reject(new Error(`${who}: cannot connect to ${host}:${port}: ${err.message}`));
    });
  });
}

/** writeThenYield writes data (afterWrite is the write's callback) and resolves after the wait above. */
export async function writeThenYield(socket: net.Socket, data: Uint8Array, afterWrite?: (err?: Error | null) => void): Promise<void> {
  if (socket.write(data, afterWrite)) {
    await new Promise<void>((resolve) => setImmediate(resolve));
    return;
  }
  await new Promise<void>((resolve) => {
    const done = () => {
      socket.off('drain', done);
      socket.off('close', done);
      resolve();
    };
    socket.on('drain', done);
    socket.on('close', done);
  });
}
