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

/** startH2cOrigin starts a node:http2 h2c server:
 *  GET /hello → text; POST /echo → the body back; GET /trailers → a body and an x-checksum trailer;
 *  /goaway → a head and part of a body, then GOAWAY and the connection closed;
 *  /goaway-early → GOAWAY before any response; /rst → a head, then RST_STREAM INTERNAL_ERROR;
 *  POST application/grpc* → one message echoed, then GOAWAY (path /goaway) or RST (path /rst) mid-call. */
export async function startH2cOrigin(): Promise<Origin & { sessions: number }> {
  const server = http2.createServer();
  const state = { sessions: 0 };
  server.on('session', () => { state.sessions++; });
  server.on('stream', (stream, headers) => {
    const path = headers[':path'] ?? '/';
    const grpcCall = String(headers['content-type'] ?? '').startsWith('application/grpc');
    stream.on('error', () => {});
    if (path.startsWith('/hello')) {
      stream.respond({ ':status': 200, 'content-type': 'text/plain', 'x-path': path });
      stream.end('hello from node:http2\n');
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
    } else if (path.endsWith('/goaway') || path.endsWith('/rst')) {
      // Half a response, then the connection (GOAWAY) or the stream (RST_STREAM) dies.
      stream.respond({ ':status': 200, 'content-type': grpcCall ? 'application/grpc' : 'text/plain' });
      stream.write(grpcCall ? grpcFrame(new TextEncoder().encode('\n\x05first')) : 'partial body\n');
      setTimeout(() => {
        if (path.endsWith('/rst')) {
          stream.close(http2.constants.NGHTTP2_INTERNAL_ERROR);
        } else {
          stream.session?.goaway(http2.constants.NGHTTP2_INTERNAL_ERROR, 0);
          setTimeout(() => stream.session?.destroy(), 20);
        }
      }, 50);
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
