// Shared set-up for the conformance files: one target server per file (h2wasm
// started fresh in this process, the demo app in its own, or H2_TARGET), fresh
// client connections per test, every socket closed after each test. After a
// failed test the target is checked: once it no longer completes a handshake
// (a wedged or dead server), the remaining tests fail at once with the reason
// instead of each waiting out its timeouts.

import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';
import { concatBytes } from '../../../host/bytes.js';
import { RawH2, closeAll, DEFAULT_TIMEOUT_MS, type ConnectOptions } from '../../helpers/raw-h2.js';
import { startTarget, type Target, type TargetOptions } from '../../helpers/conformance-target.js';

/** T is the per-expectation timeout. */
export const T = DEFAULT_TIMEOUT_MS;

/** CASE_TIMEOUT bounds one test: a handshake and a few expectations, each at most T. */
export const CASE_TIMEOUT = 6 * T + 2000;

/** PROBE_TIMEOUT_MS bounds the handshake that checks, after a failed test, that the target still serves. */
const PROBE_TIMEOUT_MS = 2000;

let target: Target | undefined;
/** Why the target no longer serves, once a check after a failed test found it so. */
let gone: string | null = null;
let checkNext = false;

/** useTarget starts the target before the file's (or describe block's) tests and stops it after;
 *  it closes every client socket after each test, and checks the target after a failed one. */
export function useTarget(options: TargetOptions = {}): void {
  beforeAll(async () => {
    target = await startTarget(options);
    gone = null;
    checkNext = false;
  }, 30_000);
  beforeEach(async ({ onTestFailed }) => {
    if (checkNext) {
      checkNext = false;
      gone = await stillServes(currentTarget());
    }
    if (gone !== null) throw new Error(`conformance: the target no longer serves (${gone}); this case was not tried`);
    onTestFailed(() => {
      checkNext = true;
    });
  }, PROBE_TIMEOUT_MS + 1000);
  afterEach(() => {
    closeAll();
  });
  afterAll(async () => {
    closeAll();
    await target?.stop();
    target = undefined;
  }, 30_000);
}

/** stillServes reports why the target no longer serves (it exited, or no handshake completes
 *  within PROBE_TIMEOUT_MS), or null when it does. */
async function stillServes(t: Target): Promise<string | null> {
  const exited = t.exited?.() ?? null;
  if (exited !== null) return exited;
  let c: RawH2 | undefined;
  try {
    c = await RawH2.connect(t.port, t.host, { timeoutMs: PROBE_TIMEOUT_MS });
    await c.handshake();
    return null;
  } catch (e) {
    return `no handshake: ${e instanceof Error ? e.message : String(e)}`;
  } finally {
    c?.close();
  }
}

/** currentTarget is the running target (throws if useTarget's beforeAll failed). */
export function currentTarget(): Target {
  if (target === undefined) throw new Error('conformance: no target server (see the beforeAll error above)');
  return target;
}

/** connect opens a client connection to the target, without the preface (paced as the target asks). */
export function connect(options?: ConnectOptions): Promise<RawH2> {
  const t = currentTarget();
  return RawH2.connect(t.port, t.host, { paceMs: t.paceMs, ...options });
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
