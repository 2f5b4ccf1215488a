// Header-list workloads for the HPACK codec benchmarks (bench/codec.mjs, bench/workerd.mjs).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
export const CORPUS_DIR = join(here, '..', '..', 'shared', 'hpack-test-case', 'raw-data');

/** corpusStories returns every raw-data story as a list of header lists, or null when the corpus is missing. */
export function corpusStories() {
  if (!existsSync(CORPUS_DIR)) return null;
  return readdirSync(CORPUS_DIR)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => JSON.parse(readFileSync(join(CORPUS_DIR, f), 'utf8')).cases.map((c) => c.headers.map((h) => Object.entries(h)[0])));
}

/** A minimal response: what `GET /` on a hello-world server answers. */
export const HELLO_RESPONSE = [
  [':status', '200'],
  ['content-type', 'text/plain'],
  ['content-length', '12'],
];

/** A Rails-shaped response: 25 fields, as a Rails app behind a proxy sends (Hyperion's headline workload). */
export const RAILS_RESPONSE = [
  [':status', '200'],
  ['date', 'Sat, 21 Nov 2026 11:43:10 GMT'],
  ['content-type', 'text/html; charset=utf-8'],
  ['content-length', '18734'],
  ['cache-control', 'max-age=0, private, must-revalidate'],
  ['etag', 'W/"5e0f2a9d7c3b1f8a6e4d2c0b9a8f7e6d"'],
  ['x-frame-options', 'SAMEORIGIN'],
  ['x-xss-protection', '0'],
  ['x-content-type-options', 'nosniff'],
  ['x-permitted-cross-domain-policies', 'none'],
  ['referrer-policy', 'strict-origin-when-cross-origin'],
  ['content-security-policy', "default-src 'self' https:; font-src 'self' https: data:; img-src 'self' https: data:; object-src 'none'; script-src 'self' https:; style-src 'self' https: 'unsafe-inline'"],
  ['x-request-id', '7f3c9a2e-41d5-4b8e-9c6f-2a1b3c4d5e6f'],
  ['x-runtime', '0.023417'],
  ['server-timing', 'start_processing.action_controller;dur=0.12, sql.active_record;dur=3.41, render_template.action_view;dur=8.77'],
  ['vary', 'Accept, Accept-Encoding'],
  ['strict-transport-security', 'max-age=63072000; includeSubDomains'],
  ['set-cookie', '_app_session=Zm9vYmFyYmF6cXV4cXV1eGNvcmdlZ3JhdWx0Z2FycGx5d2FsZG9mcmVk--a1b2c3d4e5f6; path=/; secure; HttpOnly; SameSite=Lax'],
  ['link', '</assets/application-4f2a.css>; rel=preload; as=style, </assets/application-9c1d.js>; rel=preload; as=script'],
  ['x-download-options', 'noopen'],
  ['permissions-policy', 'camera=(), microphone=(), geolocation=()'],
  ['cross-origin-opener-policy', 'same-origin'],
  ['via', '1.1 vegur'],
  ['age', '0'],
  ['accept-ranges', 'bytes'],
];

/**
 * railsSequence returns n Rails-shaped responses as one connection sends
 * them: RAILS_RESPONSE with the request id, the runtime and the etag changing
 * from one response to the next, as they do between real responses.
 */
export function railsSequence(n) {
  const out = [];
  for (let i = 0; i < n; i++) {
    out.push(
      RAILS_RESPONSE.map(([k, v]) => {
        if (k === 'x-request-id') return [k, `7f3c9a2e-41d5-4b8e-9c6f-${String(i).padStart(12, '0')}`];
        if (k === 'x-runtime') return [k, (0.01 + i / 1e4).toFixed(6)];
        if (k === 'etag') return [k, `W/"5e0f2a9d7c3b1f8a6e4d2c0b${String(i).padStart(6, '0')}"`];
        return [k, v];
      }),
    );
  }
  return out;
}

/** Requests carrying large cookies, as a logged-in browser sends them. */
export function cookieRequests(n = 20) {
  const list = [];
  for (let i = 0; i < n; i++) {
    list.push([
      [':method', 'GET'],
      [':scheme', 'https'],
      [':authority', 'app.example.com'],
      [':path', `/dashboard/items/${1000 + i}?tab=activity`],
      ['user-agent', 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36'],
      ['accept', 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8'],
      ['accept-language', 'en-US,en;q=0.9'],
      ['accept-encoding', 'gzip, deflate, br'],
      ['cookie', `_ga=GA1.2.${123456789 + i}.1700000000; _gid=GA1.2.987654321.1700000000; theme=dark; locale=en`],
      ['cookie', `_app_session=${'a1b2c3d4e5f6a7b8c9d0'.repeat(20)}--${String(i).padStart(8, '0')}`],
      ['cookie', `remember_user_token=${'W1sxMjM0NV0sIiQyYSQxMiRhYmNkZWZnaGlqa2xtbm9wcXJzdHUiLCIxNzAwMDAwMDAwLjAiXQ'.repeat(3)}`],
    ]);
  }
  return list;
}
