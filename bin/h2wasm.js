#!/usr/bin/env -S node --max-semi-space-size=32
// The h2wasm command: see `h2wasm help`.
//
// The young generation is sized for a server (32 MiB semi-spaces, V8's default is 16): with
// thousands of requests in flight (h2load -c100 -m100), a request's objects outlived two
// scavenges of the default size, were promoted and died in the old generation, and mark-compacts
// took a fifth of the CPU (docs/BENCHMARKS.md). Run as `node bin/h2wasm.js`, pass the flag yourself
// (or NODE_OPTIONS=--max-semi-space-size=32). Workers of --workers inherit it.
import { main } from '../dist/host/node/cli.js';

process.exitCode = await main(process.argv.slice(2));
