// Ticker: one coarse timer for every connection's deadlines (SETTINGS ack,
// idle close, stream reaping, the graceful-shutdown wait), in the manner of
// nghttp2's and Sōzu's timer wheels. A timer object per connection per
// deadline costs more memory than an idle connection's whole engine state.

import { readClock } from './clock.js';

/** TICK_MS is the ticker's period: every deadline is honoured within this much. */
export const TICK_MS = 250;

/** Ticking is a connection with deadlines to check. */
export interface Ticking {
  /** tick checks the deadlines against now (ms since the epoch). */
  tick(now: number): void;
}

const clients = new Set<Ticking>();
let timer: ReturnType<typeof setInterval> | null = null;

function tickAll(): void {
  const now = readClock();
  for (const c of clients) c.tick(now);
}

/** startTicking registers c; the timer runs while anyone is registered and never keeps the process alive. */
export function startTicking(c: Ticking): void {
  clients.add(c);
  if (timer === null) {
    timer = setInterval(tickAll, TICK_MS);
    (timer as { unref?: () => void }).unref?.();
  }
}

/** stopTicking unregisters c, stopping the timer with the last one. */
export function stopTicking(c: Ticking): void {
  clients.delete(c);
  if (clients.size === 0 && timer !== null) {
    clearInterval(timer);
    timer = null;
  }
}
