// `h2wasm proxy` as a command: bad flags, routes and files are usage errors
// (exit 2 with the reason and the usage), and --tls-cert/--tls-key give the
// TLS front its certificate (an :authority it does not cover is 421); SIGTERM
// lets a request in flight finish.

import { execFile } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { selfSignedCertificate } from '../../host/node/self-signed.js';
import { connect, request, tcpConnectFails } from '../helpers/peers.js';
import { startHttpBackend } from '../helpers/proxy-backends.js';
import { startProxyProcess, tempFiles } from '../helpers/proxy-process.js';
import { BIN, killAllServers } from '../helpers/server-process.js';

afterAll(killAllServers);

/** run runs `h2wasm proxy ARGS` to its exit (killed after 15 s) and returns its exit code and stderr. */
function run(args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, 'proxy', ...args], { timeout: 15_000, killSignal: 'SIGKILL' }, (error, _stdout, stderr) => {
      resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : null, stderr });
    });
  });
}

describe('h2wasm proxy: the command line', () => {
  it('bad flags, routes and files exit 2 with the reason and the usage', async () => {
    const { 'bad.toml': bad, 'badroute.toml': badRoute } = tempFiles({ 'bad.toml': 'routes = [\n', 'badroute.toml': 'routes = ["/=ftp://x:1"]\n' });
    const cases: Array<[string[], RegExp]> = [
      [[], /at least one --route/],
      [['--route', 'nope'], /route "nope": expected \[HOST\]\/PREFIX=BACKEND/],
      [['--route', '/=ftp://127.0.0.1:1'], /must be http:\/\/host:port, h2c:\/\/host:port or https:\/\/host:port/],
      [['--route', '/=http://127.0.0.1:1', '--port', '99999'], /--port must be a whole number/],
      [['--route', '/=http://127.0.0.1:1', '--frobnicate'], /unknown option --frobnicate/],
      [['--config', '/nonexistent/h2wasm-proxy.toml'], /config file \/nonexistent\/h2wasm-proxy.toml: ENOENT/],
      [['--config', bad], /bad\.toml: /],
      [['--config', badRoute], /backend ftp:\/\/x:1 must be/],
      [['--route', '/=http://127.0.0.1:1', '--tls-cert', '/nonexistent/c.pem', '--tls-key', '/nonexistent/k.pem'], /--tls-cert \/nonexistent\/c.pem: ENOENT/],
      [['--route', '/=http://127.0.0.1:1', '--tls-cert', '/nonexistent/c.pem'], /--tls-cert and --tls-key go together/],
    ];
    for (const [args, message] of cases) {
      const r = await run(args);
      expect({ args, code: r.code }).toEqual({ args, code: 2 });
      expect(r.stderr).toMatch(message);
      expect(r.stderr).toMatch(/usage: h2wasm proxy/);
    }
  });

  it('--tls-cert and --tls-key: the TLS front serves that certificate; an :authority it does not cover is 421', async () => {
    const backend = await startHttpBackend('app');
    const c = selfSignedCertificate(['app.test', '127.0.0.1']);
    const f = tempFiles({ 'cert.pem': c.cert, 'key.pem': c.key });
    const p = await startProxyProcess(['--route', `/=${backend.url}`, '--tls-port', '0', '--tls-cert', f['cert.pem'], '--tls-key', f['key.pem']]);
    const session = await connect(p.tls!, { servername: 'app.test' });
    expect((await request(session, '/', { headers: { ':authority': 'app.test' } })).headers['x-backend']).toBe('app');
    expect((await request(session, '/', { headers: { ':authority': `127.0.0.1:${p.tlsPort}` } })).status).toBe(200);
    expect((await request(session, '/', { headers: { ':authority': 'other.test' } })).status).toBe(421);
  });

  it('SIGTERM: a request in flight through the proxy completes, the process exits 0 and its port is closed', async () => {
    const backend = await startHttpBackend('app');
    const p = await startProxyProcess(['--route', `/=${backend.url}`]);
    const session = await connect(p.h2c);
    const inFlight = request(session, '/slow/hold');
    await backend.holding;
    p.child.kill('SIGTERM');
    await p.waitForLog('shutting down');
    backend.held.open();
    const r = await inFlight;
    expect([r.status, r.body.toString()]).toEqual([200, 'held\n']);
    expect(await p.exited).toBe(0);
    expect(await tcpConnectFails(p.port)).toBe(true);
  });
});
