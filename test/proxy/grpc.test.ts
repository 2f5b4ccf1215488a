// gRPC through `h2wasm proxy`: a @grpc/grpc-js server behind it (h2c) and a
// grpc-js client in front (insecure, h2c): unary, server streaming, error
// statuses from the trailers.

import * as grpc from '@grpc/grpc-js';
import { afterAll, describe, expect, it } from 'vitest';
import { countTo, GREETER_SERVICE, greeterClient, sayHello, type GreeterClient } from '../helpers/greeter-client.js';
import { defer } from '../helpers/peers.js';
import { startProxyProcess } from '../helpers/proxy-process.js';
import { killAllServers } from '../helpers/server-process.js';

afterAll(killAllServers);

/** startGreeter runs a grpc-js Greeter on 127.0.0.1 and returns its port. */
async function startGreeter(): Promise<number> {
  const server = new grpc.Server();
  server.addService(GREETER_SERVICE, {
    SayHello(call: grpc.ServerUnaryCall<{ name: string }, { message: string }>, cb: grpc.sendUnaryData<{ message: string }>) {
      if (call.request.name === 'nobody') cb({ code: grpc.status.NOT_FOUND, details: 'no such person' });
      else cb(null, { message: `hello ${call.request.name}` });
    },
    CountTo(call: grpc.ServerWritableStream<{ n: number }, { i: number }>) {
      const n = call.request.n;
      for (let i = 1; i <= Math.min(n, 100); i++) call.write({ i });
      if (n > 100) call.emit('error', { code: grpc.status.OUT_OF_RANGE, details: 'at most 100' });
      else call.end();
    },
  });
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p)));
  });
  defer(() => { server.forceShutdown(); });
  return port;
}

/** setup: grpc-js server ← h2wasm proxy (route by the service's path prefix) ← grpc-js client. */
async function setup(): Promise<GreeterClient> {
  const backendPort = await startGreeter();
  const p = await startProxyProcess(['--route', `/h2wasm.test.Greeter/=h2c://127.0.0.1:${backendPort}`]);
  return greeterClient(p.port);
}

describe('grpc-js client → h2wasm proxy → grpc-js server', () => {
  it('unary calls succeed; NOT_FOUND with its message reaches the client; the channel still works after it', async () => {
    const client = await setup();
    for (let i = 0; i < 5; i++) expect(await sayHello(client, `n${i}`)).toEqual({ message: `hello n${i}` });
    const err = await sayHello(client, 'nobody').then(() => null, (e: grpc.ServiceError) => e);
    expect([err?.code, err?.details]).toEqual([grpc.status.NOT_FOUND, 'no such person']);
    expect(await sayHello(client, 'after')).toEqual({ message: 'hello after' });
  });

  it('server streams at once on one channel: one ends OK after 50 messages, one OUT_OF_RANGE after 100', async () => {
    const client = await setup();
    const [ok, failed, again] = await Promise.all([countTo(client, 50), countTo(client, 1000), countTo(client, 7)]);
    expect([ok.error, ok.status?.code]).toEqual([null, grpc.status.OK]);
    expect(ok.got).toEqual(Array.from({ length: 50 }, (_, k) => k + 1));
    expect([failed.error?.code, failed.error?.details, failed.got.length]).toEqual([grpc.status.OUT_OF_RANGE, 'at most 100', 100]);
    expect(again.got).toEqual([1, 2, 3, 4, 5, 6, 7]);
  });
});
