// Signals end the process, whatever its peers do (the liveness invariant): SIGTERM with requests
// that will not finish ends `h2wasm serve` at the shutdown deadline (plus at most 1 s), and a
// second signal ends it at once. Watched from outside: the process's exit, timed.

import * as http2 from 'node:http2';
import { afterEach, describe, expect, it } from 'vitest';
import { killAllServers, startServerProcess } from '../helpers/server-process.js';
import { getHello } from '../helpers/good-client.js';

afterEach(() => killAllServers());

/** hangRequests opens a session with n requests to /slow that will not finish within the test. */
async function hangRequests(port: number, n: number): Promise<http2.ClientHttp2Session> {
  const session = http2.connect(`http://127.0.0.1:${port}`);
  session.on('error', () => {});
  for (let i = 0; i < n; i++) {
    const req = session.request({ ':method': 'GET', ':path': '/slow?ms=120000' });
    req.on('error', () => {});
    req.resume();
  }
  await getHello(port); // the server is answering: the slow ones are in flight
  return session;
}

describe('signals end the process (liveness invariant)', () => {
  it('SIGTERM with requests in flight that never finish: exit at shutdownTimeout + at most 1 s', async () => {
    const server = await startServerProcess(['--shutdown-timeout', '1500']);
    const session = await hangRequests(server.port, 5);
    const t0 = performance.now();
    server.child.kill('SIGTERM');
    const code = await Promise.race([server.exited, new Promise<'late'>((r) => setTimeout(() => r('late'), 5000))]);
    const ms = performance.now() - t0;
    session.destroy();
    expect(code, `exit after SIGTERM (took ${ms.toFixed(0)} ms)`).not.toBe('late');
    expect(ms).toBeLessThan(1500 + 1000 + 500); // the deadline, its 1 s grace, and process start-up noise
  }, 20_000);

  it('a second SIGTERM ends the process at once, even with shutdownTimeout 0 (wait forever)', async () => {
    const server = await startServerProcess(['--shutdown-timeout', '0']);
    const session = await hangRequests(server.port, 3);
    server.child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 300));
    expect(server.child.exitCode, 'still draining after the first signal').toBeNull();
    const t0 = performance.now();
    server.child.kill('SIGTERM');
    const code = await Promise.race([server.exited, new Promise<'late'>((r) => setTimeout(() => r('late'), 3000))]);
    session.destroy();
    expect(code, `exit after the second SIGTERM (took ${(performance.now() - t0).toFixed(0)} ms)`).not.toBe('late');
  }, 20_000);
});
