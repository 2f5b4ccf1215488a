// h2spec's "hpack" suite (hpack.cases.ts) against h2wasm's server in this process, answering with
// conformanceHandler (or against H2_TARGET; CONFORMANCE_TARGET=demo-app for the demo app).
// demo-app.test.ts runs the same cases against `h2wasm serve` in its own process.

import { hpackCases } from './hpack.cases.js';
import { useTarget } from './suite.js';

useTarget();
hpackCases();
