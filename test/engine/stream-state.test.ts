// The RFC 9113 §5.1 table, checked cell by cell against rules read off the
// RFC's text, and as a machine over random event sequences (fast-check).

import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  TRANSITIONS, transition, isState, STREAM_ERROR_BASE, CONNECTION_ERROR_BASE, NOT_ALLOWED,
  IDLE, OPEN, HALF_CLOSED_REMOTE, HALF_CLOSED_LOCAL, CLOSED, RESERVED_LOCAL, RESERVED_REMOTE, EVENT_COUNT, STATE_NAMES, EVENT_NAMES,
  RECV_HEADERS, RECV_HEADERS_ES, RECV_DATA, RECV_DATA_ES, RECV_RST, RECV_WINDOW_UPDATE, RECV_PRIORITY,
  SEND_HEADERS, SEND_HEADERS_ES, SEND_DATA, SEND_DATA_ES, SEND_RST, RECV_PUSH_PROMISE, SEND_PUSH_PROMISE, SEND_WINDOW_UPDATE,
  canReceive, canSend,
  type StreamState,
} from '../../host/engine/stream-state.js';
import { H2_PROTOCOL_ERROR, H2_STREAM_CLOSED } from '../../assembly/abi.js';

const STATES: StreamState[] = [IDLE, OPEN, HALF_CLOSED_REMOTE, HALF_CLOSED_LOCAL, CLOSED, RESERVED_LOCAL, RESERVED_REMOTE];
const RECV = [RECV_HEADERS, RECV_HEADERS_ES, RECV_DATA, RECV_DATA_ES, RECV_RST, RECV_WINDOW_UPDATE, RECV_PRIORITY, RECV_PUSH_PROMISE];
const SEND = [SEND_HEADERS, SEND_HEADERS_ES, SEND_DATA, SEND_DATA_ES, SEND_RST, SEND_PUSH_PROMISE, SEND_WINDOW_UPDATE];
const ES_EVENTS = new Set([RECV_HEADERS_ES, RECV_DATA_ES, SEND_HEADERS_ES, SEND_DATA_ES]);

const name = (s: number, e: number) => `${STATE_NAMES[s]} × ${EVENT_NAMES[e]}`;

describe('stream state table (RFC 9113 §5.1)', () => {
  it('has a cell for every (state, event) pair, each a state or a known error', () => {
    expect(TRANSITIONS).toHaveLength(STATES.length);
    for (const s of STATES) {
      expect(TRANSITIONS[s]).toHaveLength(EVENT_COUNT);
      for (let e = 0; e < EVENT_COUNT; e++) {
        const cell = transition(s, e);
        const ok = isState(cell) ? STATES.includes(cell) :
          cell === NOT_ALLOWED || (cell >= STREAM_ERROR_BASE && cell < STREAM_ERROR_BASE + 14) ||
          (cell >= CONNECTION_ERROR_BASE && cell < CONNECTION_ERROR_BASE + 14);
        expect(ok, name(s, e)).toBe(true);
      }
    }
  });

  it('never errors on RST_STREAM, WINDOW_UPDATE or PRIORITY except in idle; RST_STREAM always closes', () => {
    for (const s of STATES) {
      if (s === IDLE) continue;
      expect(transition(s, RECV_RST), name(s, RECV_RST)).toBe(CLOSED);
      expect(transition(s, SEND_RST), name(s, SEND_RST)).toBe(CLOSED);
      // RFC 9113 §5.1: reserved (remote) may not receive WINDOW_UPDATE.
      if (s !== RESERVED_REMOTE) expect(isState(transition(s, RECV_WINDOW_UPDATE)), name(s, RECV_WINDOW_UPDATE)).toBe(true);
      expect(isState(transition(s, RECV_PRIORITY)), name(s, RECV_PRIORITY)).toBe(true);
    }
  });

  it('idle: only HEADERS, PRIORITY and a PUSH_PROMISE reserving it may arrive; anything else is a connection PROTOCOL_ERROR', () => {
    expect(transition(IDLE, RECV_HEADERS)).toBe(OPEN);
    expect(transition(IDLE, RECV_HEADERS_ES)).toBe(HALF_CLOSED_REMOTE);
    expect(transition(IDLE, RECV_PRIORITY)).toBe(IDLE);
    expect(transition(IDLE, RECV_PUSH_PROMISE)).toBe(RESERVED_REMOTE);
    for (const e of [RECV_DATA, RECV_DATA_ES, RECV_RST, RECV_WINDOW_UPDATE]) {
      expect(transition(IDLE, e), name(IDLE, e)).toBe(CONNECTION_ERROR_BASE + H2_PROTOCOL_ERROR);
    }
  });

  it('idle, sending (the client position): HEADERS opens the stream, HEADERS+END_STREAM half-closes it (local); nothing else may be sent', () => {
    expect(transition(IDLE, SEND_HEADERS)).toBe(OPEN);
    expect(transition(IDLE, SEND_HEADERS_ES)).toBe(HALF_CLOSED_LOCAL);
    expect(transition(IDLE, SEND_PUSH_PROMISE)).toBe(RESERVED_LOCAL);
    for (const e of [SEND_DATA, SEND_DATA_ES, SEND_RST, SEND_WINDOW_UPDATE]) expect(transition(IDLE, e), name(IDLE, e)).toBe(NOT_ALLOWED);
  });

  it('reserved (local): only RST_STREAM, PRIORITY and WINDOW_UPDATE may arrive; our HEADERS half-closes it (remote)', () => {
    for (const e of [RECV_HEADERS, RECV_HEADERS_ES, RECV_DATA, RECV_DATA_ES, RECV_PUSH_PROMISE]) {
      expect(transition(RESERVED_LOCAL, e), name(RESERVED_LOCAL, e)).toBe(CONNECTION_ERROR_BASE + H2_PROTOCOL_ERROR);
    }
    expect(transition(RESERVED_LOCAL, SEND_HEADERS)).toBe(HALF_CLOSED_REMOTE);
    expect(transition(RESERVED_LOCAL, SEND_DATA)).toBe(NOT_ALLOWED);
  });

  it('reserved (remote): only HEADERS, RST_STREAM and PRIORITY may arrive; its HEADERS half-closes it (local)', () => {
    expect(transition(RESERVED_REMOTE, RECV_HEADERS)).toBe(HALF_CLOSED_LOCAL);
    expect(transition(RESERVED_REMOTE, RECV_HEADERS_ES)).toBe(CLOSED);
    for (const e of [RECV_DATA, RECV_DATA_ES, RECV_WINDOW_UPDATE, RECV_PUSH_PROMISE]) {
      expect(transition(RESERVED_REMOTE, e), name(RESERVED_REMOTE, e)).toBe(CONNECTION_ERROR_BASE + H2_PROTOCOL_ERROR);
    }
    expect(transition(RESERVED_REMOTE, SEND_WINDOW_UPDATE)).toBe(RESERVED_REMOTE);
    for (const e of [SEND_HEADERS, SEND_DATA]) expect(transition(RESERVED_REMOTE, e), name(RESERVED_REMOTE, e)).toBe(NOT_ALLOWED);
  });

  it('half-closed (remote): HEADERS and DATA are STREAM_CLOSED stream errors', () => {
    for (const e of [RECV_HEADERS, RECV_HEADERS_ES, RECV_DATA, RECV_DATA_ES]) {
      expect(transition(HALF_CLOSED_REMOTE, e), name(HALF_CLOSED_REMOTE, e)).toBe(STREAM_ERROR_BASE + H2_STREAM_CLOSED);
    }
  });

  it('HEADERS without END_STREAM may arrive on open and half-closed (local) streams (a 1xx or a response head; what a HEADERS means is the role\'s)', () => {
    expect(transition(OPEN, RECV_HEADERS)).toBe(OPEN);
    expect(transition(HALF_CLOSED_LOCAL, RECV_HEADERS)).toBe(HALF_CLOSED_LOCAL);
    expect(transition(HALF_CLOSED_LOCAL, RECV_HEADERS_ES)).toBe(CLOSED);
  });

  it('we can send exactly when canSend says so, and receive DATA exactly when canReceive says so', () => {
    for (const s of STATES) {
      // DATA needs an opened stream; HEADERS may also open (idle) or answer a reservation (reserved (local)).
      expect(isState(transition(s, SEND_DATA)), name(s, SEND_DATA)).toBe(canSend(s));
      expect(isState(transition(s, RECV_DATA)), name(s, RECV_DATA)).toBe(canReceive(s));
    }
  });

  it('as a machine: END_STREAM each way, or a reset, is the only road to closed, and closed is final', () => {
    const event = fc.constantFrom(...RECV, ...SEND);
    fc.assert(fc.property(fc.array(event, { maxLength: 30 }), (events) => {
      let s: StreamState = IDLE;
      let recvEnd = false;
      let sendEnd = false;
      let reset = false;
      for (const e of events) {
        const cell = transition(s, e);
        if (!isState(cell)) continue; // an error leaves the stream to the caller (reset or GOAWAY)
        if (s === CLOSED) expect(cell, name(s, e)).toBe(CLOSED);
        if (e === RECV_RST || e === SEND_RST) reset = true;
        if (ES_EVENTS.has(e) && RECV.includes(e)) recvEnd = true;
        if (ES_EVENTS.has(e) && SEND.includes(e)) sendEnd = true;
        s = cell;
        if (s === CLOSED) expect(reset || (recvEnd && sendEnd) || ((recvEnd || sendEnd) && (events.includes(RECV_PUSH_PROMISE) || events.includes(SEND_PUSH_PROMISE)))).toBe(true);
        // From idle through open; the reserved roads start with a PUSH_PROMISE and count the push as the closed half.
        const pushed = events.includes(RECV_PUSH_PROMISE) || events.includes(SEND_PUSH_PROMISE);
        if (!pushed && s === HALF_CLOSED_REMOTE) expect(recvEnd && !sendEnd).toBe(true);
        if (!pushed && s === HALF_CLOSED_LOCAL) expect(sendEnd && !recvEnd).toBe(true);
        if (s === OPEN) expect(recvEnd || sendEnd).toBe(false);
      }
    }), { numRuns: 2000 });
  });
});
