// h2load (from nghttp2-client): find it, run it, parse its summary.
import { run } from './children.mjs';

export const INSTALL_HINT = 'h2load is missing: install it with `apt-get install nghttp2-client` (Debian/Ubuntu) or `brew install nghttp2` (macOS)';

/** h2loadVersion returns e.g. "nghttp2/1.52.0", or null when h2load is not installed. */
export async function h2loadVersion() {
  const r = await run('h2load', ['--version'], { timeoutMs: 10_000 });
  if (r.error || r.code !== 0) return null;
  const m = /h2load\s+(\S+)/.exec(r.stdout);
  return m ? m[1] : r.stdout.trim() || null;
}

const TIME_UNITS = { s: 1, ms: 1e-3, us: 1e-6, 'µs': 1e-6, ns: 1e-9 };
const BYTE_UNITS = { B: 1, KB: 1024, MB: 1024 ** 2, GB: 1024 ** 3, TB: 1024 ** 4 }; // h2load's units are binary

/** seconds parses an h2load duration such as "3.00s", "163us" or "5.89ms". */
function seconds(s) {
  const m = /^([\d.]+)(s|ms|us|µs|ns)$/.exec(s);
  if (!m) throw new Error(`h2load: cannot read the duration "${s}"`);
  return Number(m[1]) * TIME_UNITS[m[2]];
}

/**
 * parseH2load reads h2load's summary. Returns
 * { seconds, reqPerSec, mbPerSecReported, requests: { total, started, done, succeeded, failed, errored, timeout },
 *   status: { '2xx', '3xx', '4xx', '5xx' }, trafficBytes, dataBytes, latency: { min, max, mean, sd } (seconds), protocol, lines }
 * and throws when the summary is not there.
 */
export function parseH2load(text) {
  const out = { lines: [] };
  const keep = (line) => out.lines.push(line.trim());
  const fin = /finished in ([\d.]+\w+), ([\d.]+) req\/s, ([\d.]+)(B|KB|MB|GB|TB)\/s/.exec(text);
  if (!fin) throw new Error('h2load: no "finished in" line in its output');
  keep(fin[0]);
  out.seconds = seconds(fin[1]);
  out.reqPerSec = Number(fin[2]);
  out.mbPerSecReported = (Number(fin[3]) * BYTE_UNITS[fin[4]]) / 1e6;
  const req = /requests: (\d+) total, (\d+) started, (\d+) done, (\d+) succeeded, (\d+) failed, (\d+) errored, (\d+) timeout/.exec(text);
  if (!req) throw new Error('h2load: no "requests:" line in its output');
  keep(req[0]);
  const [total, started, done, succeeded, failed, errored, timeout] = req.slice(1).map(Number);
  out.requests = { total, started, done, succeeded, failed, errored, timeout };
  const st = /status codes: (\d+) 2xx, (\d+) 3xx, (\d+) 4xx, (\d+) 5xx/.exec(text);
  if (st) {
    keep(st[0]);
    out.status = { '2xx': Number(st[1]), '3xx': Number(st[2]), '4xx': Number(st[3]), '5xx': Number(st[4]) };
  }
  const tr = /traffic: .*?\((\d+)\) total, .*?\((\d+)\) headers.*?, .*?\((\d+)\) data/.exec(text);
  if (tr) {
    keep(tr[0]);
    out.trafficBytes = Number(tr[1]);
    out.headerBytes = Number(tr[2]);
    out.dataBytes = Number(tr[3]);
  }
  const lat = /time for request:\s+(\S+)\s+(\S+)\s+(\S+)\s+(\S+)/.exec(text);
  if (lat) {
    keep(lat[0]);
    out.latency = { min: seconds(lat[1]), max: seconds(lat[2]), mean: seconds(lat[3]), sd: seconds(lat[4]) };
  }
  const proto = /Application protocol: (\S+)/.exec(text);
  out.protocol = proto ? proto[1] : null;
  const tls = /TLS Protocol: (\S+)/.exec(text);
  if (tls) out.tls = tls[1];
  return out;
}

/**
 * problems lists why an h2load result is not a valid measurement: any failed,
 * errored or timed-out request, a non-2xx status, or a protocol other than h2/h2c.
 */
export function problems(r, { wantProtocol } = {}) {
  const p = [];
  const q = r.requests;
  if (q.failed) p.push(`${q.failed} failed`);
  if (q.errored) p.push(`${q.errored} errored`);
  if (q.timeout) p.push(`${q.timeout} timed out`);
  if (q.succeeded === 0) p.push('no request succeeded');
  if (r.status && r.status['2xx'] !== q.succeeded) p.push(`status codes ${JSON.stringify(r.status)} for ${q.succeeded} successes`);
  if (wantProtocol && r.protocol !== wantProtocol) p.push(`protocol ${r.protocol ?? 'none'}, not ${wantProtocol}`);
  return p;
}

/**
 * h2load runs h2load with args and returns { ok, result, problems, argv, stderr }.
 * timeoutMs bounds it; a non-zero exit, a timeout or an unreadable summary is a failure.
 */
export async function h2load(args, { timeoutMs, wantProtocol } = {}) {
  const r = await run('h2load', args, { timeoutMs });
  const argv = ['h2load', ...args].join(' ');
  if (r.timedOut) return { ok: false, problems: [`h2load timed out after ${timeoutMs} ms`], argv, stderr: r.stderr.slice(-2000) };
  let result;
  try {
    result = parseH2load(r.stdout);
  } catch (err) {
    return { ok: false, problems: [err.message, `exit ${r.code}`], argv, stderr: (r.stderr + r.stdout).slice(-2000) };
  }
  const p = problems(result, { wantProtocol });
  if (r.code !== 0) p.push(`h2load exited with ${r.code ?? r.signal}`);
  return { ok: p.length === 0, result, problems: p, argv, stderr: p.length ? (r.stderr + r.stdout).slice(-2000) : undefined };
}
