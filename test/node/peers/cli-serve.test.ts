// `h2wasm serve` as users run it: the real command (bin/h2wasm.js from dist/), its flags, its boot
// line, the demo app over h2c, TLS and HTTP/1.1, static files, and a graceful stop on SIGTERM
// that lets an in-flight request finish.

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { connect, request, requireTool, runOk } from '../../helpers/peers.js';

const BIN = fileURLToPath(new URL('../../../bin/h2wasm.js', import.meta.url));

interface Running {
  child: ChildProcess;
  lines: Array<Record<string, unknown>>;
  exited: Promise<number | null>;
}

const running: ChildProcess[] = [];
afterEach(() => {
  for (const c of running.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
});

/** start runs `h2wasm serve ARGS` and resolves once its boot line ("h2wasm serving") is out. */
function start(args: string[]): Promise<Running & { boot: Record<string, unknown> }> {
  const child = spawn(process.execPath, [BIN, 'serve', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  running.push(child);
  const lines: Array<Record<string, unknown>> = [];
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    let buffered = '';
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (text: string) => {
      buffered += text;
      let nl: number;
      while ((nl = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        let entry: Record<string, unknown>;
        try {
          entry = JSON.parse(line) as Record<string, unknown>;
        } catch {
          entry = { msg: line };
        }
        lines.push(entry);
        if (entry.msg === 'h2wasm serving') resolve({ child, lines, exited, boot: entry });
      }
    });
    void exited.then((code) => reject(new Error(`h2wasm serve exited (${code}) before its boot line: ${JSON.stringify(lines)}`)));
  });
}

/** portOf reads the port out of a boot-line URL such as "http://127.0.0.1:41234/ (…)". */
function portOf(url: unknown): number {
  const m = /:(\d+)\//.exec(String(url));
  if (m === null) throw new Error(`no port in ${String(url)}`);
  return Number(m[1]);
}

describe('h2wasm serve (the command)', () => {
  it.each(['wasm', 'js'])('serves the demo app on h2c, TLS and HTTP/1.1 with --codec %s, and names the codec at boot', async (codec) => {
    requireTool('curl');
    const root = mkdtempSync(join(tmpdir(), 'h2wasm-root-'));
    writeFileSync(join(root, 'page.html'), '<p>hi</p>\n');
    const s = await start(['--host', '127.0.0.1', '--port', '0', '--tls-port', '0', '--tls-self-signed', '--codec', codec, '--root', root]);
    expect(s.boot.codec).toBe(codec);
    expect(String(s.boot.certificate)).toMatch(/self-signed/);
    const h2c = portOf(s.boot.h2c);
    const tls = portOf(s.boot.tls);
    expect(await runOk('curl', ['-s', '--http2-prior-knowledge', `http://127.0.0.1:${h2c}/`])).toBe('hello world\n');
    expect(await runOk('curl', ['-sk', '--http2', '-w', ' %{http_version}', `https://127.0.0.1:${tls}/`])).toBe('hello world\n 2');
    expect(await runOk('curl', ['-s', '--http1.1', '-w', ' %{http_version}', `http://127.0.0.1:${h2c}/`])).toBe('hello world\n 1.1');
    expect(await runOk('curl', ['-s', '--http2-prior-knowledge', '-w', ' %{content_type}', `http://127.0.0.1:${h2c}/page.html`])).toBe('<p>hi</p>\n text/html; charset=utf-8');
    s.child.kill('SIGTERM');
    expect(await s.exited).toBe(0);
  });

  it('on SIGTERM sends GOAWAY, lets the in-flight request finish, logs and exits 0', async () => {
    const s = await start(['--port', '0', '--codec', 'wasm']);
    const session = await connect(`http://127.0.0.1:${portOf(s.boot.h2c)}`);
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
      const messages = s.lines.map((l) => l.msg);
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
