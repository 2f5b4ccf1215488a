// A peer for bench/server.mjs: Deno's Deno.serve (hyper), as a Deno user writes it, answering
// GET / with "hello world\n" over HTTP/1.1 and h2c with prior knowledge on 127.0.0.1:PORT.
//   deno run --allow-net bench/server/deno-serve.ts PORT
// Stops on SIGTERM.
const port = Number(Deno.args[0] ?? 8080);
const server = Deno.serve({ hostname: '127.0.0.1', port, onListen() {} }, (req: Request) => {
  const url = new URL(req.url);
  if (url.pathname === '/') return new Response('hello world\n', { headers: { 'content-type': 'text/plain' } });
  return new Response('not found\n', { status: 404, headers: { 'content-type': 'text/plain' } });
});
Deno.addSignalListener('SIGTERM', () => void server.shutdown());
