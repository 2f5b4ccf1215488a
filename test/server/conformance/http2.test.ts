// h2spec's "http2" suite (http2.cases.ts) against h2wasm's server in this process, answering with
// conformanceHandler (or against H2_TARGET; CONFORMANCE_TARGET=demo-app for the demo app).
// demo-app.test.ts runs the same cases against `h2wasm serve` in its own process.

import { http2Cases } from './http2.cases.js';
import { useTarget } from './suite.js';

useTarget();
http2Cases();
