// The stream state machine of RFC 9113 §5.1, server side, as a table.
//
//                          +--------+
//                  recv H  |        |  recv H+ES
//               ,----------|  idle  |----------.
//              /           |        |           \
//             v            +--------+            v
//        +----------+          |           +----------+
//        |          |          | recv H    |   half-  |
//        |          |          v           |  closed  |
//        |   open   |--------------------->| (remote) |
//        |          |   recv ES            |          |
//        +----------+                      +----------+
//          |      |                             |
//          | send ES       send R /             | send ES /
//          v      |        recv R               | send R / recv R
//   +----------+  |                             |
//   |  half-   |  | send R / recv R             |
//   |  closed  |  `------------------------.    |
//   | (local)  |---------------------------->+--------+
//   +----------+  recv ES / send R / recv R  | closed |
//                                            +--------+
//
// H = HEADERS, ES = END_STREAM, R = RST_STREAM. A server that never pushes
// has no reserved states. Each cell of TRANSITIONS is the next state, or the
// error the RFC asks for when a frame arrives where it may not.

import {
  H2_PROTOCOL_ERROR, H2_STREAM_CLOSED,
} from '../../assembly/abi.js';

export const IDLE = 0;
export const OPEN = 1;
export const HALF_CLOSED_REMOTE = 2;
export const HALF_CLOSED_LOCAL = 3;
export const CLOSED = 4;
export type StreamState = typeof IDLE | typeof OPEN | typeof HALF_CLOSED_REMOTE | typeof HALF_CLOSED_LOCAL | typeof CLOSED;
export const STATE_NAMES = ['idle', 'open', 'half-closed (remote)', 'half-closed (local)', 'closed'] as const;

// Events: a frame received or sent on the stream. _ES: with END_STREAM.
export const RECV_HEADERS = 0;
export const RECV_HEADERS_ES = 1;
export const RECV_DATA = 2;
export const RECV_DATA_ES = 3;
export const RECV_RST = 4;
export const RECV_WINDOW_UPDATE = 5;
export const RECV_PRIORITY = 6;
export const SEND_HEADERS = 7;
export const SEND_HEADERS_ES = 8;
export const SEND_DATA = 9;
export const SEND_DATA_ES = 10;
export const SEND_RST = 11;
export type StreamEvent = number;
export const EVENT_NAMES = [
  'recv HEADERS', 'recv HEADERS+END_STREAM', 'recv DATA', 'recv DATA+END_STREAM', 'recv RST_STREAM',
  'recv WINDOW_UPDATE', 'recv PRIORITY', 'send HEADERS', 'send HEADERS+END_STREAM', 'send DATA',
  'send DATA+END_STREAM', 'send RST_STREAM',
] as const;
export const EVENT_COUNT = EVENT_NAMES.length;

// A cell is a next state (0..4) or one of these.
/** STREAM_ERROR_BASE + code: a stream error (RFC 9113 §5.4.2) with that code. */
export const STREAM_ERROR_BASE = 0x100;
/** CONNECTION_ERROR_BASE + code: a connection error (RFC 9113 §5.4.1) with that code. */
export const CONNECTION_ERROR_BASE = 0x200;
/** NOT_ALLOWED: we may not send that frame in that state (a bug in the caller, never a peer's doing). */
export const NOT_ALLOWED = 0x300;

const S = (code: number) => STREAM_ERROR_BASE + code;
const C = (code: number) => CONNECTION_ERROR_BASE + code;
const X = NOT_ALLOWED;

/** TRANSITIONS[state][event]; rows in state order, columns in event order. */
export const TRANSITIONS: ReadonlyArray<ReadonlyArray<number>> = [
  // idle: RFC 9113 §5.1 "Receiving any frame other than HEADERS or PRIORITY on
  // a stream in this state MUST be treated as a connection error of type PROTOCOL_ERROR."
  [OPEN, HALF_CLOSED_REMOTE, C(H2_PROTOCOL_ERROR), C(H2_PROTOCOL_ERROR), C(H2_PROTOCOL_ERROR),
    C(H2_PROTOCOL_ERROR), IDLE, X, X, X, X, X],
  // open: a second HEADERS is the trailers, and RFC 9113 §8.1 requires END_STREAM on it
  // ("... a HEADERS frame ... without the END_STREAM flag ... MUST be treated as malformed").
  [S(H2_PROTOCOL_ERROR), HALF_CLOSED_REMOTE, OPEN, HALF_CLOSED_REMOTE, CLOSED,
    OPEN, OPEN, OPEN, HALF_CLOSED_LOCAL, OPEN, HALF_CLOSED_LOCAL, CLOSED],
  // half-closed (remote): RFC 9113 §5.1 "If an endpoint receives additional frames, other
  // than WINDOW_UPDATE, PRIORITY, or RST_STREAM, for a stream that is in this state, it
  // MUST respond with a stream error of type STREAM_CLOSED."
  [S(H2_STREAM_CLOSED), S(H2_STREAM_CLOSED), S(H2_STREAM_CLOSED), S(H2_STREAM_CLOSED), CLOSED,
    HALF_CLOSED_REMOTE, HALF_CLOSED_REMOTE, HALF_CLOSED_REMOTE, CLOSED, HALF_CLOSED_REMOTE, CLOSED, CLOSED],
  // half-closed (local): we answered; the request body may still arrive.
  [S(H2_PROTOCOL_ERROR), CLOSED, HALF_CLOSED_LOCAL, CLOSED, CLOSED,
    HALF_CLOSED_LOCAL, HALF_CLOSED_LOCAL, X, X, X, X, CLOSED],
  // closed (after END_STREAM both ways): RFC 9113 §5.1 "An endpoint MAY treat receipt of any
  // other type of frame on a closed stream as a connection error (Section 5.4.1) of type
  // STREAM_CLOSED"; a WINDOW_UPDATE or RST_STREAM may still be in flight and is ignored. A stream
  // closed by a reset is different (the connection knows which): "An endpoint that receives any
  // frame other than PRIORITY after receiving a RST_STREAM MUST treat that as a stream error of
  // type STREAM_CLOSED", and frames after our own RST_STREAM are ignored.
  [C(H2_STREAM_CLOSED), C(H2_STREAM_CLOSED), C(H2_STREAM_CLOSED), C(H2_STREAM_CLOSED), CLOSED,
    CLOSED, CLOSED, X, X, X, X, CLOSED],
];

/** transition returns the cell for (state, event): a next state, or an error. */
export function transition(state: StreamState, event: StreamEvent): number {
  return TRANSITIONS[state][event];
}

/** isState reports whether a cell is a next state rather than an error. */
export function isState(cell: number): cell is StreamState {
  return cell < STREAM_ERROR_BASE;
}

/** canReceive reports whether the peer may still send DATA in state s. */
export function canReceive(s: StreamState): boolean {
  return s === OPEN || s === HALF_CLOSED_LOCAL;
}

/** canSend reports whether we may still send HEADERS or DATA in state s. */
export function canSend(s: StreamState): boolean {
  return s === OPEN || s === HALF_CLOSED_REMOTE;
}
