// RecentlyClosed: the ids of the last streams that closed, and how. After a
// stream is gone, frames may still arrive for it, and RFC 9113 §5.1 answers
// them by how it closed: ignored after our RST_STREAM, a stream error
// STREAM_CLOSED after the peer's, a connection error STREAM_CLOSED after
// END_STREAM both ways; a HEADERS on an id never opened is PROTOCOL_ERROR
// (§5.1.1). The memory is a small ring, made on first use and grown to its
// full size only as streams close: a connection that served one request keeps
// one number.

export const CLOSED_NORMALLY = 1;
export const RESET_BY_PEER = 2;
export const RESET_BY_US = 3;
export type HowClosed = 0 | typeof CLOSED_NORMALLY | typeof RESET_BY_PEER | typeof RESET_BY_US;

/** RECENTLY_CLOSED is how many closed ids are remembered (a power of two). Older ones read as 0 (unknown). */
export const RECENTLY_CLOSED = 128;

/** RecentlyClosed remembers the last RECENTLY_CLOSED stream ids that closed. */
export class RecentlyClosed {
  /** id * 4 + how, by slot (next & (RECENTLY_CLOSED - 1)); it grows by push until it is full. */
  private ring: number[] | null = null;
  private next = 0;

  /** add records that stream id closed, and how. */
  add(id: number, how: Exclude<HowClosed, 0>): void {
    const record = id * 4 + how;
    if (this.ring === null) this.ring = [record];
    else if (this.next < RECENTLY_CLOSED) this.ring.push(record);
    else this.ring[this.next & (RECENTLY_CLOSED - 1)] = record;
    this.next++;
  }

  /** howClosed returns how stream id closed (the latest record), or 0 when it is not remembered. */
  howClosed(id: number): HowClosed {
    const ring = this.ring;
    if (ring === null) return 0;
    const n = Math.min(this.next, RECENTLY_CLOSED);
    for (let k = 1; k <= n; k++) {
      const how = ring[(this.next - k) & (RECENTLY_CLOSED - 1)] - id * 4;
      if (how >= CLOSED_NORMALLY && how <= RESET_BY_US) return how as HowClosed;
    }
    return 0;
  }
}
