// Session: an HTTP/2 client session with one origin, runtime-neutral. The
// runtime binding (host/node/client.ts, host/edge/client.ts) dials; this file
// keeps the current connection, dials again when it went away (GOAWAY, a
// reset), and turns fetch(path) into fetchOver on it.

import { H2_NO_ERROR } from '../../assembly/abi.js';
import type { ClientConnection } from '../engine/client.js';
import { H2Error } from '../engine/h2-error.js';
import type { Log } from '../engine/types.js';
import { fetchOver, type ClientRequestInit, type ConnectionSource } from './client-fetch.js';

/** Session is an HTTP/2 client session with one origin. */
export interface Session {
  readonly origin: string;
  /** fetch sends a request (a path is resolved against the origin) and resolves at the response head. */
  fetch(input: string | URL, init?: ClientRequestInit): Promise<Response>;
  /** close sends GOAWAY and resolves once the requests in flight have finished and the connection closed. */
  close(): Promise<void>;
  /** destroy drops the connection now; requests in flight fail (with error, if given). */
  destroy(error?: Error): void;
  /** Reports whether the session has closed. */
  readonly closed: boolean;
}

/** Dialed is one connection a binding opened, with a promise that settles when it has closed. */
export interface Dialed {
  connection: ClientConnection;
  closed: Promise<void>;
}

/** sessionOver makes a Session for url's origin from its first connection and a way to dial more. */
export function sessionOver(url: URL, first: Dialed, dial: () => Promise<Dialed>, log: Log): Session {
  let current = first;
  let dialing: Promise<Dialed> | null = null;
  let closed = false;
  const source: ConnectionSource = {
    async open(_url, request) {
      for (;;) {
        if (closed) throw new H2Error(H2_NO_ERROR, 'h2wasm: the session is closed');
        // Picked and opened with no await in between (see ConnectionSource).
        if (current.connection.usable) return current.connection.request(request);
        dialing ??= dial().then((d) => { current = d; return d; }).finally(() => { dialing = null; });
        await dialing;
      }
    },
  };
  return {
    origin: url.origin,
    get closed() {
      return closed && current.connection.isFinished;
    },
    fetch(input, init) {
      const target = new URL(input, url);
      if (target.origin !== url.origin) return Promise.reject(new TypeError(`h2wasm: this session is for ${url.origin}, not ${target.origin}`));
      return fetchOver(source, target, init);
    },
    async close() {
      closed = true;
      current.connection.close();
      await current.closed;
    },
    destroy(error) {
      closed = true;
      if (error !== undefined) log('info', 'session destroyed', { origin: url.origin, error: error.message });
      current.connection.destroy();
    },
  };
}
