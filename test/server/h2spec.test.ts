// The real h2spec 2.6.0 (summerwind/h2spec, built from ../shared/tools by build-h2spec.sh) against
// `h2wasm serve` (the demo app) in its own process, as a user runs it: on the h2c port and on the
// TLS port (-t -k: frames then arrive in separate reads, as from real clients), with each codec.
// Four runs, each wanting every one of h2spec's 146 cases to pass; each case is its own
// assertion, named as the mirror in conformance/ names it ("http2/5.1 #8: closed: …").
//
// The binary: env H2SPEC, else .cache/h2spec, built on first use from ../shared/tools (the build
// script installs Debian's Go packages when they are missing, which needs root). Only when neither
// a binary nor ../shared/tools is there is this file skipped, with the reason as the test title —
// except under CI=true, where CI always has ../shared and a missing h2spec is a failure.

import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServerProcess, type ServerProcess } from '../helpers/server-process.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** BUILD_SCRIPT builds h2spec from the source tarball beside it (../shared/tools, read-only). */
const BUILD_SCRIPT = join(ROOT, '..', 'shared', 'tools', 'build-h2spec.sh');
/** CACHED is where .ci/run and this file build h2spec (.cache/ is not committed). */
const CACHED = join(ROOT, '.cache', 'h2spec');
/** H2SPEC_CASES is how many cases h2spec 2.6.0 runs without --strict. */
const H2SPEC_CASES = 146;
/** H2SPEC_TIMEOUT_S is h2spec's own wait for each expected frame (-o; its default, 2 s). */
const H2SPEC_TIMEOUT_S = 2;
/** RUN_DEADLINE_MS bounds one h2spec run. A passing run takes under a second; each failed case
 *  costs h2spec's 2 s wait, so a server that answers nothing would take 146 × 2 s: past this
 *  deadline h2spec is killed and the run fails, which keeps the four runs within CI's minutes. */
const RUN_DEADLINE_MS = 60_000;
/** BUILD_TIMEOUT_MS bounds building h2spec (and installing Go with apt-get, in CI). */
const BUILD_TIMEOUT_MS = 600_000;

/** binary is the h2spec to run, or why there is none. */
const binary: { path: string; build: boolean } | { skip: string } = (() => {
  const fromEnv = process.env.H2SPEC;
  if (fromEnv) return { path: fromEnv, build: false };
  if (existsSync(CACHED)) return { path: CACHED, build: false };
  if (existsSync(BUILD_SCRIPT)) return { path: CACHED, build: true };
  return { skip: `h2spec: no binary (env H2SPEC, ${CACHED}) and no ${BUILD_SCRIPT} to build one` };
})();

/** CaseResult is one h2spec case as its JUnit report tells it. */
interface CaseResult {
  /** "<package> #<n>: <description>", e.g. "http2/5.1 #8: closed: Sends a DATA frame after sending RST_STREAM frame". */
  name: string;
  outcome: 'passed' | 'failed' | 'skipped';
  /** What h2spec expected and what it got, for a failed case ("" otherwise). */
  detail: string;
}

/** parseJUnit reads h2spec's JUnit report (reporter/junit_report.go): one <testsuite package="http2/5.1">
 *  per section, one <testcase classname="description"> per case in h2spec's order (so the n-th is
 *  "#n"), with <failure> or <error> (the expected and actual frames) or <skipped>. */
function parseJUnit(xml: string): CaseResult[] {
  const out: CaseResult[] = [];
  for (const suite of xml.matchAll(/<testsuite\b([^>]*)>([\s\S]*?)<\/testsuite>/g)) {
    const pkg = attributes(suite[1]).package ?? '?';
    let n = 0;
    for (const tc of suite[2].matchAll(/<testcase\b([^>]*?)(?:\/>|>([\s\S]*?)<\/testcase>)/g)) {
      n++;
      const body = tc[2] ?? '';
      const problem = /<(failure|error)\b[^>]*>([\s\S]*?)<\/\1>|<(failure|error)\b[^>]*\/>/.exec(body);
      const outcome = problem !== null ? 'failed' : /<skipped\b/.test(body) ? 'skipped' : 'passed';
      out.push({
        name: `${pkg} #${n}: ${attributes(tc[1]).classname ?? '?'}`,
        outcome,
        detail: problem === null ? '' : describeProblem(unescapeXml(problem[2] ?? '')),
      });
    }
  }
  return out;
}

/** describeProblem renders a <failure> ("Expect:\n<alternatives>\nActual:\n<event>") or an <error>
 *  (TestError.Error(): the alternatives, one a line, then the event) as "expected A or B; got C". */
function describeProblem(text: string): string {
  const lines = text.split('\n').map((l) => l.trim()).filter((l) => l !== '' && l !== 'Expect:');
  const at = lines.indexOf('Actual:');
  const expected = at >= 0 ? lines.slice(0, at) : lines.slice(0, -1);
  const actual = at >= 0 ? lines.slice(at + 1) : lines.slice(-1);
  if (expected.length === 0) return actual.join(' ');
  return `expected ${expected.join(' or ')}; got ${actual.join(' ') || 'nothing'}`;
}

function attributes(s: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of s.matchAll(/([\w:-]+)="([^"]*)"/g)) out[m[1]] = unescapeXml(m[2]);
  return out;
}

function unescapeXml(s: string): string {
  return s.replace(/&(#x[0-9a-f]+|#\d+|amp|lt|gt|quot|apos);/gi, (_, e: string) => {
    if (e[0] === '#') return String.fromCodePoint(e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : Number(e.slice(1)));
    return ({ amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" } as Record<string, string>)[e.toLowerCase()];
  });
}

/** Run is what one h2spec run left: its cases (from the report), its output, how long it took. */
interface Run {
  cases: CaseResult[];
  output: string;
  seconds: number;
}

/** runH2spec runs h2spec against 127.0.0.1:port (TLS with -t -k) and reads its JUnit report. */
async function runH2spec(h2spec: string, port: number, tls: boolean): Promise<Run> {
  const dir = mkdtempSync(join(tmpdir(), 'h2spec-'));
  const report = join(dir, 'report.xml');
  const args = ['-h', '127.0.0.1', '-p', String(port), '-o', String(H2SPEC_TIMEOUT_S), '-j', report, ...(tls ? ['-t', '-k'] : [])];
  const started = performance.now();
  try {
    // h2spec exits 1 when a case fails: the report says which, so the exit code is not the verdict.
    const { output, killed } = await new Promise<{ output: string; killed: boolean }>((resolve) => {
      execFile(h2spec, args, { timeout: RUN_DEADLINE_MS, killSignal: 'SIGKILL', maxBuffer: 16 << 20 }, (error, stdout, stderr) => {
        resolve({ output: `${stdout}${stderr}`, killed: error !== null && (error as { killed?: boolean }).killed === true });
      });
    });
    const seconds = (performance.now() - started) / 1000;
    const tail = output.split('\n').slice(-40).join('\n');
    if (killed) throw new Error(`h2spec ${args.join(' ')} did not finish within ${RUN_DEADLINE_MS / 1000} s (a wedged server?); its output ends:\n${tail}`);
    if (!existsSync(report)) throw new Error(`h2spec ${args.join(' ')} wrote no report; its output ends:\n${tail}`);
    return { cases: parseJUnit(readFileSync(report, 'utf8')), output, seconds };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** buildH2spec runs ../shared/tools/build-h2spec.sh OUT (a no-op when OUT exists). */
function buildH2spec(out: string): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile('bash', [BUILD_SCRIPT, out], { timeout: BUILD_TIMEOUT_MS, maxBuffer: 16 << 20 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`building h2spec with ${BUILD_SCRIPT} failed (it installs Debian's Go packages with apt-get when they are missing: run it as root, or set H2SPEC to a built binary): ${error.message}\n${stdout}${stderr}`));
      else resolve();
    });
  });
}

/** expectAllPassed makes each case its own (soft) assertion named by the case, so a failed run
 *  lists every failed case with what h2spec expected and got. */
function expectAllPassed(run: Run): void {
  for (const c of run.cases) {
    expect.soft(c.outcome, c.detail === '' ? c.name : `${c.name}: h2spec ${c.detail}`).toBe('passed');
  }
  expect(run.cases.length, `h2spec cases in the report (${run.seconds.toFixed(1)} s)`).toBe(H2SPEC_CASES);
}

if ('skip' in binary && process.env.CI === 'true') {
  // CI always has ../shared (and .ci/run builds h2spec from it): missing there is a failure, not a skip.
  describe('h2spec 2.6.0 against h2wasm serve', () => {
    it('has the h2spec binary under CI', () => {
      expect.fail(binary.skip);
    });
  });
} else if ('skip' in binary) {
  console.warn(`test/server/h2spec.test.ts skipped: ${binary.skip}`);
  describe('h2spec 2.6.0 against h2wasm serve', () => {
    it.skip(`skipped: ${binary.skip}`, () => {});
  });
} else {
  const h2spec = binary;
  beforeAll(async () => {
    if (h2spec.build) await buildH2spec(h2spec.path);
    if (!existsSync(h2spec.path)) throw new Error(`h2spec: ${h2spec.path} does not exist (env H2SPEC names a file that is not there?)`);
  }, BUILD_TIMEOUT_MS);

  describe.each(['wasm', 'js'] as const)('h2spec 2.6.0 against h2wasm serve --codec %s (own process)', (codec) => {
    let server: ServerProcess | undefined;
    beforeAll(async () => {
      server = await startServerProcess(['--tls-port', '0', '--tls-self-signed', '--codec', codec]);
    }, 30_000);
    afterAll(async () => {
      // A server that h2spec wedged ignores SIGTERM: stop() kills it then, and fails the file.
      await server?.stop();
    }, 30_000);

    it.each([['h2c', false], ['TLS', true]] as const)(`%s: ${H2SPEC_CASES}/${H2SPEC_CASES} cases pass`, async (transport, tls) => {
      const s = server!;
      const run = await runH2spec(h2spec.path, tls ? s.tlsPort! : s.port, tls);
      const passed = run.cases.filter((c) => c.outcome === 'passed').length;
      console.log(`h2spec ${transport} --codec ${codec}: ${passed}/${run.cases.length} passed in ${run.seconds.toFixed(1)} s`);
      expectAllPassed(run);
    }, RUN_DEADLINE_MS + 20_000);
  });
}
