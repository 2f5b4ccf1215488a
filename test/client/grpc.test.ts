// Our client speaking gRPC to @grpc/grpc-js's server: POST with content-type
// application/grpc and te: trailers, messages in gRPC's length-prefixed framing
// (a 1-byte compressed flag, a 4-byte big-endian length), encoded and decoded
// with protobufjs; unary, server streaming, client streaming, bidi streaming
// (ping-pong: each request message sent after the previous reply was read), a
// status in the trailers after messages, a trailers-only error, and a 4 MiB
// message each way.
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import protobuf from 'protobufjs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { responseTrailers, type Session } from '../../host/node/index.js';
import { deterministicBytes } from '../helpers/external-servers.js';
import { fieldsOf, openSession, within } from '../helpers/node-h2-peer.js';
import { defer, sha256 } from '../helpers/peers.js';

const PROTO = fileURLToPath(new URL('./fixtures/echo.proto', import.meta.url));
const Msg = protobuf.loadSync(PROTO).lookupType('h2wasm.client.Msg');
const SERVICE = '/h2wasm.client.Echo';
const MAX_MESSAGE = 8 << 20;

interface MsgValue { text?: string; n?: number; blob?: Uint8Array }

/** grpcFrame puts one message in gRPC's length-prefixed framing (uncompressed). */
function grpcFrame(value: MsgValue): Uint8Array {
  const msg = Msg.encode(Msg.create(value)).finish();
  const out = new Uint8Array(5 + msg.length);
  new DataView(out.buffer).setUint32(1, msg.length);
  out.set(msg, 5);
  return out;
}

/** GrpcReader splits a response body into messages as bytes arrive. */
class GrpcReader {
  private buffered = new Uint8Array(0);
  constructor(private readonly reader: ReadableStreamDefaultReader<Uint8Array>) {}

  /** next resolves with the next message, or null at the end of the body. */
  async next(): Promise<MsgValue | null> {
    for (;;) {
      if (this.buffered.length >= 5) {
        if (this.buffered[0] !== 0) throw new Error('compressed gRPC message not expected');
        const n = new DataView(this.buffered.buffer, this.buffered.byteOffset).getUint32(1);
        if (this.buffered.length >= 5 + n) {
          const msg = this.buffered.subarray(5, 5 + n);
          this.buffered = this.buffered.subarray(5 + n);
          return Msg.toObject(Msg.decode(msg), { defaults: true }) as MsgValue;
        }
      }
      const { done, value } = await this.reader.read();
      if (done) {
        if (this.buffered.length !== 0) throw new Error(`${this.buffered.length} bytes after the last whole gRPC message`);
        return null;
      }
      const joined = new Uint8Array(this.buffered.length + value.length);
      joined.set(this.buffered);
      joined.set(value, this.buffered.length);
      this.buffered = joined;
    }
  }

  async all(): Promise<MsgValue[]> {
    const out: MsgValue[] = [];
    for (let m = await this.next(); m !== null; m = await this.next()) out.push(m);
    return out;
  }
}

const GRPC_HEADERS = { 'content-type': 'application/grpc', te: 'trailers' };

/** call makes one gRPC call with the given request messages (bytes, or a stream for streaming). */
function call(session: Session, method: string, body: Uint8Array | ReadableStream<Uint8Array>): Promise<Response> {
  return within(session.fetch(`${SERVICE}/${method}`, { method: 'POST', headers: GRPC_HEADERS, body }), 20_000, `${method} head`);
}

async function startGrpc(): Promise<{ origin: string; calls: string[] }> {
  const def = protoLoader.loadSync(PROTO, { keepCase: true, longs: Number, defaults: true });
  const pkg = grpc.loadPackageDefinition(def) as unknown as { h2wasm: { client: { Echo: grpc.ServiceClientConstructor } } };
  const server = new grpc.Server({ 'grpc.max_receive_message_length': MAX_MESSAGE, 'grpc.max_send_message_length': MAX_MESSAGE });
  // grpc-js keeps te and content-type out of the metadata (peers-node.test.ts checks what we send).
  const calls: string[] = [];
  server.addService(pkg.h2wasm.client.Echo.service, {
    Unary(c: grpc.ServerUnaryCall<MsgValue, MsgValue>, done: grpc.sendUnaryData<MsgValue>) {
      calls.push('Unary');
      const r = c.request;
      if (r.text === 'missing') {
        done({ code: grpc.status.NOT_FOUND, details: 'no such thing' });
        return;
      }
      done(null, { text: `echo ${r.text}`, n: (r.n ?? 0) + 1, blob: r.blob });
    },
    ServerStream(c: grpc.ServerWritableStream<MsgValue, MsgValue>) {
      calls.push('ServerStream');
      const n = c.request.n ?? 0;
      for (let i = 0; i < n; i++) c.write({ text: `item ${i}`, n: i });
      if (c.request.text === 'fail') {
        c.emit('error', { code: grpc.status.RESOURCE_EXHAUSTED, details: `stopped after ${n}` });
        return;
      }
      c.end();
    },
    ClientStream(c: grpc.ServerReadableStream<MsgValue, MsgValue>, done: grpc.sendUnaryData<MsgValue>) {
      calls.push('ClientStream');
      const texts: string[] = [];
      let bytes = 0;
      c.on('data', (m: MsgValue) => { texts.push(m.text ?? ''); bytes += m.blob?.length ?? 0; });
      c.on('end', () => done(null, { text: texts.join(','), n: bytes }));
    },
    Bidi(c: grpc.ServerDuplexStream<MsgValue, MsgValue>) {
      calls.push('Bidi');
      c.on('data', (m: MsgValue) => c.write({ text: `re: ${m.text}`, n: m.n, blob: m.blob }));
      c.on('end', () => c.end());
    },
  });
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p)));
  });
  defer(() => new Promise<void>((resolve) => server.tryShutdown(() => resolve())).then(() => server.forceShutdown()));
  return { origin: `http://127.0.0.1:${port}`, calls };
}

describe('gRPC to @grpc/grpc-js with our client', () => {
  it('unary: one message each way, grpc-status 0 in the trailers', async () => {
    const g = await startGrpc();
    const session = await openSession(g.origin);
    const res = await call(session, 'Unary', grpcFrame({ text: 'hi', n: 41 }));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/grpc+proto');
    const messages = await within(new GrpcReader(res.body!.getReader()).all(), 10_000, 'unary body');
    expect(messages).toEqual([{ text: 'echo hi', n: 42, blob: new Uint8Array(0) }].map((m) => ({ ...m, blob: expect.anything() })));
    const trailers = await within(responseTrailers(res), 5000, 'trailers');
    expect(trailers.get('grpc-status')).toBe('0');
    expect(g.calls).toEqual(['Unary']);
  });

  it('server streaming: 100 messages in order, then grpc-status 0', async () => {
    const g = await startGrpc();
    const session = await openSession(g.origin);
    const res = await call(session, 'ServerStream', grpcFrame({ n: 100 }));
    const messages = await within(new GrpcReader(res.body!.getReader()).all(), 10_000, 'stream body');
    expect(messages.map((m) => m.text)).toEqual(Array.from({ length: 100 }, (_, i) => `item ${i}`));
    expect((await responseTrailers(res)).get('grpc-status')).toBe('0');
  });

  it('client streaming: 50 messages from a ReadableStream, one reply that counts them', async () => {
    const g = await startGrpc();
    const session = await openSession(g.origin);
    let i = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(c) {
        if (i === 50) { c.close(); return; }
        c.enqueue(grpcFrame({ text: `m${i}`, blob: new Uint8Array(1000).fill(i) }));
        i++;
      },
    });
    const res = await call(session, 'ClientStream', body);
    const [reply] = await within(new GrpcReader(res.body!.getReader()).all(), 10_000, 'reply');
    expect(reply.text).toBe(Array.from({ length: 50 }, (_, k) => `m${k}`).join(','));
    expect(reply.n).toBe(50_000);
    expect((await responseTrailers(res)).get('grpc-status')).toBe('0');
  });

  it('bidi streaming, ping-pong: each message goes out only after the reply to the previous one was read', async () => {
    const g = await startGrpc();
    const session = await openSession(g.origin);
    let push!: ReadableStreamDefaultController<Uint8Array>;
    const body = new ReadableStream<Uint8Array>({ start(c) { push = c; } });
    push.enqueue(grpcFrame({ text: 'ping 0', n: 0 }));
    const res = await call(session, 'Bidi', body);
    const reader = new GrpcReader(res.body!.getReader());
    for (let k = 0; k < 20; k++) {
      const m = await within(reader.next(), 5000, `reply ${k}`);
      expect(m).toMatchObject({ text: `re: ping ${k}`, n: k });
      if (k < 19) push.enqueue(grpcFrame({ text: `ping ${k + 1}`, n: k + 1 }));
    }
    push.close();
    expect(await within(reader.next(), 5000, 'end of replies')).toBeNull();
    expect((await responseTrailers(res)).get('grpc-status')).toBe('0');
  });

  it('an error status in the trailers after messages: grpc-status 8 and grpc-message', async () => {
    const g = await startGrpc();
    const session = await openSession(g.origin);
    const res = await call(session, 'ServerStream', grpcFrame({ n: 3, text: 'fail' }));
    expect(res.status).toBe(200);
    const messages = await within(new GrpcReader(res.body!.getReader()).all(), 10_000, 'messages before the error');
    expect(messages.map((m) => m.text)).toEqual(['item 0', 'item 1', 'item 2']);
    const trailers = await responseTrailers(res);
    expect(trailers.get('grpc-status')).toBe(String(grpc.status.RESOURCE_EXHAUSTED));
    expect(decodeURIComponent(trailers.get('grpc-message') ?? '')).toBe('stopped after 3');
  });

  it('a trailers-only error: the status is in the response head, the body is empty, no trailers', async () => {
    const g = await startGrpc();
    const session = await openSession(g.origin);
    const res = await call(session, 'Unary', grpcFrame({ text: 'missing' }));
    expect(res.status).toBe(200);
    expect(res.headers.get('grpc-status')).toBe(String(grpc.status.NOT_FOUND));
    expect(decodeURIComponent(res.headers.get('grpc-message') ?? '')).toBe('no such thing');
    expect((await within(res.arrayBuffer(), 5000, 'empty body')).byteLength).toBe(0);
    expect(fieldsOf(await responseTrailers(res))).toEqual({});
    // The session serves the next call.
    const ok = await call(session, 'Unary', grpcFrame({ text: 'after' }));
    expect((await new GrpcReader(ok.body!.getReader()).all())[0].text).toBe('echo after');
  });

  it('a 4 MiB message each way (unary echo), sha256-checked', async () => {
    const g = await startGrpc();
    const session = await openSession(g.origin);
    const blob = deterministicBytes(4 << 20, 21);
    const res = await call(session, 'Unary', grpcFrame({ text: 'big', blob }));
    const [reply] = await within(new GrpcReader(res.body!.getReader()).all(), 30_000, '4 MiB reply');
    expect(reply.blob!.length).toBe(blob.length);
    expect(sha256(reply.blob!)).toBe(sha256(blob));
    expect((await responseTrailers(res)).get('grpc-status')).toBe('0');
  }, 60_000);
});
