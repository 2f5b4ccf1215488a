#!/usr/bin/env node
// What the fetch objects of one response cost in this Node, with no HTTP at
// all: the floor under any client whose API hands out a web Response with a
// streamed body (the h2wasm client's session.fetch, undici's fetch).
//
//   node bench/client/fetch-objects.mjs [--count 50000]
const args = process.argv.slice(2);
const N = Number(args.includes('--count') ? args[args.indexOf('--count') + 1] : 50_000);
const body = new Uint8Array(12);
const fields = [['content-type', 'text/plain'], ['content-length', '12'], ['date', 'Mon, 30 Nov 2026 16:00:00 GMT'], ['server', 'nghttpd nghttp2/1.52.0']];

/** cost runs f N times after N/10 unmeasured and prints its CPU and wall time per call. */
async function cost(label, f) {
  for (let i = 0; i < N / 10; i++) await f();
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < N; i++) await f();
  const wall = Number(process.hrtime.bigint() - t0) / N / 1000;
  const cpu = process.cpuUsage(cpu0);
  console.log(`${label.padEnd(66)} ${((cpu.user + cpu.system) / N).toFixed(2).padStart(6)} µs CPU, ${wall.toFixed(2).padStart(6)} µs wall`);
}

const source = () => ({ pull(c) { c.enqueue(body); c.close(); } });
console.log(`Node ${process.version}, ${N} of each:`);
await cost('an empty async call (the loop itself)', async () => {});
await cost('new ReadableStream', async () => { new ReadableStream(source()); });
await cost('new ReadableStream, read with for await', async () => { for await (const c of new ReadableStream(source())) void c; });
await cost('new Response(null) + 4 fields appended to its Headers', async () => {
  const r = new Response(null, { status: 200 });
  for (const [n, v] of fields) r.headers.append(n, v);
});
await cost('the three: Response(stream) + 4 fields + body read with for await', async () => {
  const r = new Response(new ReadableStream(source()), { status: 200 });
  for (const [n, v] of fields) r.headers.append(n, v);
  for await (const c of r.body) void c;
});
