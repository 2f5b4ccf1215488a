// @grpc/grpc-js against a gRPC-shaped handler written on the low-level
// ServerStream API: length-prefixed messages (gRPC over HTTP/2: a 1-byte
// compressed flag and a 4-byte big-endian length), content-type
// application/grpc, and grpc-status in the trailers.
import * as grpc from '@grpc/grpc-js';
import protobuf from 'protobufjs';
import { describe, expect, it } from 'vitest';
import type { ServerStream, StreamHandler } from '../../../host/engine/types.js';
import { countTo, GREETER_PROTO, greeterClient, sayHello, type GreeterClient } from '../../helpers/greeter-client.js';
import { startServer } from '../../helpers/peers.js';

const root = protobuf.loadSync(GREETER_PROTO);
const HelloRequest = root.lookupType('h2wasm.test.HelloRequest');
const HelloReply = root.lookupType('h2wasm.test.HelloReply');
const CountRequest = root.lookupType('h2wasm.test.CountRequest');
const CountReply = root.lookupType('h2wasm.test.CountReply');

/** frame puts one message in gRPC's length-prefixed framing (uncompressed). */
function frame(type: protobuf.Type, value: Record<string, unknown>): Uint8Array {
  const msg = type.encode(type.create(value)).finish();
  const out = new Uint8Array(5 + msg.length);
  new DataView(out.buffer).setUint32(1, msg.length);
  out.set(msg, 5);
  return out;
}

/** readMessages reads a whole request body and splits it into messages. */
async function readMessages(s: ServerStream): Promise<Uint8Array[]> {
  const chunks: Uint8Array[] = [];
  for await (const c of s) chunks.push(c);
  const body = Buffer.concat(chunks);
  const messages: Uint8Array[] = [];
  let at = 0;
  while (at + 5 <= body.length) {
    if (body[at] !== 0) throw new Error('compressed gRPC messages are not expected here');
    const n = body.readUInt32BE(at + 1);
    if (at + 5 + n > body.length) throw new Error('truncated gRPC message');
    messages.push(body.subarray(at + 5, at + 5 + n));
    at += 5 + n;
  }
  if (at !== body.length) throw new Error('trailing bytes after the last gRPC message');
  return messages;
}

const GRPC = { 'content-type': 'application/grpc' };

/** Seen is what the handler noticed about each call. */
interface Seen {
  path: string;
  contentType: string | undefined;
  te: string | undefined;
}

function greeter(seen: Seen[]): StreamHandler {
  return async (s) => {
    const field = (name: string) => s.headers.find(([n]) => n === name)?.[1];
    seen.push({ path: s.path, contentType: field('content-type'), te: field('te') });
    if (s.method !== 'POST' || !field('content-type')?.startsWith('application/grpc')) {
      s.respond(415, { 'content-type': 'text/plain' });
      await s.end('grpc only\n');
      return;
    }
    const messages = await readMessages(s);
    switch (s.path) {
      case '/h2wasm.test.Greeter/SayHello': {
        const { name } = HelloRequest.toObject(HelloRequest.decode(messages[0])) as { name?: string };
        if (name === 'nobody') {
          // A trailers-only response: one HEADERS frame with END_STREAM and the status in it.
          s.respond(200, { ...GRPC, 'grpc-status': '5', 'grpc-message': 'no such person' }, true);
          return;
        }
        s.respond(200, GRPC);
        await s.write(frame(HelloReply, { message: `hello ${name}` }));
        await s.end(null, { 'grpc-status': '0' });
        return;
      }
      case '/h2wasm.test.Greeter/CountTo': {
        const { n } = CountRequest.toObject(CountRequest.decode(messages[0])) as { n?: number };
        s.respond(200, GRPC);
        for (let i = 1; i <= Math.min(n ?? 0, 100); i++) await s.write(frame(CountReply, { i }));
        if ((n ?? 0) > 100) await s.end(null, { 'grpc-status': '11', 'grpc-message': 'at most 100' });
        else await s.end(null, { 'grpc-status': '0' });
        return;
      }
      default:
        s.respond(200, { ...GRPC, 'grpc-status': '12', 'grpc-message': 'unimplemented' }, true);
    }
  };
}

async function setup(): Promise<{ client: GreeterClient; seen: Seen[] }> {
  const seen: Seen[] = [];
  const server = await startServer({ stream: greeter(seen) });
  return { client: greeterClient(server.port), seen };
}

describe('grpc-js client (insecure, h2c)', () => {
  it('unary SayHello: request framing parsed, reply framed, grpc-status 0 in trailers', async () => {
    const { client, seen } = await setup();
    expect(await sayHello(client, 'h2wasm')).toEqual({ message: 'hello h2wasm' });
    expect(await sayHello(client, 'again')).toEqual({ message: 'hello again' });
    expect(seen[0]).toEqual({ path: '/h2wasm.test.Greeter/SayHello', contentType: 'application/grpc', te: 'trailers' });
  });

  it('server-streaming CountTo delivers every message in order, then status OK', async () => {
    const { client } = await setup();
    const r = await countTo(client, 50);
    expect(r.error).toBe(null);
    expect(r.status?.code).toBe(grpc.status.OK);
    expect(r.got).toEqual(Array.from({ length: 50 }, (_, k) => k + 1));
  });

  it('a failing unary call (trailers-only, grpc-status 5) reaches the client as NOT_FOUND with its message', async () => {
    const { client } = await setup();
    const err = await sayHello(client, 'nobody').then(() => null, (e: grpc.ServiceError) => e);
    expect(err?.code).toBe(grpc.status.NOT_FOUND);
    expect(err?.details).toBe('no such person');
    // The channel is still good.
    expect(await sayHello(client, 'after')).toEqual({ message: 'hello after' });
  });

  it('a stream that fails after some messages: the messages, then OUT_OF_RANGE from the trailers', async () => {
    const { client } = await setup();
    const r = await countTo(client, 1000);
    expect(r.error?.code).toBe(grpc.status.OUT_OF_RANGE);
    expect(r.error?.details).toBe('at most 100');
    expect(r.got).toHaveLength(100);
  });
});
