// `h2wasm serve` as users run it: the real command (bin/h2wasm.js from dist/), its flags, its boot
// line, the demo app over h2c, TLS and HTTP/1.1, static files, and a graceful stop on SIGTERM
// that lets an in-flight request finish.

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { connect, request, requireTool, runOk } from '../../helpers/peers.js';
import { BIN, killAllServers, startServerProcess } from '../../helpers/server-process.js';

const running: ChildProcess[] = [];
afterEach(() => {
  killAllServers();
  for (const c of running.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
});

describe('h2wasm serve (the command)', () => {
  it.each(['wasm', 'js'])('serves the demo app on h2c, TLS and HTTP/1.1 with --codec %s, and names the codec at boot', async (codec) => {
    requireTool('curl');
    const root = mkdtempSync(join(tmpdir(), 'h2wasm-root-'));
    writeFileSync(join(root, 'page.html'), '<p>hi</p>\n');
    const s = await startServerProcess(['--tls-port', '0', '--tls-self-signed', '--codec', codec, '--root', root]);
    expect(s.boot.codec).toBe(codec);
    expect(String(s.boot.certificate)).toMatch(/self-signed/);
    const h2c = s.port;
    const tls = s.tlsPort;
    expect(await runOk('curl', ['-s', '--http2-prior-knowledge', `http://127.0.0.1:${h2c}/`])).toBe('hello world\n');
    expect(await runOk('curl', ['-sk', '--http2', '-w', ' %{http_version}', `https://127.0.0.1:${tls}/`])).toBe('hello world\n 2');
    expect(await runOk('curl', ['-s', '--http1.1', '-w', ' %{http_version}', `http://127.0.0.1:${h2c}/`])).toBe('hello world\n 1.1');
    expect(await runOk('curl', ['-s', '--http2-prior-knowledge', '-w', ' %{content_type}', `http://127.0.0.1:${h2c}/page.html`])).toBe('<p>hi</p>\n text/html; charset=utf-8');
    expect(await s.stop()).toBe(0); // SIGTERM
  });

  it('on SIGTERM sends GOAWAY, lets the in-flight request finish, logs and exits 0', async () => {
    const s = await startServerProcess(['--codec', 'wasm']);
    const session = await connect(`http://127.0.0.1:${s.port}`);
    try {
      let goaway = false;
      session.on('goaway', () => {
        goaway = true;
      });
      const slow = request(session, '/slow?ms=400');
      // The request is under way before the signal: the server has answered a PING after it.
      await new Promise<void>((resolve) => session.ping(() => resolve()));
      s.child.kill('SIGTERM');
      const reply = await slow;
      expect(reply.status).toBe(200);
      expect(goaway).toBe(true);
      expect(await s.exited).toBe(0);
      const messages = s.log.map((l) => l.msg);
      expect(messages).toContain('shutting down');
      expect(messages).toContain('stopped');
    } finally {
      session.destroy();
    }
  });

  it('refuses bad flags with exit code 2 and the usage', async () => {
    const child = spawn(process.execPath, [BIN, 'serve', '--port', 'eighty'], { stdio: ['ignore', 'ignore', 'pipe'] });
    running.push(child);
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code).toBe(2);
    expect(err).toMatch(/--port must be a port number/);
    expect(err).toMatch(/usage: h2wasm serve/);
  });
});
