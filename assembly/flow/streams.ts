// The per-stream windows of one connection, in slots.
//
// A stream is addressed by (slot, stream id). Stream identifiers are never
// reused on a connection (RFC 9113 §5.1.1), so the pair names one stream for
// ever: once the stream is closed and its slot reused, the old pair no longer
// matches and is rejected with ERR_BAD_HANDLE (STYLE habit 6).
//
// All slots live in one Int32Array, STREAM_WORDS words each. The table starts
// with room for INITIAL_STREAM_SLOTS streams (an idle connection costs a few
// dozen bytes), doubles when full, and drops back to that size when its last
// stream closes after it had grown past SHRINK_ABOVE_SLOTS.
//
// The batched calls (the reader's DATA and WINDOW_UPDATE, the flush's
// commands) name a stream by id alone, so the table also keeps an index from
// stream id to slot: open addressing with linear probing in two Int32Arrays
// of twice the slot capacity (load at most one half), deletion by backward
// shift (no tombstones), rebuilt whenever the table grows or resets. Ids are
// mixed by a multiplicative hash so that sequential ids (1, 3, 5, ...) and
// ids a peer picks to collide spread alike.

import { ERR_BAD_ARGUMENT, ERR_BAD_HANDLE, ERR_OUT_OF_MEMORY } from '../abi';
import { imul32 } from '../portable/target';

/** STREAM_WORDS is the number of i32 words per slot. */
export const STREAM_WORDS = 6;
/** S_ID holds the stream id, or 0 for a free slot. */
export const S_ID = 0;
/** S_SEND is the stream's send window; in a free slot, the next free slot (or -1). */
export const S_SEND = 1;
/** S_RECV is the stream's receive window: what the peer may still send on it. */
export const S_RECV = 2;
/** S_HELD counts bytes received on the stream that the application has not consumed yet. */
export const S_HELD = 3;
/** S_OWED_AT is 1 + the index of the stream's entry in its FlowControl's owed list, or 0 (flow/control.ts). */
export const S_OWED_AT = 4;
/** S_REMOTE_ENDED is 1 once the peer ended the stream (END_STREAM read): its receive window is never replenished again. */
export const S_REMOTE_ENDED = 5;

/** HASH_MULTIPLIER is 2^32 / golden ratio (0x9E3779B1) as an i32: Fibonacci hashing. */
const HASH_MULTIPLIER: i32 = -1640531535;

/** idHash mixes a stream id into an index hash. */
function idHash(id: i32): i32 {
  const h = imul32(id, HASH_MULTIPLIER);
  return h ^ (h >>> 15);
}

/** INITIAL_STREAM_SLOTS is the table's starting size. */
export const INITIAL_STREAM_SLOTS = 4;
/** SHRINK_ABOVE_SLOTS: a table larger than this is reallocated small when it empties. */
export const SHRINK_ABOVE_SLOTS = 64;
/** MAX_STREAM_SLOTS caps the streams open at once on one connection; far above any
 *  sane SETTINGS_MAX_CONCURRENT_STREAMS, it only stops a leaking host from eating memory. */
export const MAX_STREAM_SLOTS = 1 << 16;

/** StreamTable holds the windows of the open streams of one connection. */
export class StreamTable {
  words: Int32Array = new Int32Array(INITIAL_STREAM_SLOTS * STREAM_WORDS);
  /** capacity is the number of slots in words. */
  capacity: i32 = INITIAL_STREAM_SLOTS;
  /** used is how many slots have ever been handed out since the last reset (slots >= used are untouched). */
  used: i32 = 0;
  /** freeHead is the first slot of the free list (threaded through S_SEND), or -1. */
  freeHead: i32 = -1;
  /** openCount is the number of open streams. */
  openCount: i32 = 0;
  /** indexKeys[i] is a stream id (0: empty) and indexSlots[i] its slot; length 2 * capacity. */
  indexKeys: Int32Array = new Int32Array(INITIAL_STREAM_SLOTS * 2);
  indexSlots: Int32Array = new Int32Array(INITIAL_STREAM_SLOTS * 2);

  /** open takes a slot for streamId and returns it, or ERR_OUT_OF_MEMORY when the table is full. */
  open(streamId: i32, send: i32, recv: i32): i32 {
    if (streamId <= 0) return ERR_BAD_ARGUMENT;
    // A stream id names one stream for ever (RFC 9113 §5.1.1): open twice is a host bug.
    if (this.findId(streamId) >= 0) return ERR_BAD_ARGUMENT;
    let slot: i32;
    if (this.freeHead >= 0) {
      slot = this.freeHead;
      this.freeHead = unchecked(this.words[slot * STREAM_WORDS + S_SEND]);
    } else {
      if (this.used >= this.capacity) {
        if (this.capacity >= MAX_STREAM_SLOTS) return ERR_OUT_OF_MEMORY;
        this.grow();
      }
      slot = this.used++;
    }
    const base = slot * STREAM_WORDS;
    unchecked((this.words[base + S_ID] = streamId));
    unchecked((this.words[base + S_SEND] = send));
    unchecked((this.words[base + S_RECV] = recv));
    unchecked((this.words[base + S_HELD] = 0));
    unchecked((this.words[base + S_OWED_AT] = 0));
    unchecked((this.words[base + S_REMOTE_ENDED] = 0));
    this.openCount++;
    this.indexInsert(streamId, slot);
    return slot;
  }

  /** findId returns the index in words of the open stream streamId's slot, or -1 if no slot has it. */
  findId(streamId: i32): i32 {
    if (streamId <= 0) return -1;
    const keys = this.indexKeys;
    const mask = keys.length - 1;
    let i = idHash(streamId) & mask;
    // The index is at most half full, so an empty entry ends every probe.
    while (true) {
      const k = unchecked(keys[i]);
      if (k == streamId) return unchecked(this.indexSlots[i]) * STREAM_WORDS;
      if (k == 0) return -1;
      i = (i + 1) & mask;
    }
    return -1;
  }

  /**
   * find returns the index in words of the slot that (slot, streamId) names,
   * ERR_BAD_ARGUMENT for an impossible stream id, or ERR_BAD_HANDLE when the
   * slot is out of range, free, or holds another stream.
   */
  find(slot: i32, streamId: i32): i32 {
    if (streamId <= 0) return ERR_BAD_ARGUMENT;
    if (slot < 0 || slot >= this.used) return ERR_BAD_HANDLE;
    const base = slot * STREAM_WORDS;
    if (unchecked(this.words[base + S_ID]) != streamId) return ERR_BAD_HANDLE;
    return base;
  }

  /** close frees the slot at base (from find); the last close resets the table. */
  close(base: i32): void {
    this.indexRemove(this.words[base + S_ID]);
    this.words[base + S_ID] = 0;
    this.words[base + S_SEND] = this.freeHead;
    this.words[base + S_RECV] = 0;
    this.words[base + S_HELD] = 0;
    this.words[base + S_OWED_AT] = 0;
    this.words[base + S_REMOTE_ENDED] = 0;
    this.freeHead = i32(base / STREAM_WORDS);
    this.openCount--;
    if (this.openCount == 0) this.reset();
  }

  // get, set and close take a base that find vouched for, so they are in
  // bounds; they index with checks all the same, as a base from anywhere else
  // would be a bug in the core, and a trap is the loudest way to find it.

  /** get returns word `field` of the slot at base (from find). */
  get(base: i32, field: i32): i32 {
    return this.words[base + field];
  }

  /** set stores word `field` of the slot at base (from find). */
  set(base: i32, field: i32, value: i32): void {
    this.words[base + field] = value;
  }

  /** reset forgets every slot; a grown table goes back to its starting size. */
  private reset(): void {
    if (this.capacity > SHRINK_ABOVE_SLOTS) {
      this.words = new Int32Array(INITIAL_STREAM_SLOTS * STREAM_WORDS);
      this.capacity = INITIAL_STREAM_SLOTS;
    } else {
      this.words.fill(0);
    }
    this.used = 0;
    this.freeHead = -1;
    this.rebuildIndex();
  }

  private grow(): void {
    const n = this.capacity << 1;
    const next = new Int32Array(n * STREAM_WORDS);
    next.set(this.words, 0);
    this.words = next;
    this.capacity = n;
    this.rebuildIndex();
  }

  /** rebuildIndex sizes the index for the capacity and enters every open slot. */
  private rebuildIndex(): void {
    const size = this.capacity * 2;
    if (this.indexKeys.length != size) {
      this.indexKeys = new Int32Array(size);
      this.indexSlots = new Int32Array(size);
    } else {
      this.indexKeys.fill(0);
    }
    for (let slot = 0; slot < this.used; slot++) {
      const id = this.words[slot * STREAM_WORDS + S_ID];
      if (id != 0) this.indexInsert(id, slot);
    }
  }

  private indexInsert(id: i32, slot: i32): void {
    const keys = this.indexKeys;
    // Debug builds only: at most half full, so every probe ends at an empty entry.
    assert(this.openCount * 2 <= keys.length, 'flow: stream index over half full');
    const mask = keys.length - 1;
    let i = idHash(id) & mask;
    while (unchecked(keys[i]) != 0) i = (i + 1) & mask;
    unchecked((keys[i] = id));
    unchecked((this.indexSlots[i] = slot));
  }

  /** indexRemove deletes id, shifting later entries of its probe run back so no probe stops early. */
  private indexRemove(id: i32): void {
    const keys = this.indexKeys;
    const slots = this.indexSlots;
    const mask = keys.length - 1;
    let i = idHash(id) & mask;
    while (true) {
      const k = unchecked(keys[i]);
      if (k == 0) return;
      if (k == id) break;
      i = (i + 1) & mask;
    }
    // Backward-shift deletion: move up any later entry whose home is at or before the hole.
    let hole = i;
    let j = (i + 1) & mask;
    while (true) {
      const k = unchecked(keys[j]);
      if (k == 0) break;
      const home = idHash(k) & mask;
      // The entry at j may fill the hole if its home is not in (hole, j] (cyclically).
      if (((j - home) & mask) >= ((j - hole) & mask)) {
        unchecked((keys[hole] = k));
        unchecked((slots[hole] = unchecked(slots[j])));
        hole = j;
      }
      j = (j + 1) & mask;
    }
    unchecked((keys[hole] = 0));
  }
}
