// One write of a raw test client: wait for 'drain' when the socket's buffer is full, else let one
// turn of I/O happen, so a GOAWAY the server sent meanwhile is read before the next write goes
// into a connection it has closed.

import type * as net from 'node:net';

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
