#!/usr/bin/env node
// The h2wasm command: see `h2wasm help`.
import { main } from '../dist/host/node/cli.js';

process.exitCode = await main(process.argv.slice(2));
