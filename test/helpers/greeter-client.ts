// The grpc-js side of the Greeter service (test/node/peers/fixtures/greeter.proto),
// shared by the gRPC tests of the server (test/node/peers/grpc.test.ts) and of the
// proxy (test/proxy/grpc.test.ts): the client, its calls, and the service
// definition a grpc-js server implements.

import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { fileURLToPath } from 'node:url';
import { defer } from './peers.js';

/** GREETER_PROTO is the service's .proto file. */
export const GREETER_PROTO = fileURLToPath(new URL('../node/peers/fixtures/greeter.proto', import.meta.url));

/** GreeterClient is the generated client's shape. */
export interface GreeterClient extends grpc.Client {
  SayHello(req: { name: string }, cb: (err: grpc.ServiceError | null, reply?: { message: string }) => void): grpc.ClientUnaryCall;
  CountTo(req: { n: number }): grpc.ClientReadableStream<{ i: number }>;
}

type GreeterCtor = (new (addr: string, creds: grpc.ChannelCredentials) => GreeterClient) & { service: grpc.ServiceDefinition };

const Greeter = (grpc.loadPackageDefinition(protoLoader.loadSync(GREETER_PROTO)) as unknown as { h2wasm: { test: { Greeter: GreeterCtor } } }).h2wasm.test.Greeter;

/** GREETER_SERVICE is the service definition for a grpc-js server's addService. */
export const GREETER_SERVICE: grpc.ServiceDefinition = Greeter.service;

/** greeterClient makes an insecure (h2c) client of 127.0.0.1:port, closed after the test. */
export function greeterClient(port: number): GreeterClient {
  const client = new Greeter(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  defer(() => client.close());
  return client;
}

/** sayHello makes one unary call. */
export function sayHello(client: GreeterClient, name: string): Promise<{ message: string }> {
  return new Promise((resolve, reject) => {
    client.SayHello({ name }, (err, reply) => (err ? reject(err) : resolve(reply!)));
  });
}

/** CountResult is how a CountTo call ended: the messages, then its status or its error. */
export interface CountResult {
  got: number[];
  status: grpc.StatusObject | null;
  error: grpc.ServiceError | null;
}

/** countTo makes one server-streaming call and collects it to its end. */
export function countTo(client: GreeterClient, n: number): Promise<CountResult> {
  const call = client.CountTo({ n });
  const r: CountResult = { got: [], status: null, error: null };
  call.on('data', (m: { i: number }) => r.got.push(m.i));
  return new Promise((resolve) => {
    call.on('error', (e: grpc.ServiceError) => {
      r.error = e;
      resolve(r);
    });
    call.on('status', (s: grpc.StatusObject) => {
      r.status = s;
      if (s.code === grpc.status.OK) resolve(r);
    });
  });
}
