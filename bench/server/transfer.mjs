#!/usr/bin/env node
// A Node http2 client for bulk transfers, run by bench/server.mjs as a child
// process so its work does not share an event loop with the harness.
//
//   node bench/server/transfer.mjs --url http://127.0.0.1:P --mode upload|download --bytes N [--verify] [--timeout-ms T]
//
// upload:   POSTs N bytes to /echo, streaming them with backpressure, and counts
//           (discards) the echoed bytes; the clock runs from the request until
//           the echo's last byte. Both directions cross the connection at once.
// download: GETs /bytes?n=N and counts the body.
// --verify hashes what was sent and what came back (SHA-256) and compares;
// off by default because hashing costs the client time.
//
// Prints one JSON object on stdout: { mode, bytesSent, bytesReceived, seconds,
// mbPerSec, status, ok, error? }. MB = 10^6 bytes. Exits non-zero when not ok.
//
// The client asks for large receive windows (stream 2^31-1, connection 2^31-1)
// so that its own flow control does not cap what the server can send.
import http2 from 'node:http2';
import { createHash } from 'node:crypto';
import { pathToFileURL } from 'node:url';

function args(argv) {
  const o = { url: null, mode: null, bytes: 100 * 2 ** 20, verify: false, timeoutMs: 120_000 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--url') o.url = argv[++i];
    else if (a === '--mode') o.mode = argv[++i];
    else if (a === '--bytes') o.bytes = Number(argv[++i]);
    else if (a === '--verify') o.verify = true;
    else if (a === '--timeout-ms') o.timeoutMs = Number(argv[++i]);
    else throw new Error(`unknown option ${a}`);
  }
  if (!o.url || (o.mode !== 'upload' && o.mode !== 'download')) throw new Error('usage: transfer.mjs --url URL --mode upload|download --bytes N [--verify]');
  return o;
}

const MAX_WINDOW = 2 ** 31 - 1;
const CHUNK = 64 * 1024;

/** transfer does one upload or download and resolves to its figures. */
export function transfer({ url, mode, bytes, verify = false, timeoutMs = 120_000 }) {
  return new Promise((resolve) => {
    const out = { mode, bytesSent: 0, bytesReceived: 0, seconds: null, mbPerSec: null, status: null, ok: false };
    const session = http2.connect(url, { settings: { initialWindowSize: MAX_WINDOW }, rejectUnauthorized: false });
    let finished = false;
    const finish = (error) => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      if (error) out.error = String(error.message ?? error);
      session.close();
      session.destroy();
      resolve(out);
    };
    const timer = setTimeout(() => finish(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs);
    session.on('error', finish);
    session.on('connect', () => {
      session.setLocalWindowSize(MAX_WINDOW);
      const sentHash = verify ? createHash('sha256') : null;
      const gotHash = verify ? createHash('sha256') : null;
      const t0 = process.hrtime.bigint();
      const req = session.request(
        mode === 'upload'
          ? { ':method': 'POST', ':path': '/echo', 'content-type': 'application/octet-stream', 'content-length': String(bytes) }
          : { ':method': 'GET', ':path': `/bytes?n=${bytes}` },
        { endStream: mode !== 'upload' },
      );
      req.on('error', finish);
      req.on('response', (h) => (out.status = h[':status']));
      req.on('data', (d) => {
        out.bytesReceived += d.length;
        gotHash?.update(d);
      });
      req.on('end', () => {
        out.seconds = Number(process.hrtime.bigint() - t0) / 1e9;
        const want = bytes;
        const problems = [];
        if (out.status !== 200) problems.push(`status ${out.status}`);
        if (out.bytesReceived !== want) problems.push(`received ${out.bytesReceived} bytes, expected ${want}`);
        if (verify && mode === 'upload' && sentHash.digest('hex') !== gotHash.digest('hex')) problems.push('echoed bytes differ from those sent');
        out.mbPerSec = bytes / out.seconds / 1e6;
        out.ok = problems.length === 0;
        finish(problems.length ? new Error(problems.join('; ')) : null);
      });
      if (mode !== 'upload') return;
      // Stream the body: one 64 KiB buffer (a byte pattern when verifying, so
      // a dropped or shifted byte is caught), written until `bytes` have gone,
      // waiting for 'drain' whenever the stream says it is full.
      const block = Buffer.alloc(CHUNK);
      if (verify) for (let i = 0; i < CHUNK; i++) block[i] = (i * 2654435761) >>> 24;
      let left = bytes;
      const pump = () => {
        while (left > 0) {
          const k = Math.min(left, CHUNK);
          const b = k === CHUNK ? block : block.subarray(0, k);
          left -= k;
          out.bytesSent += k;
          sentHash?.update(b);
          if (!req.write(b) && left > 0) return req.once('drain', pump);
        }
        req.end();
      };
      pump();
    });
  });
}

// Run as a program (not when imported).
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  let o;
  try {
    o = args(process.argv.slice(2));
  } catch (err) {
    console.error(err.message);
    process.exit(2);
  }
  const r = await transfer(o);
  process.stdout.write(JSON.stringify(r) + '\n');
  process.exitCode = r.ok ? 0 : 1;
}
