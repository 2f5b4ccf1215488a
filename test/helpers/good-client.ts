// The well-behaved client of the abuse tests: Node's own http2 client asks `GET /` of the demo app
// on a fresh connection and must get 200 "hello world\n" within a time limit. A wedged server
// (no SETTINGS, no response) makes it reject with the reason instead of hanging the test.

import * as http2 from 'node:http2';

/** GoodReply is what the well-behaved client got. */
export interface GoodReply {
  status: number;
  body: string;
  ms: number;
}

/** getHello opens a new h2c connection to 127.0.0.1:port, sends GET / and resolves with the reply;
 *  it rejects after timeoutMs (the session is destroyed either way). */
export function getHello(port: number, timeoutMs = 5000): Promise<GoodReply> {
  const start = performance.now();
  return new Promise<GoodReply>((resolve, reject) => {
    const session = http2.connect(`http://127.0.0.1:${port}`);
    let settled = false;
    const finish = (error: Error | null, reply?: GoodReply) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      session.destroy();
      if (error !== null) reject(error);
      else resolve(reply!);
    };
    const timer = setTimeout(() => finish(new Error(`well-behaved client: no answer to GET / within ${timeoutMs} ms`)), timeoutMs);
    session.on('error', (err) => finish(new Error(`well-behaved client: ${err.message}`)));
    session.on('close', () => finish(new Error('well-behaved client: the connection closed before the response ended')));
    const req = session.request({ ':method': 'GET', ':path': '/' });
    req.setEncoding('utf8');
    let status = 0;
    let body = '';
    req.on('response', (headers) => {
      status = Number(headers[':status']);
    });
    req.on('data', (chunk: string) => {
      body += chunk;
    });
    req.on('end', () => finish(null, { status, body, ms: performance.now() - start }));
    req.on('error', (err) => finish(new Error(`well-behaved client: stream error: ${err.message}`)));
  });
}

/** Outcome is a settled getHello: the reply, or why it failed. */
export type Outcome = { ok: true; reply: GoodReply } | { ok: false; error: string };

/** tryHello is getHello that never rejects. */
export function tryHello(port: number, timeoutMs = 5000): Promise<Outcome> {
  return getHello(port, timeoutMs).then(
    (reply) => ({ ok: true as const, reply }),
    (error: unknown) => ({ ok: false as const, error: error instanceof Error ? error.message : String(error) }),
  );
}
