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

// ---------------------------------------------------------------------------
// The batched calls (frameRead with a flow attached, flowFlush), modelled on
// top of FlowModel: what the reader does per frame and the flush per command
// (docs/abi.md, "Flow control in the read and flush calls"), and the
// WINDOW_UPDATE frames owed, kept as the core keeps them: one entry per
// stream (and one for the connection) until the next flush, a sum that would
// pass 2^31-1 starting a new entry, entries of closed streams dropped. A
// stream the peer ended (END_STREAM) is credited nothing more.

/** A frame the model reads: the fields the flow looks at. */
export type ModelFrame =
  | { t: 'headers'; id: number; end?: boolean }
  | { t: 'push'; id: number; promised: number }
  | { t: 'data'; id: number; n: number; pad?: number; end?: boolean }
  | { t: 'windowUpdate'; id: number; inc: number }
  | { t: 'settings'; initialWindow?: number; maxFrameSize?: number }
  | { t: 'settingsAck' };

/** What a read reports, as test/flow tests project FrameDecoder output. */
export type Report = Record<string, unknown>;

/** A flush command, as host/core/flow.ts queues it. */
export type ModelCommand =
  | { c: 'open' | 'close'; id: number }
  | { c: 'consumed'; id: number; n: number }
  | { c: 'settingsSent' | 'peerMaxFrameSize' | 'connectionTarget'; v: number }
  | { c: 'demand'; id: number; want: number; end: boolean; cap: number };

export interface ModelGrant {
  result: number;
  frames: number;
  end: boolean;
  streamBlocked: boolean;
  connectionBlocked: boolean;
  /** Payload length of each DATA frame. */
  lengths: number[];
}

export interface ModelFlush {
  results: number[];
  grants: Array<ModelGrant | null>;
  /** [stream, increment] of each WINDOW_UPDATE frame written, in order. */
  updates: Array<[number, number]>;
}

export class BatchedFlowModel {
  m: FlowModel;
  maxFrame = 16384;
  lastPeer = 0;
  /** failed holds the connection error a read ended with ([reason ERR_*]), or null. */
  failed: number | null = null;
  private owed: Array<{ id: number; inc: number }> = [];
  private owedAt = new Map<number, number>();
  /** settingsPending holds the initial window (or -1) of each SETTINGS frame we sent, until its ACK. */
  private settingsPending: number[] = [];
  /** ended holds the open streams the peer ended. */
  private ended = new Set<number>();

  constructor(local: number, readonly position: 'server' | 'client') {
    this.m = new FlowModel(local);
  }

  private owe(id: number, inc: number, out?: Report[]): void {
    if (inc <= 0) return;
    if (out) out.push({ type: 'WINDOW_UPDATE_OWED', streamId: id, increment: inc });
    const at = this.owedAt.get(id);
    if (at !== undefined && this.owed[at].inc + inc <= MAX) {
      this.owed[at].inc += inc;
      return;
    }
    this.owedAt.set(id, this.owed.length);
    this.owed.push({ id, inc });
  }

  private closeStream(id: number): number {
    this.owedAt.delete(id);
    this.ended.delete(id);
    return this.m.close(true, id);
  }

  /** consume is FlowModel.consumed, but a stream the peer ended gets no credit. Returns the stream increment. */
  private consume(id: number, n: number): number {
    const inc = this.m.consumed(true, id, n);
    if (inc > 0 && this.ended.has(id)) {
      this.m.streams.get(id)!.recv -= inc;
      return 0;
    }
    return inc;
  }

  private fail(err: number): Report[] {
    this.failed = err;
    return [];
  }

  /** read returns the reports of one frame, or sets `failed` (and returns the reports before it). */
  read(f: ModelFrame): Report[] {
    const m = this.m;
    const out: Report[] = [];
    switch (f.t) {
      case 'headers': {
        let opened = false;
        if (this.position === 'server' && f.id % 2 === 1 && f.id > this.lastPeer) {
          this.lastPeer = f.id;
          opened = !m.bad && !m.streams.has(f.id) && m.open(f.id) === 0;
        }
        if (f.end && m.streams.has(f.id)) this.ended.add(f.id);
        out.push({ type: 'HEADERS', streamId: f.id, ...(opened ? { flowOpened: true } : {}) });
        return out;
      }
      case 'push': {
        let opened = false;
        if (this.position === 'client' && f.promised % 2 === 0 && f.promised > this.lastPeer) {
          this.lastPeer = f.promised;
          opened = !m.bad && !m.streams.has(f.promised) && m.open(f.promised) === 0;
        }
        out.push({ type: 'PUSH_PROMISE', streamId: f.id, promised: f.promised, ...(opened ? { flowOpened: true } : {}) });
        return out;
      }
      case 'data': {
        const len = f.n + (f.pad === undefined ? 0 : 1 + f.pad);
        if (!m.streams.has(f.id)) {
          if (len > 0) {
            const r = m.dataDiscarded(len);
            if (r < 0) return this.fail(r);
            this.owe(0, r, out);
          }
          out.push({ type: 'DATA', streamId: f.id, n: f.n, untracked: true });
          return out;
        }
        if (len > 0) {
          const r = m.dataReceived(true, f.id, len);
          if (r === ERR_FLOW_CONTROL && !m.bad) {
            const given = m.connIncrement;
            const closed = this.closeStream(f.id);
            out.push({ type: 'STREAM_ERROR', streamId: f.id, errorCode: 3, reason: 'FLOW_CONTROL' });
            this.owe(0, given + Math.max(0, closed), out);
            return out;
          }
          if (r < 0) return this.fail(r);
          if (f.end) this.ended.add(f.id);
          if (f.pad !== undefined) {
            const s = m.streams.get(f.id)!;
            const inc = this.consume(f.id, Math.min(1 + f.pad, s.held));
            const conn = m.connIncrement;
            this.owe(f.id, inc, out);
            this.owe(0, conn, out);
          }
        } else if (f.end) this.ended.add(f.id);
        out.push({ type: 'DATA', streamId: f.id, n: f.n });
        return out;
      }
      case 'windowUpdate': {
        if (f.id === 0) {
          const r = m.windowUpdate(true, 0, f.inc);
          if (r < 0) return this.fail(r);
          out.push({ type: 'WINDOW_UPDATE', streamId: 0, woken: r === FLOW_WOKEN, untracked: false, window: m.connSend });
          return out;
        }
        if (!m.streams.has(f.id)) {
          out.push({ type: 'WINDOW_UPDATE', streamId: f.id, woken: false, untracked: true, window: 0 });
          return out;
        }
        const r = m.windowUpdate(true, f.id, f.inc);
        if (r === ERR_FLOW_CONTROL) {
          const closed = this.closeStream(f.id);
          out.push({ type: 'STREAM_ERROR', streamId: f.id, errorCode: 3, reason: 'FLOW_CONTROL' });
          this.owe(0, Math.max(0, closed), out);
          return out;
        }
        if (r < 0) return this.fail(r);
        out.push({ type: 'WINDOW_UPDATE', streamId: f.id, woken: r === FLOW_WOKEN, untracked: false, window: m.streams.get(f.id)!.send });
        return out;
      }
      case 'settings': {
        let woken = 0;
        if (f.initialWindow !== undefined) {
          const r = m.setPeerInitialWindow(f.initialWindow);
          if (r < 0) return this.fail(r);
          woken += r;
        }
        if (f.maxFrameSize !== undefined) this.maxFrame = f.maxFrameSize;
        out.push({ type: 'SETTINGS', woken });
        return out;
      }
      case 'settingsAck': {
        const v = this.settingsPending.shift();
        if (v !== undefined && v >= 0) {
          const before = m.localInitial;
          const r = m.setLocalInitialWindow(v);
          if (r < 0) return this.fail(r);
          // A cut can make bytes consumed before it due now (flow/control.ts, announceAt).
          if (v < before) {
            for (const [id, st] of m.streams) {
              if (this.ended.has(id)) continue;
              const inc = announce(m.localInitial - st.recv - st.held, m.localInitial);
              st.recv += inc;
              this.owe(id, inc, out);
            }
          }
        }
        out.push({ type: 'SETTINGS' });
        return out;
      }
    }
  }

  /** flush runs commands as flowFlush does; a number is the error the whole flush failed with. */
  flush(cmds: ModelCommand[]): ModelFlush | number {
    const m = this.m;
    if (m.bad) return ERR_BAD_STATE;
    const results: number[] = [];
    const grants: Array<ModelGrant | null> = [];
    for (const c of cmds) {
      let result = 0;
      let grant: ModelGrant | null = null;
      switch (c.c) {
        case 'open':
          result = c.id <= 0 || m.streams.has(c.id) ? ERR_BAD_ARGUMENT : m.open(c.id);
          if (result === 0) {
            this.owedAt.delete(c.id);
            this.ended.delete(c.id);
          }
          break;
        case 'close':
          if (!m.streams.has(c.id)) result = ERR_BAD_HANDLE;
          else this.owe(0, this.closeStream(c.id));
          break;
        case 'consumed': {
          const s = m.streams.get(c.id);
          if (s === undefined) result = ERR_BAD_HANDLE;
          else if (c.n < 0 || c.n > s.held) result = ERR_BAD_ARGUMENT;
          else {
            const inc = this.consume(c.id, c.n);
            const conn = m.connIncrement;
            this.owe(c.id, inc);
            this.owe(0, conn);
          }
          break;
        }
        case 'settingsSent':
          if (c.v < -1) result = ERR_BAD_ARGUMENT;
          else this.settingsPending.push(c.v);
          break;
        case 'peerMaxFrameSize':
          if (c.v < 16384 || c.v > 16777215) result = ERR_BAD_ARGUMENT;
          else this.maxFrame = c.v;
          break;
        case 'connectionTarget': {
          const r = m.setConnectionTarget(c.v);
          if (r < 0) result = r;
          else this.owe(0, r);
          break;
        }
        case 'demand': {
          const s = m.streams.get(c.id);
          if (c.want < 0) result = ERR_BAD_ARGUMENT;
          else if (s === undefined) result = ERR_BAD_HANDLE;
          else {
            const limit = c.cap >= 0 ? Math.min(c.want, c.cap) : c.want;
            const n = Math.max(0, Math.min(limit, s.send, m.connSend));
            const end = c.end && n === c.want;
            const lengths: number[] = [];
            for (let left = n; left > 0; left -= this.maxFrame) lengths.push(Math.min(left, this.maxFrame));
            if (n === 0 && end) lengths.push(0);
            s.send -= n;
            m.connSend -= n;
            result = n;
            grant = {
              result: n, frames: lengths.length, end,
              streamBlocked: n < limit && s.send <= 0,
              connectionBlocked: n < limit && m.connSend <= 0,
              lengths,
            };
          }
          break;
        }
      }
      results.push(result);
      grants.push(grant);
      if (m.bad) return ERR_BAD_STATE;
    }
    const updates: Array<[number, number]> = [];
    for (const e of this.owed) if (e.id === 0 || m.streams.has(e.id)) updates.push([e.id, e.inc]);
    // The order of the frames is the core's slot order in part; what they say is what counts.
    updates.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    this.owed = [];
    this.owedAt.clear();
    return { results, grants, updates };
  }
}
