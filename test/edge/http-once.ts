// A GET on a connection of its own, for tests that break responses.
import * as http from 'node:http';

/** getOnce GETs on a connection of its own (no keep-alive pool): a test that breaks a response
 *  must not leave a dead connection for the next test's fetch. A broken response resolves too. */
export function getOnce(url: URL): Promise<{ status: number | null; body: string | null }> {
  return new Promise((resolve) => {
    const req = http.get(url, { agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => { body += c; });
      res.on('end', () => resolve({ status: res.statusCode ?? null, body }));
      res.on('error', () => resolve({ status: res.statusCode ?? null, body: null }));
      res.on('aborted', () => resolve({ status: res.statusCode ?? null, body: null }));
    });
    req.on('error', () => resolve({ status: null, body: null }));
  });
}
