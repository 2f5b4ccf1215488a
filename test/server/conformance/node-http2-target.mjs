// A comparison target for the conformance suite: Node's own http2 server
// (h2c, prior knowledge) answering every request with 200 and a small body
// after reading the request body, like conformance-target.ts's handler.
//
//   node test/server/conformance/node-http2-target.mjs [PORT]   (default 18444)
//   H2_TARGET=127.0.0.1:18444 npx vitest run test/server/conformance
import http2 from 'node:http2';

const port = Number(process.argv[2] ?? 18444);
const body = 'hello from node:http2 conformance\n';
const server = http2.createServer();
server.on('stream', (stream) => {
  stream.on('error', () => {});
  stream.resume();
  stream.on('end', () => {
    if (stream.destroyed || stream.closed) return;
    stream.respond({ ':status': 200, 'content-type': 'text/plain', 'content-length': body.length });
    stream.end(body);
  });
});
server.on('sessionError', () => {});
server.listen(port, '127.0.0.1', () => console.log(`node:http2 ${process.version} listening on 127.0.0.1:${port}`));
