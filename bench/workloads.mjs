// Header-list workloads for the HPACK codec benchmarks (bench/codec.mjs, bench/workerd.mjs).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { shapeBlock } from './lib/shapes.mjs';

const here = dirname(fileURLToPath(import.meta.url));
export const CORPUS_ROOT = join(here, '..', '..', 'shared', 'hpack-test-case');
export const CORPUS_DIR = join(CORPUS_ROOT, 'raw-data');

/** ENCODER_FOLDERS are the hpack-test-case folders made by other implementations' encoders (raw-data has no wires). */
export const ENCODER_FOLDERS = ['go-hpack', 'haskell-http2-linear-huffman', 'nghttp2', 'node-http2-hpack', 'python-hpack', 'swift-nio-hpack-huffman'];

/** folderStories returns a folder's stories as { wires: hex[], lists }, one per story (one connection each), or null when missing. */
export function folderStories(folder) {
  const dir = join(CORPUS_ROOT, folder);
  if (!existsSync(dir)) return null;
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => {
      const cases = JSON.parse(readFileSync(join(dir, f), 'utf8')).cases;
      return { wires: cases.map((c) => c.wire), lists: cases.map((c) => c.headers.map((h) => Object.entries(h)[0])) };
    });
}

/** hex returns a Uint8Array's octets as lowercase hex. */
function hex(bytes) {
  let s = '';
  for (const b of bytes) s += (b < 16 ? '0' : '') + b.toString(16);
  return s;
}

/** shapeWires encodes every header list of every connection in one literal shape (bench/lib/shapes.mjs), as hex. */
function shapeWires(connections, shape) {
  return connections.map((lists) => lists.map((l) => hex(shapeBlock(l, shape))));
}

/**
 * codecWorkloads returns the workloads of the codec benchmarks (bench/codec.mjs,
 * bench/workerd.mjs), in report order. Each is { name, group, connections }
 * (header lists, one array per connection) plus, for blocks made by other
 * encoders, wires (hex, the same shape) and encode: false; without wires the
 * blocks are made by h2wasm's encoder with encoderOptions. group is 'server
 * meets' for what a server decodes, 'h2wasm-encoded' for blocks h2wasm's own
 * encoder made, 'response' for the encode-side workloads. quick takes every
 * fourth story of the corpus folders.
 */
export function codecWorkloads({ quick = false } = {}) {
  const pick = (stories) => (quick ? stories.filter((_, i) => i % 4 === 0) : stories);
  const out = [];
  for (const folder of ENCODER_FOLDERS) {
    const stories = folderStories(folder);
    if (!stories) continue;
    const some = pick(stories);
    out.push({ name: `${folder} (hpack-test-case)`, group: 'server meets', connections: some.map((s) => s.lists), wires: some.map((s) => s.wires), encode: false });
  }
  const corpus = corpusStories();
  if (corpus) {
    const some = pick(corpus);
    out.push({ name: 'never-indexed, Huffman (corpus lists)', group: 'server meets', connections: some, wires: shapeWires(some, { literal: 'never', staticIndex: true, huffman: true }), encode: false });
    out.push({ name: 'without indexing, no Huffman (corpus lists)', group: 'server meets', connections: some, wires: shapeWires(some, { literal: 'without', staticIndex: true, huffman: false }), encode: false });
    out.push({ name: 'static table only (corpus lists)', group: 'server meets', connections: some, wires: shapeWires(some, { literal: 'without', staticIndex: true, huffman: true }), encode: false });
    out.push({ name: 'incremental indexing, no Huffman (corpus lists)', group: 'server meets', connections: some, encoderOptions: { huffman: 'never' }, encode: false });
  }
  const cookies = cookieRequests(100);
  out.push({ name: 'large cookies, never-indexed literals', group: 'server meets', connections: [cookies], wires: shapeWires([cookies], { literal: 'never', staticIndex: true, huffman: true }), encode: false });
  out.push({ name: 'many small fields (40 per request)', group: 'server meets', connections: [smallFieldRequests(100)], encode: false });
  out.push({ name: 'browser page loads (Chrome-like requests)', group: 'server meets', connections: browserSessions(4, 25), encode: false });
  if (corpus) out.push({ name: 'corpus (hpack-test-case raw-data)', group: 'h2wasm-encoded', connections: pick(corpus) });
  out.push({ name: 'requests with large cookies', group: 'h2wasm-encoded', connections: [cookies] });
  out.push({ name: 'hello response (3 fields)', group: 'response', connections: [Array.from({ length: 100 }, () => HELLO_RESPONSE)] });
  out.push({ name: 'Rails-shaped response (25 fields)', group: 'response', connections: [railsSequence(100)] });
  return out;
}

/** smallFieldRequests returns n requests of 40 short custom fields each, half of the values changing from one request to the next. */
export function smallFieldRequests(n) {
  const out = [];
  for (let i = 0; i < n; i++) {
    const list = [[':method', 'GET'], [':scheme', 'https'], [':authority', 'api.example.com'], [':path', `/v1/items/${i}`]];
    for (let k = 0; k < 36; k++) list.push([`x-f${k}`, k % 2 === 0 ? `v${k}` : String((i * 31 + k * 7) % 1000)]);
    out.push(list);
  }
  return out;
}

/**
 * browserSessions returns `sessions` connections, each a page load as Chrome
 * sends it: a navigation, then `perPage` - 1 subresource requests (styles,
 * scripts, images, fetches) with the fields Chrome 131 sends, a cookie, and
 * a referer.
 */
export function browserSessions(sessions, perPage) {
  const kinds = [
    ['style', 'text/css,*/*;q=0.1', 'no-cors', 'u=0', (k) => `/assets/app-${k}.css`],
    ['script', '*/*', 'no-cors', 'u=1', (k) => `/assets/chunk-${(k * 2654435761 >>> 0).toString(16)}.js`],
    ['image', 'image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8', 'no-cors', 'u=2, i', (k) => `/img/p/${k}/thumb.webp`],
    ['empty', 'application/json', 'cors', 'u=1, i', (k) => `/api/v2/feed?cursor=${k * 37}&limit=20`],
  ];
  const out = [];
  for (let s = 0; s < sessions; s++) {
    const cookie = `sid=${(s * 7919).toString(36)}a8f3e2d1c0b9; _ga=GA1.1.${1000000 + s}.1732000000; consent=granted; theme=light`;
    const common = [
      ['sec-ch-ua', '"Google Chrome";v="131", "Chromium";v="131", "Not_A Brand";v="24"'],
      ['sec-ch-ua-mobile', '?0'],
      ['sec-ch-ua-platform', '"Windows"'],
      ['user-agent', 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36'],
    ];
    const page = `/news/2026/11/story-${s}`;
    const requests = [[
      [':method', 'GET'], [':authority', 'www.example.com'], [':scheme', 'https'], [':path', page],
      ...common.slice(0, 3), ['upgrade-insecure-requests', '1'], common[3],
      ['accept', 'text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.7'],
      ['sec-fetch-site', 'none'], ['sec-fetch-mode', 'navigate'], ['sec-fetch-user', '?1'], ['sec-fetch-dest', 'document'],
      ['accept-encoding', 'gzip, deflate, br, zstd'], ['accept-language', 'en-GB,en-US;q=0.9,en;q=0.8'], ['cookie', cookie], ['priority', 'u=0, i'],
    ]];
    for (let k = 1; k < perPage; k++) {
      const [dest, accept, mode, priority, path] = kinds[k % kinds.length];
      requests.push([
        [':method', 'GET'], [':authority', 'www.example.com'], [':scheme', 'https'], [':path', path(k + s * perPage)],
        ...common, ['accept', accept], ['sec-fetch-site', 'same-origin'], ['sec-fetch-mode', mode], ['sec-fetch-dest', dest],
        ['referer', `https://www.example.com${page}`], ['accept-encoding', 'gzip, deflate, br, zstd'],
        ['accept-language', 'en-GB,en-US;q=0.9,en;q=0.8'], ['cookie', cookie], ['priority', priority],
      ]);
    }
    out.push(requests);
  }
  return out;
}

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
