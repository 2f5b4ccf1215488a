// Flow-control window arithmetic (RFC 9113 §5.2, §6.9), shared by the
// connection and the stream windows.
//
// A window is a signed 31-bit value kept in an i32. It may be negative: after
// a SETTINGS_INITIAL_WINDOW_SIZE decrease (RFC 9113 §6.9.2) a stream's window
// can drop below zero. It never exceeds MAX_WINDOW_SIZE, and it never goes
// below -MAX_WINDOW_SIZE (see the bounds argued in flow/control.ts), so every
// sum below fits in 32 bits and means the same in WebAssembly and in JS.

import { MAX_WINDOW_SIZE } from '../abi';

/**
 * WINDOW_UPDATE_DIVISOR sets when consumed bytes are given back to the peer:
 * a receive window is replenished once its unannounced bytes (consumed by the
 * application, not yet sent in a WINDOW_UPDATE) reach target / DIVISOR.
 *
 * Why half the target (as nghttp2 does, and Go's transport in spirit): one
 * WINDOW_UPDATE per DATA frame would double the frame count on a busy
 * connection for nothing, so small consumptions are batched. Yet the peer is
 * never stalled by the batching: whenever the application has consumed
 * everything it was given, the unannounced bytes are below half the target,
 * so the peer still has more than half the target left to send. Only an
 * application that stops consuming stalls the peer, which is the point of
 * flow control.
 */
export const WINDOW_UPDATE_DIVISOR = 2;

/** updateThreshold returns how many unannounced bytes make a WINDOW_UPDATE worth sending for a window whose target is target. */
export function updateThreshold(target: i32): i32 {
  return i32(target / WINDOW_UPDATE_DIVISOR);
}

/**
 * announceable returns the WINDOW_UPDATE increment to send for a receive
 * window with unannounced bytes pending and the given target: all of them
 * once they reach the threshold, otherwise 0. An increment of 0 is never
 * announced (RFC 9113 §6.9: "A receiver MUST treat the receipt of a
 * WINDOW_UPDATE frame with a flow-control window increment of 0 as a stream
 * error").
 */
export function announceable(unannounced: i32, target: i32): i32 {
  if (unannounced <= 0) return 0;
  return unannounced >= updateThreshold(target) ? unannounced : 0;
}

/**
 * exceedsMaxWindow reports whether window + delta would exceed 2^31-1.
 * The sum itself is never formed, so nothing wraps: for delta > 0,
 * MAX_WINDOW_SIZE - delta is in [0, MAX_WINDOW_SIZE).
 */
export function exceedsMaxWindow(window: i32, delta: i32): bool {
  return delta > 0 && window > MAX_WINDOW_SIZE - delta;
}

/** wakes reports whether a window went from <= 0 (a stalled sender) to > 0. */
export function wakes(before: i32, after: i32): bool {
  return before <= 0 && after > 0;
}

/** minWindow returns the smaller of two i32 values. */
export function minWindow(a: i32, b: i32): i32 {
  return a < b ? a : b;
}
