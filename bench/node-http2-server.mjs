#!/usr/bin/env node
// The peer for bench/server.mjs: Node's built-in http2 module serving the same
// demo app as `h2wasm serve`, with the same command-line flags.
//
//   node bench/node-http2-server.mjs [--host 127.0.0.1] [--port 8080]
//        [--tls-port Q (--tls-self-signed | --tls-cert FILE --tls-key FILE)]
//
// Routes (same status, headers and bodies as h2wasm serve's demo app):
//   GET /            200 text/plain, content-length 12, "hello world\n"
//   /echo            200 application/octet-stream, the request body streamed back
//   /bytes?n=N       200 application/octet-stream, content-length N, N bytes
//   /slow?ms=M       200 text/plain "slow\n" after M milliseconds
//   /trailers        200 text/plain "trailers\n", then trailers x-trailer: done
//   anything else    404 text/plain "not found\n"
//
// Written as a competent Node user would write it (respond + end, pipe for
// echo, write/drain for large bodies) with http2's defaults: no tuning of
// settings, windows or stream limits. Logs one JSON object per line on stderr.
// Stops gracefully (GOAWAY on every session) on SIGTERM or SIGINT.
import http2 from 'node:http2';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const { HTTP2_HEADER_STATUS: STATUS, HTTP2_HEADER_CONTENT_TYPE: CONTENT_TYPE, HTTP2_HEADER_CONTENT_LENGTH: CONTENT_LENGTH } = http2.constants;

/** log writes one JSON log line on stderr, as h2wasm serve does. */
function log(level, msg, fields = {}) {
  process.stderr.write(JSON.stringify({ time: new Date().toISOString(), level, msg, ...fields }) + '\n');
}

function parseArgs(argv) {
  const o = { host: '127.0.0.1', port: 8080, tlsPort: null, selfSigned: false, cert: null, key: null };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
      return argv[++i];
    };
    if (a === '--host') o.host = value();
    else if (a === '--port') o.port = Number(value());
    else if (a === '--tls-port') o.tlsPort = Number(value());
    else if (a === '--tls-self-signed') o.selfSigned = true;
    else if (a === '--tls-cert') o.cert = value();
    else if (a === '--tls-key') o.key = value();
    else if (a === '--codec') log('warn', 'node:http2 has no --codec; ignored', { codec: value() });
    else throw new Error(`unknown option ${a}`);
  }
  if (o.tlsPort !== null && !o.selfSigned && !(o.cert && o.key)) throw new Error('--tls-port needs --tls-self-signed or --tls-cert and --tls-key');
  return o;
}

/** selfSignedCert makes a throwaway EC P-256 certificate for localhost with openssl. */
function selfSignedCert() {
  const dir = mkdtempSync(join(tmpdir(), 'h2bench-cert-'));
  try {
    const key = join(dir, 'key.pem');
    const cert = join(dir, 'cert.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
      '-days', '2', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1',
      '-keyout', key, '-out', cert], { stdio: ['ignore', 'ignore', 'pipe'] });
    return { key: readFileSync(key), cert: readFileSync(cert) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// --- the demo app
const HELLO = Buffer.from('hello world\n');
const CHUNK = Buffer.alloc(64 * 1024, 0x61); // /bytes writes slices of this
const MAX_BYTES = 2 ** 40;
const MAX_SLOW_MS = 60_000;

function text(stream, status, body) {
  const b = Buffer.from(body);
  stream.respond({ [STATUS]: status, [CONTENT_TYPE]: 'text/plain', [CONTENT_LENGTH]: b.length });
  stream.end(b);
}

/** sendBytes writes n bytes, honouring backpressure. */
function sendBytes(stream, n) {
  stream.respond({ [STATUS]: 200, [CONTENT_TYPE]: 'application/octet-stream', [CONTENT_LENGTH]: n });
  let left = n;
  const pump = () => {
    while (left > 0) {
      const k = Math.min(left, CHUNK.length);
      left -= k;
      const more = stream.write(k === CHUNK.length ? CHUNK : CHUNK.subarray(0, k));
      if (!more && left > 0) return stream.once('drain', pump);
    }
    stream.end();
  };
  pump();
}

function onStream(stream, headers) {
  const url = new URL(headers[':path'] ?? '/', 'http://x');
  switch (url.pathname) {
    case '/':
      stream.respond({ [STATUS]: 200, [CONTENT_TYPE]: 'text/plain', [CONTENT_LENGTH]: HELLO.length });
      stream.end(HELLO);
      return;
    case '/echo':
      stream.respond({ [STATUS]: 200, [CONTENT_TYPE]: 'application/octet-stream' });
      stream.pipe(stream);
      return;
    case '/bytes': {
      const n = Number(url.searchParams.get('n') ?? '0');
      if (!Number.isSafeInteger(n) || n < 0 || n > MAX_BYTES) return text(stream, 400, 'bad n\n');
      return sendBytes(stream, n);
    }
    case '/slow': {
      const ms = Math.min(Math.max(Number(url.searchParams.get('ms') ?? '0') || 0, 0), MAX_SLOW_MS);
      const t = setTimeout(() => text(stream, 200, 'slow\n'), ms);
      stream.on('close', () => clearTimeout(t));
      stream.resume(); // discard any request body
      return;
    }
    case '/trailers': {
      const b = Buffer.from('trailers\n');
      stream.respond({ [STATUS]: 200, [CONTENT_TYPE]: 'text/plain', [CONTENT_LENGTH]: b.length }, { waitForTrailers: true });
      stream.on('wantTrailers', () => stream.sendTrailers({ 'x-trailer': 'done' }));
      stream.end(b);
      return;
    }
    default:
      text(stream, 404, 'not found\n');
  }
}

// --- servers
const opts = parseArgs(process.argv.slice(2));
const sessions = new Set();
const servers = [];

function serve(server, port, scheme) {
  server.on('stream', (stream, headers) => {
    stream.on('error', () => {}); // a reset stream is the peer's business, not a crash
    onStream(stream, headers);
  });
  server.on('session', (s) => {
    sessions.add(s);
    s.on('close', () => sessions.delete(s));
    s.on('error', () => {});
  });
  server.on('error', (err) => {
    log('error', 'server error', { scheme, error: String(err) });
    process.exitCode = 1;
  });
  server.listen(port, opts.host, () => log('info', 'listening', { scheme, host: opts.host, port: server.address().port, pid: process.pid }));
  servers.push(server);
}

serve(http2.createServer(), opts.port, 'http');
if (opts.tlsPort !== null) {
  const creds = opts.selfSigned ? selfSignedCert() : { key: readFileSync(opts.key), cert: readFileSync(opts.cert) };
  serve(http2.createSecureServer(creds), opts.tlsPort, 'https');
}

// Graceful stop: no new connections, GOAWAY to every session, exit once they are
// gone (or after 5 s).
let stopping = false;
function stop(signal) {
  if (stopping) return;
  stopping = true;
  log('info', 'stopping', { signal, sessions: sessions.size });
  for (const s of servers) s.close();
  for (const s of sessions) s.close();
  const done = () => {
    log('info', 'stopped');
    process.exit(process.exitCode ?? 0);
  };
  if (sessions.size === 0) return done();
  const poll = setInterval(() => sessions.size === 0 && done(), 20);
  setTimeout(() => {
    clearInterval(poll);
    for (const s of sessions) s.destroy();
    done();
  }, 5000).unref();
}
process.on('SIGTERM', () => stop('SIGTERM'));
process.on('SIGINT', () => stop('SIGINT'));
