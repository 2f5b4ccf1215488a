// The stream state machine of RFC 9113 §5.1, for both positions, as a table.
//
//                              +--------+
//                      send PP |        | recv PP
//                     ,--------+  idle  +--------.
//                    /         |        |         \
//                   v          +--------+          v
//            +----------+          |           +----------+
//            |          |          | send H /  |          |
//     ,------+ reserved |          | recv H    | reserved +------.
//     |      | (local)  |          |           | (remote) |      |
//     |      +---+------+          v           +------+---+      |
//     |          |             +--------+             |          |
//     |          |     recv ES |        | send ES     |          |
//     |   send H |     ,-------+  open  +-------.     | recv H   |
//     |          |    /        |        |        \    |          |
//     |          v   v         +---+----+         v   v          |
//     |      +----------+          |           +----------+      |
//     |      |   half-  |          |           |   half-  |      |
//     |      |  closed  |          | send R /  |  closed  |      |
//     |      | (remote) |          | recv R    | (local)  |      |
//     |      +----+-----+          |           +-----+----+      |
//     |           |                |                 |           |
//     |           | send ES /      |       recv ES / |           |
//     |           |  send R /      v        send R / |           |
//     |           |  recv R    +--------+   recv R   |           |
//     | send R /  `----------->|        |<-----------'  send R / |
//     | recv R                 | closed |               recv R   |
//     `----------------------->|        |<-----------------------'
//                              +--------+
//
// H = HEADERS (with the CONTINUATIONs of its block), ES = END_STREAM, R = RST_STREAM,
// PP = PUSH_PROMISE (on the promised stream). The table is the RFC's: which frames a
// state allows, whoever sends them. What a HEADERS means (a request, a response head,
// a 1xx, trailers) is the role's business (server.ts, client.ts); so is the rule that
// trailers carry END_STREAM (RFC 9113 §8.1). h2wasm never pushes and refuses pushes
// (SETTINGS_ENABLE_PUSH = 0), so the reserved states are never entered here, but their
// rows are the RFC's. Each cell is the next state, or the error the RFC asks for when
// a frame arrives where it may not, or NOT_ALLOWED where we may not send it.

import {
  H2_PROTOCOL_ERROR, H2_STREAM_CLOSED,
} from '../../assembly/abi.js';

export const IDLE = 0;
export const OPEN = 1;
export const HALF_CLOSED_REMOTE = 2;
export const HALF_CLOSED_LOCAL = 3;
export const CLOSED = 4;
export const RESERVED_LOCAL = 5;
export const RESERVED_REMOTE = 6;
export type StreamState =
  | typeof IDLE | typeof OPEN | typeof HALF_CLOSED_REMOTE | typeof HALF_CLOSED_LOCAL | typeof CLOSED
  | typeof RESERVED_LOCAL | typeof RESERVED_REMOTE;
export const STATE_NAMES = ['idle', 'open', 'half-closed (remote)', 'half-closed (local)', 'closed', 'reserved (local)', 'reserved (remote)'] as const;

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
/** RECV_PUSH_PROMISE / SEND_PUSH_PROMISE: a PUSH_PROMISE naming this stream as the promised one. */
export const RECV_PUSH_PROMISE = 12;
export const SEND_PUSH_PROMISE = 13;
export const SEND_WINDOW_UPDATE = 14;
export type StreamEvent = number;
export const EVENT_NAMES = [
  'recv HEADERS', 'recv HEADERS+END_STREAM', 'recv DATA', 'recv DATA+END_STREAM', 'recv RST_STREAM',
  'recv WINDOW_UPDATE', 'recv PRIORITY', 'send HEADERS', 'send HEADERS+END_STREAM', 'send DATA',
  'send DATA+END_STREAM', 'send RST_STREAM', 'recv PUSH_PROMISE', 'send PUSH_PROMISE', 'send WINDOW_UPDATE',
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

const P = C(H2_PROTOCOL_ERROR);

/** TRANSITIONS[state][event]; rows in state order, columns in event order:
 *  recv H, H+ES, DATA, DATA+ES, RST, WU, PRIO | send H, H+ES, DATA, DATA+ES, RST | recv PP, send PP | send WU. */
export const TRANSITIONS: ReadonlyArray<ReadonlyArray<number>> = [
  // idle: "Receiving any frame other than HEADERS or PRIORITY on a stream in this state MUST be
  // treated as a connection error of type PROTOCOL_ERROR." Sending HEADERS opens it; a
  // PUSH_PROMISE reserves it.
  [OPEN, HALF_CLOSED_REMOTE, P, P, P, P, IDLE,
    OPEN, HALF_CLOSED_LOCAL, X, X, X,
    RESERVED_REMOTE, RESERVED_LOCAL, X],
  // open: "A stream in the "open" state may be used by both peers to send frames of any type."
  [OPEN, HALF_CLOSED_REMOTE, OPEN, HALF_CLOSED_REMOTE, CLOSED, OPEN, OPEN,
    OPEN, HALF_CLOSED_LOCAL, OPEN, HALF_CLOSED_LOCAL, CLOSED,
    P, X, OPEN],
  // half-closed (remote): "If an endpoint receives additional frames, other than WINDOW_UPDATE,
  // PRIORITY, or RST_STREAM, for a stream that is in this state, it MUST respond with a stream
  // error of type STREAM_CLOSED."
  [S(H2_STREAM_CLOSED), S(H2_STREAM_CLOSED), S(H2_STREAM_CLOSED), S(H2_STREAM_CLOSED), CLOSED, HALF_CLOSED_REMOTE, HALF_CLOSED_REMOTE,
    HALF_CLOSED_REMOTE, CLOSED, HALF_CLOSED_REMOTE, CLOSED, CLOSED,
    S(H2_STREAM_CLOSED), X, HALF_CLOSED_REMOTE],
  // half-closed (local): "A stream that is in the "half-closed (local)" state cannot be used for
  // sending frames other than WINDOW_UPDATE, PRIORITY, and RST_STREAM." The peer may send anything;
  // END_STREAM from it closes the stream.
  [HALF_CLOSED_LOCAL, CLOSED, HALF_CLOSED_LOCAL, CLOSED, CLOSED, HALF_CLOSED_LOCAL, HALF_CLOSED_LOCAL,
    X, X, X, X, CLOSED,
    P, X, HALF_CLOSED_LOCAL],
  // closed (after END_STREAM both ways): "An endpoint MAY treat receipt of any other type of frame
  // on a closed stream as a connection error (Section 5.4.1) of type STREAM_CLOSED"; a WINDOW_UPDATE
  // or RST_STREAM may still be in flight and is ignored. A stream closed by a reset is different
  // (the connection knows which): "An endpoint that receives any frame other than PRIORITY after
  // receiving a RST_STREAM MUST treat that as a stream error of type STREAM_CLOSED", and frames
  // after our own RST_STREAM are ignored.
  [C(H2_STREAM_CLOSED), C(H2_STREAM_CLOSED), C(H2_STREAM_CLOSED), C(H2_STREAM_CLOSED), CLOSED, CLOSED, CLOSED,
    X, X, X, X, CLOSED,
    C(H2_STREAM_CLOSED), X, CLOSED],
  // reserved (local): "Receiving any type of frame other than RST_STREAM, PRIORITY, or
  // WINDOW_UPDATE on a stream in this state MUST be treated as a connection error of type
  // PROTOCOL_ERROR." We may send HEADERS (→ half-closed (remote)) or RST_STREAM.
  [P, P, P, P, CLOSED, RESERVED_LOCAL, RESERVED_LOCAL,
    HALF_CLOSED_REMOTE, CLOSED, X, X, CLOSED,
    P, X, X],
  // reserved (remote): "Receiving any type of frame other than HEADERS, RST_STREAM, or PRIORITY on
  // a stream in this state MUST be treated as a connection error of type PROTOCOL_ERROR." Its
  // HEADERS makes it half-closed (local); we may send WINDOW_UPDATE, PRIORITY or RST_STREAM.
  [HALF_CLOSED_LOCAL, CLOSED, P, P, CLOSED, P, RESERVED_REMOTE,
    X, X, X, X, CLOSED,
    P, X, RESERVED_REMOTE],
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
