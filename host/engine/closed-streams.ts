// RecentlyClosed: the ids of the last streams that closed, and how. After a
// stream is gone, frames may still arrive for it, and RFC 9113 §5.1 answers
// them by how it closed: ignored after our RST_STREAM, a stream error
// STREAM_CLOSED after the peer's, a connection error STREAM_CLOSED after
// END_STREAM both ways; a HEADERS on an id never opened is PROTOCOL_ERROR
// (§5.1.1). The memory is a small ring, made on first use.

export const CLOSED_NORMALLY = 1;
export const RESET_BY_PEER = 2;
export const RESET_BY_US = 3;
export type HowClosed = 0 | typeof CLOSED_NORMALLY | typeof RESET_BY_PEER | typeof RESET_BY_US;

/** RECENTLY_CLOSED is how many closed ids are remembered (a power of two). Older ones read as 0 (unknown). */
export const RECENTLY_CLOSED = 128;

/** RecentlyClosed remembers the last RECENTLY_CLOSED stream ids that closed. */
export class RecentlyClosed {
  private ids: Int32Array | null = null;
  private how: Uint8Array | null = null;
  private next = 0;

  /** add records that stream id closed, and how. */
  add(id: number, how: Exclude<HowClosed, 0>): void {
    if (this.ids === null) {
      this.ids = new Int32Array(RECENTLY_CLOSED);
      this.how = new Uint8Array(RECENTLY_CLOSED);
    }
    const slot = this.next++ & (RECENTLY_CLOSED - 1);
    this.ids[slot] = id;
    this.how![slot] = how;
  }

  /** howClosed returns how stream id closed (the latest record), or 0 when it is not remembered. */
  howClosed(id: number): HowClosed {
    const ids = this.ids;
    if (ids === null) return 0;
    const n = Math.min(this.next, RECENTLY_CLOSED);
    for (let k = 1; k <= n; k++) {
      const slot = (this.next - k) & (RECENTLY_CLOSED - 1);
      if (ids[slot] === id) return this.how![slot] as HowClosed;
    }
    return 0;
  }
}
