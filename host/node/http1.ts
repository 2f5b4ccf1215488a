// The HTTP/1.1 hand-off: a Node http.Server (llhttp) that never listens.
// The transport sniffs each connection and hands HTTP/1.1 ones to it with
// server.emit('connection', socket), first pushing back the bytes it read
// with socket.unshift(bytes). Requests reach the same handlers as HTTP/2.

import * as http from 'node:http';
import type { Duplex } from 'node:stream';
import type { Socket } from 'node:net';
import type { Log, StreamHandler } from '../engine/types.js';
import { fetchToStreamHandler, type FetchHandler } from '../http/fetch-handler.js';
import { failStream } from '../http/fail.js';
import { describeError, logToStderr } from '../http/log.js';
import { Http1ServerStream } from './http1-stream.js';

/** Http1Handlers names what answers requests: a fetch-style handler (preferred when both are given) or a StreamHandler. */
export interface Http1Handlers {
  fetch?: FetchHandler;
  stream?: StreamHandler;
  /** Where handler failures are reported; default a JSON line on stderr. */
  log?: Log;
}

/** createHttp1Server makes the http.Server that HTTP/1.1 connections are handed to (it is not
 *  listening and need not be). Each request becomes an Http1ServerStream for the stream handler, or
 *  a Request for the fetch handler (through fetchToStreamHandler, so both protocols behave alike).
 *  A handler that throws or rejects gets a 500, or the connection closed once the response started.
 *  `options` go to http.createServer (keepAliveTimeout, headersTimeout, maxHeaderSize, ...).
 *
 *  Node checks headersTimeout and requestTimeout (slowloris guards) from a timer it starts on
 *  'listening'; a server that never listens would not get it, so it is started here. server.close()
 *  stops it (its callback reports ERR_SERVER_NOT_RUNNING, which is expected). */
export function createHttp1Server(handlers: Http1Handlers, options: http.ServerOptions = {}): http.Server {
  const log = handlers.log ?? logToStderr;
  const handler = handlers.fetch !== undefined ? fetchToStreamHandler(handlers.fetch, { log }) : handlers.stream;
  if (handler === undefined) throw new TypeError('createHttp1Server needs a fetch or a stream handler');
  const requestsOnSocket = new WeakMap<Socket, number>();

  const server = http.createServer(options, (req, res) => {
    const id = (requestsOnSocket.get(req.socket) ?? 0) + 1;
    requestsOnSocket.set(req.socket, id);
    const stream = new Http1ServerStream(req, res, id);
    const failed = (error: unknown) => {
      if (stream.signal.aborted) return;
      log('error', 'stream handler failed', { stream: id, remote: stream.remote, error: describeError(error) });
      failStream(stream);
    };
    try {
      const result = handler(stream);
      if (result !== undefined) result.catch(failed);
    } catch (error) {
      failed(error);
    }
  });
  server.emit('listening');
  return server;
}

/** handOffHttp1 gives a connection to the server from createHttp1Server. Bytes the caller already
 *  read while sniffing (to tell the HTTP/2 preface from HTTP/1.1) go back into the socket's read
 *  buffer first, so llhttp parses them before anything newer. The socket is resumed afterwards:
 *  the http.Server does not resume a socket that the sniffer paused, and it would sit idle.
 *  Works for net.Socket and for a TLSSocket that negotiated "http/1.1" (or no ALPN). */
export function handOffHttp1(server: http.Server, socket: Duplex, alreadyRead?: Uint8Array): void {
  if (alreadyRead !== undefined && alreadyRead.length > 0) socket.unshift(alreadyRead);
  server.emit('connection', socket);
  socket.resume();
}
