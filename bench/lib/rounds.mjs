// Timing in rounds, for the benchmarks that time closures in this process
// (bench/codec.mjs, bench/frames.mjs): each round times every operation of a
// workload once, one after the other, so drift on the machine (other work,
// clock changes, GC) spreads over all of them instead of landing on one; the
// median over rounds is the figure. bench/workerd.mjs and bench/server.mjs,
// which time their rounds their own way, take their medians from here too.
// Node only (process.hrtime).

/** median returns the middle of a list of numbers (the mean of the two middle ones for an even count), or null for an empty list. */
export function median(a) {
  if (a.length === 0) return null;
  const s = [...a].sort((x, y) => x - y);
  const k = s.length >> 1;
  return s.length % 2 ? s[k] : (s[k - 1] + s[k]) / 2;
}

/** cpuNs returns the CPU time this process has used, in ns (user + system, every thread, µs resolution). */
export function cpuNs() {
  const u = process.cpuUsage();
  return (u.user + u.system) * 1000;
}

/**
 * timePerCall runs fn repeatedly for about roundMs and returns ns per call.
 * clock 'wall' (the default) times by the monotonic clock; 'cpu' by the
 * process's CPU time, which leaves out the time other work on a busy machine
 * keeps this process off the cores (it counts the collector's helper threads).
 */
export function timePerCall(fn, roundMs, clock = 'wall') {
  let n = 0;
  if (clock === 'cpu') {
    const c0 = cpuNs();
    let dc = 0;
    do {
      fn();
      n++;
      dc = cpuNs() - c0;
    } while (dc < roundMs * 1e6);
    return dc / n;
  }
  const t0 = process.hrtime.bigint();
  let dt = 0n;
  do {
    fn();
    n++;
    dt = process.hrtime.bigint() - t0;
  } while (dt < BigInt(roundMs) * 1_000_000n);
  return Number(dt) / n;
}

/**
 * timeRounds warms every operation up (warmUp calls each, in list order),
 * then, rounds times, times each operation ({ fn }) for about roundMs in
 * list order, and returns a Map from operation to its samples in ns per
 * call, one per round. onRound, when given, is called after each round;
 * clock is timePerCall's.
 */
export function timeRounds(ops, { rounds, roundMs, warmUp = 1, onRound = () => {}, clock = 'wall' }) {
  for (const o of ops) for (let k = 0; k < warmUp; k++) o.fn();
  const samples = new Map(ops.map((o) => [o, []]));
  for (let r = 0; r < rounds; r++) {
    for (const o of ops) samples.get(o).push(timePerCall(o.fn, roundMs, clock));
    onRound(r);
  }
  return samples;
}
