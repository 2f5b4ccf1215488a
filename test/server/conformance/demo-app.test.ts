// The whole mirror (h2spec's generic, http2 and hpack suites and the guards) against the demo app
// as users run it: `h2wasm serve --codec wasm` in its own process, over h2c, every frame in its own
// write (DEFAULT_DEMO_APP_PACE_MS apart), as real clients' frames arrive over TLS. Unlike
// conformanceHandler, the demo app answers `GET /` (and a POST to / with 405) at once, before the
// request has ended, so the engine must go on judging the peer's frames on a stream it has
// already answered (RFC 9113 §8.1: the stream is then half-closed (local)).
// With H2_TARGET set, this file is the paced run against that server instead.

import { describe } from 'vitest';
import { DEFAULT_DEMO_APP_PACE_MS } from '../../helpers/conformance-target.js';
import { genericCases } from './generic.cases.js';
import { guardCases } from './guards.cases.js';
import { hpackCases } from './hpack.cases.js';
import { http2Cases } from './http2.cases.js';
import { useTarget } from './suite.js';

const title = process.env.H2_TARGET
  ? `H2_TARGET ${process.env.H2_TARGET}, paced writes`
  : 'demo app (h2wasm serve --codec wasm, own process, paced writes)';

describe(title, () => {
  useTarget({ demoApp: true, codec: 'wasm', paceMs: DEFAULT_DEMO_APP_PACE_MS });
  genericCases();
  http2Cases();
  hpackCases();
  guardCases();
});
