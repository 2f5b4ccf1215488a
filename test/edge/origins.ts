// Real origins for the edge tests, started in the test's Node process: a
// node:http2 h2c server (plain HTTP routes, trailers, and misbehaviour on
// demand: GOAWAY or RST_STREAM mid-response) and a @grpc/grpc-js server.
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import * as http2 from 'node:http2';
import * as net from 'node:net';
import { fileURLToPath } from 'node:url';

export const GREETER_PROTO = fileURLToPath(new URL('../node/peers/fixtures/greeter.proto', import.meta.url));

/** Origin is a running origin server. */
export interface Origin {
  port: number;
  close(): Promise<void>;
}

/** grpcFrame puts one message in gRPC's length-prefixed framing. */
export function grpcFrame(message: Uint8Array, flags = 0): Uint8Array {
  const out = new Uint8Array(5 + message.length);
  out[0] = flags;
  new DataView(out.buffer).setUint32(1, message.length);
  out.set(message, 5);
  return out;
}

/** H2cOriginState is what the h2c origin counts: sessions, and the last /firehose and /sink streams. */
export interface H2cOriginState {
  sessions: number;
  firehose: { sent: number; closed: boolean };
  sink: { received: number };
}

/** startH2cOrigin starts a node:http2 h2c server:
 *  GET /hello → text; POST /echo → the body back; GET /trailers → a body and an x-checksum trailer;
 *  /goaway → a head and part of a body, then GOAWAY and the connection closed;
 *  /goaway-early → GOAWAY before any response; a path ending in /goaway on a gRPC call: one message,
 *  then GOAWAY. (node:http2 cannot reset a stream it is still writing: its close(code) sends
 *  END_STREAM first; startResettingOrigin does that.) */
export async function startH2cOrigin(): Promise<Origin & H2cOriginState> {
  const server = http2.createServer();
  const state: H2cOriginState = { sessions: 0, firehose: { sent: 0, closed: false }, sink: { received: 0 } };
  server.on('session', () => { state.sessions++; });
  server.on('stream', (stream, headers) => {
    const path = headers[':path'] ?? '/';
    const grpcCall = String(headers['content-type'] ?? '').startsWith('application/grpc');
    stream.on('error', () => {});
    if (path.startsWith('/hello')) {
      stream.respond({ ':status': 200, 'content-type': 'text/plain', 'x-path': path });
      stream.end('hello from node:http2\n');
    } else if (path === '/echo' && grpcCall) {
      // gRPC-shaped echo: the messages back, then grpc-status and what the request's te said.
      stream.respond({ ':status': 200, 'content-type': String(headers['content-type']) }, { waitForTrailers: true });
      stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0', 'x-te': String(headers.te ?? '') }));
      stream.pipe(stream);
    } else if (path === '/echo') {
      stream.respond({ ':status': 200, 'content-type': String(headers['content-type'] ?? 'application/octet-stream') });
      stream.pipe(stream);
    } else if (path === '/trailers') {
      stream.respond({ ':status': 200, 'content-type': 'text/plain' }, { waitForTrailers: true });
      stream.on('wantTrailers', () => stream.sendTrailers({ 'x-checksum': 'abc123', 'x-count': '2' }));
      stream.end('with trailers\n');
    } else if (path === '/headers') {
      stream.respond({ ':status': 200, 'content-type': 'application/json' });
      stream.end(JSON.stringify(headers));
    } else if (path === '/goaway-early') {
      stream.session?.goaway(http2.constants.NGHTTP2_INTERNAL_ERROR, 0);
      stream.session?.destroy();
    } else if (path.endsWith('/goaway')) {
      // Half a response, then the connection (GOAWAY) or the stream (RST_STREAM) dies.
      // /sized/goaway promises 1000 octets (content-length) and sends 13.
      const sized = path.startsWith('/sized/') ? { 'content-length': '1000' } : {};
      stream.respond({ ':status': 200, 'content-type': grpcCall ? 'application/grpc' : 'text/plain', ...sized });
      stream.write(grpcCall ? grpcFrame(new TextEncoder().encode('\n\x05first')) : 'partial body\n');
      // The death comes 250 ms after the message: a reset or GOAWAY drops what the client has not
      // read yet (a cut-off message is not delivered), and on a loaded CI machine the gateway in
      // workerd took more than the 50 ms this once waited to read it.
      setTimeout(() => {
        stream.session?.goaway(http2.constants.NGHTTP2_INTERNAL_ERROR, 0);
        setTimeout(() => stream.session?.destroy(), 20);
      }, 250);
    } else if (path === '/slow') {
      setTimeout(() => {
        stream.respond({ ':status': 200, 'content-type': 'text/plain' });
        stream.end('slow\n');
      }, 300);
    } else if (path === '/stall') {
      // A head and one chunk, then nothing more: the body stalls forever.
      stream.respond({ ':status': 200, 'content-type': 'text/plain' });
      stream.write('stalled\n');
    } else if (path === '/firehose') {
      // Up to 256 MiB as fast as the peer takes it: the bytes the stream got out are counted.
      const f = { sent: 0, closed: false };
      state.firehose = f;
      stream.on('close', () => { f.closed = true; });
      stream.respond({ ':status': 200, 'content-type': 'application/octet-stream' });
      const chunk = Buffer.alloc(64 * 1024, 0x61);
      const pump = () => {
        while (!stream.destroyed && f.sent < 256 << 20) {
          const ok = stream.write(chunk, () => { f.sent += chunk.length; });
          if (!ok) return void stream.once('drain', pump);
        }
        if (!stream.destroyed) stream.end();
      };
      pump();
    } else if (path === '/sink') {
      // Answers the head at once, reads nothing for 1 s, then counts what arrives and sends the count.
      const s = { received: 0 };
      state.sink = s;
      stream.respond({ ':status': 200, 'content-type': 'text/plain' });
      stream.pause();
      setTimeout(() => {
        stream.on('data', (c: Buffer) => { s.received += c.length; });
        stream.on('end', () => stream.end(String(s.received)));
        stream.resume();
      }, 1000);
    } else if (path === '/silent') {
      // Never answers: the gateway's head timeout must.
    } else {
      stream.respond({ ':status': 404 });
      stream.end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return Object.assign(state, {
    port,
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      // Sessions left open (kept sessions, the silent route) must not hold the close.
      setTimeout(resolve, 500).unref();
    }),
  });
}

/** startResettingOrigin starts an h2c origin written frame by frame: to every request it sends a
 *  200 head (content-type application/grpc), one DATA frame (a gRPC message, 5 + 7 octets), then
 *  RST_STREAM INTERNAL_ERROR. */
export async function startResettingOrigin(): Promise<Origin> {
  const frame = (type: number, flags: number, id: number, payload: number[]) =>
    Buffer.from([payload.length >> 16, (payload.length >> 8) & 0xff, payload.length & 0xff, type, flags, id >>> 24, (id >> 16) & 0xff, (id >> 8) & 0xff, id & 0xff, ...payload]);
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    socket.write(frame(4, 0, 0, [])); // SETTINGS
    let buffered = Buffer.alloc(0);
    let prefaceSeen = false;
    socket.on('data', (chunk) => {
      buffered = Buffer.concat([buffered, chunk]);
      if (!prefaceSeen) {
        if (buffered.length < 24) return;
        buffered = buffered.subarray(24);
        prefaceSeen = true;
      }
      while (buffered.length >= 9) {
        const length = buffered.readUIntBE(0, 3);
        if (buffered.length < 9 + length) return;
        const type = buffered[3];
        const flags = buffered[4];
        const id = buffered.readUInt32BE(5) & 0x7fffffff;
        buffered = buffered.subarray(9 + length);
        if (type === 4 && (flags & 1) === 0) socket.write(frame(4, 1, 0, [])); // SETTINGS ACK
        if (type === 1) {
          // HEADERS: ":status: 200" (static index 8), content-type (index 31) "application/grpc", literal.
          const ct = [...Buffer.from('application/grpc')];
          socket.write(frame(1, 4, id, [0x88, 0x5f, ct.length, ...ct]));
          socket.write(frame(0, 0, id, [0, 0, 0, 0, 7, 0x0a, 5, ...Buffer.from('first')]));
          // RST_STREAM INTERNAL_ERROR, 250 ms after the message (as /goaway above: time for the client to read it).
          setTimeout(() => socket.write(frame(3, 0, id, [0, 0, 0, 2])), 250);
        }
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    close: () => new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    }),
  };
}

/** BIG is the size of the large message (4 MiB): many DATA frames each way. */
export const BIG = 4 * 1024 * 1024;

/** startGrpcOrigin starts a @grpc/grpc-js server for h2wasm.test.Greeter: SayHello answers "hello NAME"
 *  (NAME "fail" → NOT_FOUND with metadata, a -bin one included; a NAME over 1 MiB comes back whole),
 *  CountTo streams 1..n. */
export async function startGrpcOrigin(): Promise<Origin> {
  const def = protoLoader.loadSync(GREETER_PROTO, { keepCase: true });
  const pkg = grpc.loadPackageDefinition(def) as unknown as { h2wasm: { test: { Greeter: grpc.ServiceClientConstructor } } };
  const server = new grpc.Server({ 'grpc.max_receive_message_length': 16 << 20, 'grpc.max_send_message_length': 16 << 20 });
  server.addService(pkg.h2wasm.test.Greeter.service, {
    SayHello(call: grpc.ServerUnaryCall<{ name: string }, unknown>, callback: grpc.sendUnaryData<unknown>) {
      const name = call.request.name;
      if (name === 'fail') {
        const md = new grpc.Metadata();
        md.set('x-reason', 'no such person');
        md.set('x-detail-bin', Buffer.from([0, 1, 2, 250]));
        callback({ code: grpc.status.NOT_FOUND, details: 'nobody called fail', metadata: md });
        return;
      }
      const md = new grpc.Metadata();
      md.set('x-greeted', String(name.length));
      call.sendMetadata(new grpc.Metadata());
      callback(null, { message: name.length > (1 << 20) ? name : `hello ${name}` }, md);
    },
    CountTo(call: grpc.ServerWritableStream<{ n: number }, unknown>) {
      for (let i = 1; i <= call.request.n; i++) call.write({ i });
      call.end();
    },
  });
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p)));
  });
  return {
    port,
    close: () => new Promise<void>((resolve) => server.tryShutdown(() => resolve())),
  };
}

/** closedPort returns a local port nothing listens on. */
export async function closedPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}
