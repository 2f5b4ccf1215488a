// A reference model of FlowControl in plain JS numbers, written from
// RFC 9113 §5.2 and §6.9 rather than from the core: sums are formed exactly
// (doubles hold them) and compared with 2^31-1 directly, where the core must
// avoid forming them. Streams are keyed by id; the core's slots are checked
// by the test harness, which knows which slot each stream got.
import {
  DEFAULT_INITIAL_WINDOW_SIZE as DEFAULT, ERR_BAD_ARGUMENT, ERR_BAD_HANDLE, ERR_BAD_STATE,
  ERR_FLOW_CONTROL, ERR_SETTINGS_WINDOW, FLOW_WOKEN, MAX_WINDOW_SIZE as MAX,
} from '../../assembly/abi.js';
import type { Windows } from './driver.js';

export interface ModelStream {
  send: number;
  recv: number;
  held: number;
}

/** announce is the emission policy: everything unannounced once it reaches half the target. */
export function announce(unannounced: number, target: number): number {
  return unannounced > 0 && unannounced >= Math.trunc(target / 2) ? unannounced : 0;
}

export class FlowModel {
  connSend = DEFAULT;
  connRecv = DEFAULT;
  connTarget = DEFAULT;
  peerInitial = DEFAULT;
  streams = new Map<number, ModelStream>();
  bad = false;
  errorStream = -1;
  connIncrement = 0;

  constructor(public localInitial: number) {}

  get connHeld(): number {
    let n = 0;
    for (const s of this.streams.values()) n += s.held;
    return n;
  }

  connection(): Windows {
    return { send: this.connSend, recv: this.connRecv, held: this.connHeld, target: this.connTarget };
  }

  stream(id: number): Windows {
    const s = this.streams.get(id)!;
    return { send: s.send, recv: s.recv, held: s.held, target: this.localInitial };
  }

  /** lookup returns the stream that a (valid-slot?, id) pair names, or an error code. */
  private lookup(slotMatches: boolean, id: number): ModelStream | number {
    if (id <= 0) return ERR_BAD_ARGUMENT;
    const s = this.streams.get(id);
    if (s === undefined || !slotMatches) return ERR_BAD_HANDLE;
    return s;
  }

  private replenishConnection(): number {
    const inc = announce(this.connTarget - this.connRecv - this.connHeld, this.connTarget);
    this.connRecv += inc;
    this.connIncrement = inc;
    return inc;
  }

  private connectionError(code = ERR_FLOW_CONTROL): number {
    this.bad = true;
    this.errorStream = 0;
    return code;
  }

  open(id: number): number {
    this.connIncrement = 0;
    if (this.bad) return ERR_BAD_STATE;
    if (id <= 0) return ERR_BAD_ARGUMENT;
    this.streams.set(id, { send: this.peerInitial, recv: this.localInitial, held: 0 });
    return 0; // the harness takes the slot from the core
  }

  close(slotMatches: boolean, id: number): number {
    this.connIncrement = 0;
    if (this.bad) return ERR_BAD_STATE;
    const s = this.lookup(slotMatches, id);
    if (typeof s === 'number') return s;
    this.streams.delete(id); // its held bytes leave connHeld with it
    return this.replenishConnection();
  }

  dataReceived(slotMatches: boolean, id: number, len: number): number {
    this.connIncrement = 0;
    if (this.bad) return ERR_BAD_STATE;
    if (len < 0) return ERR_BAD_ARGUMENT;
    const s = this.lookup(slotMatches, id);
    if (typeof s === 'number') return s;
    if (len > 0 && len > this.connRecv) return this.connectionError();
    this.connRecv -= len;
    if (len > 0 && len > s.recv) {
      this.replenishConnection();
      this.errorStream = id;
      return ERR_FLOW_CONTROL;
    }
    s.recv -= len;
    s.held += len;
    return 0;
  }

  dataDiscarded(len: number): number {
    this.connIncrement = 0;
    if (this.bad) return ERR_BAD_STATE;
    if (len < 0) return ERR_BAD_ARGUMENT;
    if (len > 0 && len > this.connRecv) return this.connectionError();
    this.connRecv -= len;
    return this.replenishConnection();
  }

  consumed(slotMatches: boolean, id: number, n: number): number {
    this.connIncrement = 0;
    if (this.bad) return ERR_BAD_STATE;
    const s = this.lookup(slotMatches, id);
    if (typeof s === 'number') return s;
    if (n < 0 || n > s.held) return ERR_BAD_ARGUMENT;
    s.held -= n;
    const inc = announce(this.localInitial - s.recv - s.held, this.localInitial);
    s.recv += inc;
    this.replenishConnection();
    return inc;
  }

  setConnectionTarget(target: number): number {
    this.connIncrement = 0;
    if (this.bad) return ERR_BAD_STATE;
    if (target < 0) return ERR_BAD_ARGUMENT;
    this.connTarget = target;
    const inc = Math.max(0, target - this.connRecv - this.connHeld);
    this.connRecv += inc;
    this.connIncrement = inc;
    return inc;
  }

  setLocalInitialWindow(value: number): number {
    this.connIncrement = 0;
    if (this.bad) return ERR_BAD_STATE;
    if (value < 0) return ERR_BAD_ARGUMENT;
    const delta = value - this.localInitial;
    for (const s of this.streams.values()) if (s.recv + delta > MAX) return this.connectionError();
    for (const s of this.streams.values()) s.recv += delta;
    this.localInitial = value;
    return 0;
  }

  setPeerInitialWindow(value: number): number {
    this.connIncrement = 0;
    if (this.bad) return ERR_BAD_STATE;
    if (value < 0 || value > MAX) return this.connectionError(ERR_SETTINGS_WINDOW);
    const delta = value - this.peerInitial;
    for (const s of this.streams.values()) if (s.send + delta > MAX) return this.connectionError();
    let woken = 0;
    for (const s of this.streams.values()) {
      if (s.send <= 0 && s.send + delta > 0) woken++;
      s.send += delta;
    }
    this.peerInitial = value;
    return woken;
  }

  allowance(slotMatches: boolean, id: number, want: number, maxFrame: number): number {
    if (this.bad) return ERR_BAD_STATE;
    if (want < 0 || maxFrame < 0) return ERR_BAD_ARGUMENT;
    const s = this.lookup(slotMatches, id);
    if (typeof s === 'number') return s;
    return Math.max(0, Math.min(want, s.send, this.connSend, maxFrame));
  }

  sent(slotMatches: boolean, id: number, n: number): number {
    this.connIncrement = 0;
    if (this.bad) return ERR_BAD_STATE;
    if (n < 0) return ERR_BAD_ARGUMENT;
    const s = this.lookup(slotMatches, id);
    if (typeof s === 'number') return s;
    if (n > 0 && (n > s.send || n > this.connSend)) return ERR_BAD_ARGUMENT;
    s.send -= n;
    this.connSend -= n;
    return 0;
  }

  windowUpdate(slotMatches: boolean, id: number, inc: number): number {
    this.connIncrement = 0;
    if (this.bad) return ERR_BAD_STATE;
    if (inc < 0) return ERR_BAD_ARGUMENT;
    if (id === 0) {
      if (this.connSend + inc > MAX) return this.connectionError();
      const before = this.connSend;
      this.connSend += inc;
      return before <= 0 && this.connSend > 0 ? FLOW_WOKEN : 0;
    }
    const s = this.lookup(slotMatches, id);
    if (typeof s === 'number') return s;
    if (s.send + inc > MAX) {
      this.errorStream = id;
      return ERR_FLOW_CONTROL;
    }
    const before = s.send;
    s.send += inc;
    return before <= 0 && s.send > 0 ? FLOW_WOKEN : 0;
  }
}
