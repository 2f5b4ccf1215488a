// Shared set-up for the conformance files: one target server per file (h2wasm
// started fresh, or H2_TARGET), fresh client connections per test, every
// socket closed after each test.

import { afterAll, afterEach, beforeAll } from 'vitest';
import { concatBytes } from '../../../host/bytes.js';
import { RawH2, closeAll, DEFAULT_TIMEOUT_MS, type ConnectOptions } from '../../helpers/raw-h2.js';
import { startTarget, type Target } from '../../helpers/conformance-target.js';

/** T is the per-expectation timeout. */
export const T = DEFAULT_TIMEOUT_MS;

/** CASE_TIMEOUT bounds one test: a handshake and a few expectations, each at most T. */
export const CASE_TIMEOUT = 6 * T + 2000;

let target: Target | undefined;

/** useTarget starts the target before the file's tests and stops it after; it closes every client socket after each test. */
export function useTarget(): void {
  beforeAll(async () => {
    target = await startTarget();
  }, 30_000);
  afterEach(() => {
    closeAll();
  });
  afterAll(async () => {
    closeAll();
    await target?.stop();
    target = undefined;
  }, 30_000);
}

/** currentTarget is the running target (throws if useTarget's beforeAll failed). */
export function currentTarget(): Target {
  if (target === undefined) throw new Error('conformance: no target server (see the beforeAll error above)');
  return target;
}

/** connect opens a client connection to the target, without the preface. */
export function connect(options?: ConnectOptions): Promise<RawH2> {
  const t = currentTarget();
  return RawH2.connect(t.port, t.host, options);
}

/** handshake opens a client connection and completes h2spec's handshake. */
export async function handshake(options?: ConnectOptions): Promise<RawH2> {
  const c = await connect(options);
  await c.handshake();
  return c;
}

/** commonBlockWith is the common request's field block with one more representation `rep` (raw
 *  octets) after it, or before it when `prepend` (h2spec puts table size updates first). */
export function commonBlockWith(c: RawH2, rep: Uint8Array, prepend = false): Uint8Array {
  const common = c.encodeHeaders(c.commonHeaders());
  return concatBytes(prepend ? [rep, common] : [common, rep]);
}
