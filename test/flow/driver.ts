// A typed face over the flow* exports of one core, for the flow tests.
import * as abi from '../../assembly/abi.js';
import type { CoreBinding, CodecName } from '../../host/core/binding.js';
import { sharedCore } from '../helpers/codecs.js';
import type { Frame } from '../../host/index.js';

type Fn = (...args: number[]) => number;

/** Windows is what flowSnapshot reports for a stream or the connection. */
export interface Windows {
  send: number;
  recv: number;
  held: number;
  target: number;
}

/** FlowDriver wraps one FlowControl handle. */
export class FlowDriver {
  constructor(
    readonly binding: CoreBinding,
    readonly h: number,
  ) {}

  static async create(codec: CodecName, localInitialWindow = abi.DEFAULT_INITIAL_WINDOW_SIZE): Promise<FlowDriver> {
    const { binding } = await sharedCore(codec);
    const h = (binding.x.flowNew as Fn)(localInitialWindow);
    if (h < 0) throw new Error(`flowNew failed: ${h}`);
    return new FlowDriver(binding, h);
  }

  private call(name: string, ...args: number[]): number {
    return (this.binding.x[name] as Fn)(this.h, ...args);
  }

  free(): number { return this.call('flowFree'); }
  setConnectionTarget(target: number): number { return this.call('flowSetConnectionTarget', target); }
  setLocalInitialWindow(value: number): number { return this.call('flowSetLocalInitialWindow', value); }
  setPeerInitialWindow(value: number): number { return this.call('flowSetPeerInitialWindow', value); }
  open(streamId: number): number { return this.call('flowOpen', streamId); }
  close(slot: number, streamId: number): number { return this.call('flowClose', slot, streamId); }
  dataReceived(slot: number, streamId: number, length: number): number { return this.call('flowDataReceived', slot, streamId, length); }
  dataDiscarded(length: number): number { return this.call('flowDataDiscarded', length); }
  consumed(slot: number, streamId: number, n: number): number { return this.call('flowConsumed', slot, streamId, n); }
  allowance(slot: number, streamId: number, want: number, maxFrameSize: number): number {
    return this.call('flowSendAllowance', slot, streamId, want, maxFrameSize);
  }
  sent(slot: number, streamId: number, n: number): number { return this.call('flowDataSent', slot, streamId, n); }
  windowUpdate(slot: number, streamId: number, increment: number): number {
    return this.call('flowWindowUpdateReceived', slot, streamId, increment);
  }
  connectionIncrement(): number { return this.call('flowLastConnectionIncrement'); }
  errorStream(): number { return this.call('flowLastErrorStream'); }
  streamCapacity(): number { return this.call('flowStreamCapacity'); }

  /** windows returns the snapshot of (slot, streamId), or of the connection for streamId 0; throws on an error code. */
  windows(slot: number, streamId: number): Windows {
    const r = this.snapshotRaw(slot, streamId);
    if (typeof r === 'number') throw new Error(`flowSnapshot(${slot}, ${streamId}) failed: ${r}`);
    return r;
  }

  /** snapshotRaw returns the snapshot, or the error code flowSnapshot returned. */
  snapshotRaw(slot: number, streamId: number, at = 0): Windows | number {
    const rc = this.call('flowSnapshot', slot, streamId, at);
    if (rc < 0) return rc;
    this.binding.sync();
    const w = this.binding.records;
    return {
      send: w[at + abi.FLOW_SNAP_SEND],
      recv: w[at + abi.FLOW_SNAP_RECV],
      held: w[at + abi.FLOW_SNAP_HELD],
      target: w[at + abi.FLOW_SNAP_TARGET],
    };
  }

  /** connection returns the connection's windows. */
  connection(): Windows {
    return this.windows(0, 0);
  }
}

/** flowReport keeps what the flow tests check of a frame a flow-attached reader
 *  gave: its kind, its stream and the flow's findings. */
export function flowReport(f: Frame): Record<string, unknown> {
  switch (f.type) {
    case 'DATA': return { type: f.type, streamId: f.streamId, n: f.data.length, ...(f.untracked ? { untracked: true } : {}) };
    case 'WINDOW_UPDATE': return { type: f.type, streamId: f.streamId, woken: f.woken, untracked: f.untracked, window: f.window };
    case 'WINDOW_UPDATE_OWED': return { type: f.type, streamId: f.streamId, increment: f.increment };
    case 'SETTINGS': return { type: f.type, woken: f.woken };
    case 'STREAM_ERROR': return { type: f.type, streamId: f.streamId, errorCode: f.errorCode, reason: f.reason };
    case 'HEADERS': return { type: f.type, streamId: f.streamId, ...('flowOpened' in f && f.flowOpened ? { flowOpened: true } : {}) };
    case 'PUSH_PROMISE': return { type: f.type, streamId: f.streamId, promised: f.promisedStreamId, ...(f.flowOpened ? { flowOpened: true } : {}) };
    default: return { type: f.type, streamId: f.streamId };
  }
}
