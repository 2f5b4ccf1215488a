// Every core: `h2wasm serve --workers N` and serve({ workers }) run worker processes that share the
// listening sockets (Node's cluster, round-robin). Watched from outside: requests served by more than
// one process, a killed worker replaced, metrics summed over the workers, SIGTERM ending them all.

import { spawn } from 'node:child_process';
import * as http2 from 'node:http2';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { killAllServers, startServerProcess } from '../helpers/server-process.js';
import { requireTool, runOk } from '../helpers/peers.js';

afterEach(() => killAllServers());

/** pidAlive reports whether a process exists. */
function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** getText makes n GETs of path, each on a new connection (round-robin hands connections out), and returns the bodies. */
async function getTexts(port: number, path: string, n: number): Promise<string[]> {
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const session = http2.connect(`http://127.0.0.1:${port}`);
    session.on('error', () => {});
    out.push(await new Promise<string>((resolve, reject) => {
      const req = session.request({ ':path': path });
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (d: string) => { body += d; });
      req.on('end', () => resolve(body));
      req.on('error', reject);
    }));
    session.close();
  }
  return out;
}

describe('h2wasm serve --workers', () => {
  it('two workers share the port; a killed worker is replaced; metrics are summed; SIGTERM ends them all', async () => {
    requireTool('curl');
    const server = await startServerProcess(['--workers', '2', '--metrics-port', '0', '--shutdown-timeout', '2000']);
    expect(server.boot.workers).toBe(2);
    expect(String(server.boot.scheduling)).toMatch(/round-robin/);
    // Each worker logs its own line on the shared stderr; one may land after the primary's boot line.
    const logged = () => server.log.filter((l) => l.msg === 'worker serving').map((l) => Number(l.pid));
    const bootDeadline = Date.now() + 5_000;
    while (Date.now() < bootDeadline && new Set(logged()).size < 2) await new Promise((r) => setTimeout(r, 50));
    const workerPids = logged();
    expect(new Set(workerPids).size).toBe(2);
    expect((await getTexts(server.port, '/', 6)).every((t) => t === 'hello world\n')).toBe(true);

    const metricsUrl = String(server.boot.metrics);
    const text = await runOk('curl', ['-s', metricsUrl]);
    expect(text).toMatch(new RegExp(`h2wasm_streams_total\\{listener="h2c:${server.port}"\\} 6\\b`));

    process.kill(workerPids[0], 'SIGKILL');
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline && server.log.filter((l) => l.msg === 'worker serving').length < 3) await new Promise((r) => setTimeout(r, 100));
    expect(server.log.some((l) => l.msg === 'worker crashed; restarting it')).toBe(true);
    const all = server.log.filter((l) => l.msg === 'worker serving').map((l) => Number(l.pid));
    expect(all).toHaveLength(3);
    expect((await getTexts(server.port, '/', 4)).every((t) => t === 'hello world\n')).toBe(true);

    expect(await server.stop(8000)).toBe(0);
    for (const pid of all) expect(pidAlive(pid), `worker ${pid} gone`).toBe(false);
  }, 60_000);
});

describe('serve({ workers })', () => {
  it('runs the program in two workers that answer on one port, and close() stops them', async () => {
    const app = fileURLToPath(new URL('./fixtures/workers-app.mjs', import.meta.url));
    const child = spawn(process.execPath, [app], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      const lines: string[] = [];
      let buffered = '';
      child.stdout!.setEncoding('utf8');
      const nextLine = () => new Promise<string>((resolve, reject) => {
        const check = () => {
          const nl = buffered.indexOf('\n');
          if (nl >= 0) {
            const line = buffered.slice(0, nl);
            buffered = buffered.slice(nl + 1);
            child.stdout!.off('data', onData);
            resolve(line);
          }
        };
        const onData = (d: string) => { buffered += d; check(); };
        child.stdout!.on('data', onData);
        child.once('exit', () => reject(new Error(`exited: ${lines.join('\n')}`)));
        check();
      });
      const { port } = JSON.parse(await nextLine()) as { port: number };
      const pids = new Set(await getTexts(port, '/', 8));
      expect(pids.size, `answered by ${[...pids].join(', ')}`).toBe(2);
      child.kill('SIGTERM');
      const closed = JSON.parse(await nextLine()) as { closed: boolean; metrics: { streamsOpened: number } };
      expect(closed.closed).toBe(true);
      for (const p of pids) expect(pidAlive(Number(p)), `worker ${p} gone`).toBe(false);
    } finally {
      child.kill('SIGKILL');
    }
  }, 60_000);
});
