// h2load smoke runs against the demo app: every request succeeds, none fail
// or error, over h2c (prior knowledge) and over TLS (ALPN h2).
import { describe, expect, it } from 'vitest';
import { demoApp } from '../../../host/node/demo-app.js';
import { runOk, startServer } from '../../helpers/peers.js';

/** summary reads h2load's "requests:" and "status codes:" lines. */
function summary(out: string): Record<string, number> {
  const req = out.match(/requests: (\d+) total, (\d+) started, (\d+) done, (\d+) succeeded, (\d+) failed, (\d+) errored, (\d+) timeout/);
  const codes = out.match(/status codes: (\d+) 2xx, (\d+) 3xx, (\d+) 4xx, (\d+) 5xx/);
  if (req === null || codes === null) throw new Error(`unexpected h2load output:\n${out}`);
  const [total, started, done, succeeded, failed, errored, timeout] = req.slice(1).map(Number);
  return { total, started, done, succeeded, failed, errored, timeout, '2xx': Number(codes[1]) };
}

describe('h2load', () => {
  it('-n 2000 -c 4 -m 10 on / over h2c: all succeeded', async () => {
    const server = await startServer({ stream: demoApp() });
    const out = await runOk('h2load', ['-n', '2000', '-c', '4', '-m', '10', `${server.origin}/`], 60_000);
    expect(summary(out)).toEqual({ total: 2000, started: 2000, done: 2000, succeeded: 2000, failed: 0, errored: 0, timeout: 0, '2xx': 2000 });
    expect(server.logs.errors()).toEqual([]);
  });

  it('-n 500 over TLS: ALPN h2, all succeeded', async () => {
    const server = await startServer({ stream: demoApp(), tls: 'self-signed' });
    const out = await runOk('h2load', ['-n', '500', '-c', '2', '-m', '10', `${server.origin}/`], 60_000);
    expect(out).toMatch(/Application protocol: h2\b/);
    expect(summary(out)).toEqual({ total: 500, started: 500, done: 500, succeeded: 500, failed: 0, errored: 0, timeout: 0, '2xx': 500 });
    expect(server.logs.errors()).toEqual([]);
  });
});
