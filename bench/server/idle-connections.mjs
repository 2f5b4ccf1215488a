#!/usr/bin/env node
// Idle HTTP/2 connections for the memory benchmark, over plain node:net
// sockets (h2c, prior knowledge): each connection writes the client preface and
// an empty SETTINGS frame, ACKs the server's SETTINGS, makes one GET / (the
// fields curl sends, the way curl's nghttp2 encodes them: :authority and
// user-agent enter the server's HPACK table), reads the whole response, and
// then says nothing: what a browser tab or an API client leaves behind.
// No HTTP/2 library: the frames are a few bytes.
//
//   import { openIdleConnections } from './idle-connections.mjs';
//   const idle = await openIdleConnections({ host, port, count: 1000 });
//   // idle.ready === count when every server sent SETTINGS and ACKed ours
//   await idle.close();
//
// As a program (to try a server by hand; Ctrl-C closes them):
//   node bench/server/idle-connections.mjs --port P [--host 127.0.0.1] [--count 1000]
import net from 'node:net';
import { pathToFileURL } from 'node:url';

/** PREFACE is the client connection preface (RFC 9113 §3.4). */
const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');
const FRAME_HEADER_LEN = 9;
const TYPE_DATA = 0x0;
const TYPE_HEADERS = 0x1;
const TYPE_SETTINGS = 0x4;
const TYPE_GOAWAY = 0x7;
const FLAG_ACK = 0x1;
const FLAG_END_STREAM = 0x1;
const FLAG_END_HEADERS = 0x4;

/** frameHeader returns a 9-byte frame header (RFC 9113 §4.1) for a payload-less frame on stream 0. */
function frameHeader(type, flags) {
  const b = Buffer.alloc(FRAME_HEADER_LEN);
  b.writeUIntBE(0, 0, 3); // length 0
  b[3] = type;
  b[4] = flags;
  b.writeUInt32BE(0, 5); // stream 0
  return b;
}
/** HELLO is what each connection sends first: the preface and an empty SETTINGS (all defaults). */
const HELLO = Buffer.concat([PREFACE, frameHeader(TYPE_SETTINGS, 0)]);
const SETTINGS_ACK = frameHeader(TYPE_SETTINGS, FLAG_ACK);

/** literal is an HPACK literal with incremental indexing and an indexed name (RFC 7541 §6.2.1), raw octets. */
function literal(nameIndex, value) {
  return Buffer.concat([Buffer.from([0x40 | nameIndex, value.length]), Buffer.from(value, 'latin1')]);
}

/** getRequest is HEADERS(stream 1, END_STREAM) for GET / with the fields curl sends. */
function getRequest(authority) {
  const block = Buffer.concat([
    Buffer.from([0x82, 0x84, 0x86]), // :method GET, :path /, :scheme http (static table)
    literal(1, authority), // :authority
    literal(58, 'curl/7.88.1'), // user-agent
    literal(19, '*/*'), // accept
  ]);
  const head = Buffer.alloc(FRAME_HEADER_LEN);
  head.writeUIntBE(block.length, 0, 3);
  head[3] = TYPE_HEADERS;
  head[4] = FLAG_END_STREAM | FLAG_END_HEADERS;
  head.writeUInt32BE(1, 5);
  return Buffer.concat([head, block]);
}

/**
 * idleConnection opens one connection. `onReady` is called once the server
 * has sent its SETTINGS (which we ACK) and ACKed ours. Unknown frames
 * (WINDOW_UPDATE, PING…) are skipped; a GOAWAY or a close before ready is an
 * error.
 */
function idleConnection(host, port, request, onReady, onFail) {
  const sock = net.connect({ host, port });
  sock.setNoDelay(true);
  let buf = Buffer.alloc(0);
  let gotSettings = false;
  let gotAck = false;
  // Without a request the connection is ready after the SETTINGS exchange.
  let gotResponse = !request;
  let ready = false;
  let failed = false;
  const fail = (why) => {
    if (failed) return;
    failed = true;
    onFail(why);
  };
  sock.on('connect', () => sock.write(request ? Buffer.concat([HELLO, getRequest(`${host}:${port}`)]) : HELLO));
  sock.on('data', (d) => {
    buf = buf.length ? Buffer.concat([buf, d]) : d;
    // Walk whole frames; keep a partial one for the next read.
    while (buf.length >= FRAME_HEADER_LEN) {
      const len = buf.readUIntBE(0, 3);
      if (buf.length < FRAME_HEADER_LEN + len) break;
      const type = buf[3];
      const flags = buf[4];
      buf = buf.subarray(FRAME_HEADER_LEN + len);
      if (type === TYPE_SETTINGS && !(flags & FLAG_ACK)) {
        gotSettings = true;
        sock.write(SETTINGS_ACK);
      } else if (type === TYPE_SETTINGS) {
        gotAck = true;
      } else if (type === TYPE_GOAWAY) {
        fail('server sent GOAWAY');
      } else if ((type === TYPE_HEADERS || type === TYPE_DATA) && (flags & FLAG_END_STREAM)) {
        gotResponse = true;
      }
    }
    if (buf.length === 0) buf = Buffer.alloc(0); // drop the reference to the last read
    if (gotSettings && gotAck && gotResponse && !ready) {
      ready = true;
      onReady();
    }
  });
  sock.on('error', (err) => fail(err.code ?? err.message));
  sock.on('close', () => fail(ready ? 'closed by the server while idle' : 'closed before SETTINGS'));
  return sock;
}

/**
 * openIdleConnections opens `count` idle connections, at most `parallel`
 * connecting at a time (so the listen backlog never overflows), and resolves
 * when all are ready, or when timeoutMs runs out. Resolves to
 * { ready, failures: { reason: n }, seconds, close() }; close() destroys every
 * socket and resolves when all are closed.
 */
export function openIdleConnections({ host = '127.0.0.1', port, count, parallel = 64, timeoutMs = 60_000, request = true }) {
  return new Promise((resolve) => {
    const socks = [];
    const failures = {};
    let ready = 0;
    let pending = 0; // opened, not yet ready or failed
    let opened = 0;
    let failedBeforeReady = 0;
    let done = false;
    const t0 = process.hrtime.bigint();
    const result = () => ({
      ready,
      failures,
      seconds: Number(process.hrtime.bigint() - t0) / 1e9,
      close: () =>
        Promise.all(
          socks.map((s) => new Promise((r) => {
            if (s.destroyed) return r();
            s.once('close', r);
            s.destroy();
          })),
        ),
    });
    const finish = () => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      resolve(result());
    };
    const timer = setTimeout(finish, timeoutMs);
    const openMore = () => {
      while (!done && pending < parallel && opened < count) {
        opened++;
        pending++;
        let settled = false;
        const s = idleConnection(
          host,
          port,
          request,
          () => {
            settled = true;
            pending--;
            ready++;
            step();
          },
          (why) => {
            failures[why] = (failures[why] ?? 0) + 1;
            if (settled) {
              ready--; // was ready, now gone
              return;
            }
            settled = true;
            pending--;
            failedBeforeReady++;
            step();
          },
        );
        socks.push(s);
      }
    };
    const step = () => {
      if (ready + failedBeforeReady >= count) return finish();
      openMore();
    };
    openMore();
  });
}

// Run as a program.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const a = process.argv.slice(2);
  const opt = (name, def) => (a.includes(name) ? a[a.indexOf(name) + 1] : def);
  const r = await openIdleConnections({ host: opt('--host', '127.0.0.1'), port: Number(opt('--port')), count: Number(opt('--count', '1000')) });
  console.log(JSON.stringify({ ready: r.ready, failures: r.failures, seconds: r.seconds }));
  console.error('idle; Ctrl-C closes them');
  process.on('SIGINT', async () => {
    await r.close();
    process.exit(0);
  });
}
