// The engine's millisecond clock. Date.now() is a system call's worth of work
// (a vDSO clock read and a conversion): ~3% of the server's CPU at h2load
// -c10 -m10 when it was read for every response. It is read once per socket
// read, once per tick (TICK_MS) and when a connection starts (no ticker runs
// while none is open), and everything else that needs the time of day to the
// second or a deadline's progress takes that reading.

let last = Date.now();

/** readClock reads the clock and keeps the reading for coarseNow. */
export function readClock(): number {
  last = Date.now();
  return last;
}

/** coarseNow returns the last reading: at most one tick (250 ms) old while any connection is open,
 *  as the ticker reads the clock; fine for deadlines of seconds and a Date field to the second. */
export function coarseNow(): number {
  return last;
}
