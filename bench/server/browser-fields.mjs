// The browser-like request fields of the server benchmark's request-heavy workload
// (bench/server.mjs) and of its profile (bench/profile-server.mjs).

/** BROWSER_FIELDS are the request fields a browser sends for a page's subresource (Chrome's, with a
 *  session cookie): the request-heavy workload, where decoding what the client's encoder made counts. */
export const BROWSER_FIELDS = [
  'user-agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
  'accept: text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng,*/*;q=0.8',
  'accept-encoding: gzip, deflate, br, zstd',
  'accept-language: en-GB,en-US;q=0.9,en;q=0.8',
  'cache-control: max-age=0',
  'sec-ch-ua: "Chromium";v="131", "Not_A Brand";v="24"',
  'sec-ch-ua-mobile: ?0',
  'sec-ch-ua-platform: "Linux"',
  'sec-fetch-dest: document',
  'sec-fetch-mode: navigate',
  'sec-fetch-site: none',
  'sec-fetch-user: ?1',
  'upgrade-insecure-requests: 1',
  'priority: u=0, i',
  'referer: https://www.example.com/articles/2026/11/http2-in-webassembly',
  'cookie: session=9f2c4e7a1b3d5f60718293a4b5c6d7e8f9012345; theme=dark; consent=analytics:1,ads:0; _ga=GA1.1.1234567890.1764460800',
];

