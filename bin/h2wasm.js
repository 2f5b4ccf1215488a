#!/usr/bin/env -S node --max-semi-space-size=32 --v8-pool-size=0
// The h2wasm command: see `h2wasm help`.
//
// The young generation is sized for a server (32 MiB semi-spaces, V8's default is 16): with
// thousands of requests in flight (h2load -c100 -m100), a request's objects outlived two
// scavenges of the default size, were promoted and died in the old generation, and mark-compacts
// took a fifth of the CPU (docs/BENCHMARKS.md). V8's helper threads are one fewer than the cores
// (--v8-pool-size=0; Node's default is 4 whatever the machine): each helper kept a malloc arena of
// its own after a burst of new connections, 1.8 KiB per idle connection on 2 cores. Run as
// `node bin/h2wasm.js`, pass the flags yourself (or NODE_OPTIONS). Workers of --workers inherit them.
import { main } from '../dist/host/node/cli.js';

process.exitCode = await main(process.argv.slice(2));
