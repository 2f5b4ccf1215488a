// The HPACK dynamic table (RFC 7541 §2.3.2, §4) as two rings: one of entry
// bytes (name then value, possibly wrapping past the end) and one of entry
// metadata. Both start empty, so an idle connection's table costs a few
// words, and grow on demand (the first time to the room for maxSize, up to
// FIRST_GROWTH_BYTES) up to what the table's maximum size needs.
//
// Entries carry a sequence number: the n-th insertion ever made gets
// (n - 1) % 2^30 + 1. The host caches the strings it made for an entry under
// that number, so a dynamic entry's strings are made once (docs/abi.md).
// Invariants (docs/architecture.md): bytesUsed == sum of name+value lengths
// of live entries; size == bytesUsed + 32 * count <= maxSize; the metadata of
// the entry with sequence s lives in slot (s - 1) & entryMask.
//
// An encoder's table is also indexed (withIndex): two hash chains, one by
// name and one by name and value, each ordered newest to oldest. Eviction is
// FIFO, so a chain never needs unlinking: the first dead entry met on a walk
// ends it, since everything after it is older still.

import { copyBytes, imul32 } from '../portable/target';
import { bytesEqual, hashBytes, nextPowerOfTwo, EMPTY_BYTES, EMPTY_WORDS } from '../bytes';

/** ENTRY_OVERHEAD is the 32 octets RFC 7541 §4.1 adds to each entry's size. */
export const ENTRY_OVERHEAD = 32;
/** SEQUENCE_MASK keeps sequence numbers in 30 bits (they wrap, far beyond any table's reach). */
const SEQUENCE_MASK = 0x3fffffff;
/** FIRST_GROWTH_BYTES caps the ring's first allocation: a table that takes
 *  one entry usually takes many (the browser workload grew 256 → 4096 in four
 *  steps, each re-allocating every ring: a third of its core decode time), so
 *  the first growth goes straight to the room maxSize needs, up to 4 KiB
 *  (the default SETTINGS_HEADER_TABLE_SIZE). An idle connection never grows. */
const FIRST_GROWTH_BYTES = 4096;
const MIN_BYTES = 256;
const MIN_ENTRIES = 8;

export class DynamicTable {
  bytes: Uint8Array = EMPTY_BYTES;
  byteMask: i32 = -1;
  /** writePos is where the next entry's bytes go (masked). */
  writePos: i32 = 0;
  bytesUsed: i32 = 0;

  entryOffset: Int32Array = EMPTY_WORDS;
  entryNameLength: Int32Array = EMPTY_WORDS;
  entryValueLength: Int32Array = EMPTY_WORDS;
  entryNameHash: Int32Array = EMPTY_WORDS;
  entryValueHash: Int32Array = EMPTY_WORDS;
  entryMask: i32 = -1;
  /** withIndex says whether hashes and hash chains are kept (the encoder needs them, the decoder does not). */
  withIndex: bool;
  /** Chain heads by hash bucket: the sequence of the newest entry in the bucket, 0 for none. */
  nameBuckets: Int32Array = EMPTY_WORDS;
  fieldBuckets: Int32Array = EMPTY_WORDS;
  /** Next-older entry's sequence in the same bucket, by slot. */
  nameNext: Int32Array = EMPTY_WORDS;
  fieldNext: Int32Array = EMPTY_WORDS;
  bucketMask: i32 = -1;
  /** inserted counts insertions modulo 2^30; the newest entry's sequence is inserted (or 2^30 when it wrapped to 0). */
  inserted: i32 = 0;
  count: i32 = 0;
  /** size is the RFC 7541 §4.1 size: the sum of name + value + 32 over entries. */
  size: i32 = 0;
  maxSize: i32;

  constructor(maxSize: i32, withIndex: bool) {
    this.maxSize = maxSize;
    this.withIndex = withIndex;
  }

  /** entryOfSequence returns the index (1 = newest) of the live entry with sequence seq, or 0. */
  entryOfSequence(seq: i32): i32 {
    const i = ((this.inserted - seq + 1) & SEQUENCE_MASK);
    return seq > 0 && i >= 1 && i <= this.count ? i : 0;
  }

  /** slotOf returns the metadata slot of entry i (1 = newest). */
  slotOf(i: i32): i32 {
    return (this.inserted - i) & this.entryMask;
  }

  /** sequenceOf returns the sequence number of entry i (1 = newest). */
  sequenceOf(i: i32): i32 {
    return ((this.inserted - i) & SEQUENCE_MASK) + 1;
  }

  /** setMaxSize changes the maximum size, evicting the oldest entries to fit (RFC 7541 §4.3). */
  setMaxSize(maxSize: i32): void {
    this.maxSize = maxSize;
    while (this.size > maxSize) this.evictOldest();
    this.checkInvariants();
  }

  evictOldest(): void {
    const slot = this.slotOf(this.count);
    const n = unchecked(this.entryNameLength[slot]) + unchecked(this.entryValueLength[slot]);
    this.bytesUsed -= n;
    this.size -= n + ENTRY_OVERHEAD;
    this.count--;
  }

  /** checkInvariants asserts the rules in the header comment (debug builds
   *  only: the release build is compiled without asserts, and in the JS build
   *  assert is a no-op). Called after whole operations, never mid-eviction. */
  checkInvariants(): void {
    assert(this.count >= 0 && this.bytesUsed >= 0, 'dynamic table: negative count or bytes');
    assert(this.size == this.bytesUsed + ENTRY_OVERHEAD * this.count, 'dynamic table: size != bytes + 32 * count');
    assert(this.size <= this.maxSize || this.count == 0, 'dynamic table: size over maxSize');
    assert(this.bytesUsed <= this.bytes.length, 'dynamic table: live bytes over the ring');
    assert(this.count <= this.entryOffset.length, 'dynamic table: entries over the ring');
  }

  /** insert adds an entry made of name src[nameAt..+nameLength) and value
   *  vsrc[valueAt..+valueLength) (RFC 7541 §4.4), and returns its sequence
   *  number, or 0 when the entry is larger than the table (which empties it). */
  insert(
    src: Uint8Array, nameAt: i32, nameLength: i32,
    vsrc: Uint8Array, valueAt: i32, valueLength: i32,
    nameHash: i32, valueHash: i32,
  ): i32 {
    const n = nameLength + valueLength;
    const entrySize = n + ENTRY_OVERHEAD;
    if (entrySize > this.maxSize) {
      // "an attempt to add an entry larger than the maximum size causes the
      // table to be emptied of all existing entries and results in an empty table"
      while (this.count > 0) this.evictOldest();
      this.checkInvariants();
      return 0;
    }
    while (this.size + entrySize > this.maxSize) this.evictOldest();
    if (this.bytesUsed + n > this.bytes.length || this.count + 1 > this.entryOffset.length) {
      this.grow(this.bytesUsed + n, this.count + 1);
    }
    // The name and value are copied before anything is overwritten; callers
    // pass bytes that live outside this table (RFC 7541 §4.4 caution).
    const at = this.writePos;
    this.copyIn(at, src, nameAt, nameLength);
    this.copyIn((at + nameLength) & this.byteMask, vsrc, valueAt, valueLength);
    this.writePos = (at + n) & this.byteMask;
    const slot = this.inserted & this.entryMask;
    unchecked((this.entryOffset[slot] = at));
    unchecked((this.entryNameLength[slot] = nameLength));
    unchecked((this.entryValueLength[slot] = valueLength));
    if (this.withIndex) {
      unchecked((this.entryNameHash[slot] = nameHash));
      unchecked((this.entryValueHash[slot] = valueHash));
    }
    this.inserted = (this.inserted + 1) & SEQUENCE_MASK;
    this.count++;
    this.size += entrySize;
    this.bytesUsed += n;
    const seq = this.sequenceOf(1);
    if (this.withIndex) this.link(slot, seq, nameHash, valueHash);
    this.checkInvariants();
    return seq;
  }

  /** link puts the entry in slot (sequence seq) at the head of its two chains. */
  private link(slot: i32, seq: i32, nameHash: i32, valueHash: i32): void {
    const nb = nameHash & this.bucketMask;
    unchecked((this.nameNext[slot] = unchecked(this.nameBuckets[nb])));
    unchecked((this.nameBuckets[nb] = seq));
    const fb = fieldHash(nameHash, valueHash) & this.bucketMask;
    unchecked((this.fieldNext[slot] = unchecked(this.fieldBuckets[fb])));
    unchecked((this.fieldBuckets[fb] = seq));
  }

  /** copyName copies entry i's name into dst at pos. */
  copyName(i: i32, dst: Uint8Array, pos: i32): void {
    const slot = this.slotOf(i);
    this.copyOut(unchecked(this.entryOffset[slot]), unchecked(this.entryNameLength[slot]), dst, pos);
  }

  /** copyValue copies entry i's value into dst at pos. */
  copyValue(i: i32, dst: Uint8Array, pos: i32): void {
    const slot = this.slotOf(i);
    const at = (unchecked(this.entryOffset[slot]) + unchecked(this.entryNameLength[slot])) & this.byteMask;
    this.copyOut(at, unchecked(this.entryValueLength[slot]), dst, pos);
  }

  nameLength(i: i32): i32 {
    return unchecked(this.entryNameLength[this.slotOf(i)]);
  }

  valueLength(i: i32): i32 {
    return unchecked(this.entryValueLength[this.slotOf(i)]);
  }

  /** findName returns the newest entry index whose name is src[at..+len), or 0 (indexed tables only). */
  findName(src: Uint8Array, at: i32, len: i32, hash: i32): i32 {
    if (this.count == 0) return 0;
    let seq = unchecked(this.nameBuckets[hash & this.bucketMask]);
    for (;;) {
      const i = this.entryOfSequence(seq);
      if (i == 0) return 0;
      const slot = this.slotOf(i);
      if (
        unchecked(this.entryNameHash[slot]) == hash &&
        unchecked(this.entryNameLength[slot]) == len &&
        this.equalsAt(unchecked(this.entryOffset[slot]), src, at, len)
      ) {
        return i;
      }
      const next = unchecked(this.nameNext[slot]);
      // Chains only ever point to older entries; anything else is a stale head.
      if (this.entryOfSequence(next) <= i) return 0;
      seq = next;
    }
    return 0;
  }

  /** findField returns the newest entry index holding exactly this name (nameSrc[nameAt..+nameLength))
   *  and value (src[valueAt..+valueLength)), or 0 (indexed tables only). */
  findField(
    nameSrc: Uint8Array, nameAt: i32, nameLength: i32, nameHash: i32,
    src: Uint8Array, valueAt: i32, valueLength: i32, valueHash: i32,
  ): i32 {
    if (this.count == 0) return 0;
    let seq = unchecked(this.fieldBuckets[fieldHash(nameHash, valueHash) & this.bucketMask]);
    for (;;) {
      const i = this.entryOfSequence(seq);
      if (i == 0) return 0;
      const slot = this.slotOf(i);
      if (
        unchecked(this.entryValueHash[slot]) == valueHash &&
        unchecked(this.entryNameHash[slot]) == nameHash &&
        unchecked(this.entryNameLength[slot]) == nameLength &&
        unchecked(this.entryValueLength[slot]) == valueLength
      ) {
        const at = unchecked(this.entryOffset[slot]);
        if (
          this.equalsAt(at, nameSrc, nameAt, nameLength) &&
          this.equalsAt((at + nameLength) & this.byteMask, src, valueAt, valueLength)
        ) {
          return i;
        }
      }
      const next = unchecked(this.fieldNext[slot]);
      if (this.entryOfSequence(next) <= i) return 0;
      seq = next;
    }
    return 0;
  }

  private equalsAt(at: i32, src: Uint8Array, pos: i32, len: i32): bool {
    const first = min(len, this.bytes.length - at);
    if (!bytesEqual(this.bytes, at, src, pos, first)) return false;
    return first == len || bytesEqual(this.bytes, 0, src, pos + first, len - first);
  }

  private copyIn(at: i32, src: Uint8Array, pos: i32, len: i32): void {
    const first = min(len, this.bytes.length - at);
    copyBytes(this.bytes, at, src, pos, first);
    if (first < len) copyBytes(this.bytes, 0, src, pos + first, len - first);
  }

  private copyOut(at: i32, len: i32, dst: Uint8Array, pos: i32): void {
    const first = min(len, this.bytes.length - at);
    copyBytes(dst, pos, this.bytes, at, first);
    if (first < len) copyBytes(dst, pos + first, this.bytes, 0, len - first);
  }

  /** grow re-lays both rings with room for needBytes and needEntries, oldest entry first. */
  private grow(needBytes: i32, needEntries: i32): void {
    // First growth: the room maxSize needs (entries are at least 32 octets), up to FIRST_GROWTH_BYTES.
    const first = min(nextPowerOfTwo(max(this.maxSize, MIN_BYTES)), FIRST_GROWTH_BYTES);
    const byteCap = max(nextPowerOfTwo(needBytes), max(this.bytes.length, first));
    const entryCap = max(nextPowerOfTwo(needEntries), max(this.entryOffset.length, max(first / ENTRY_OVERHEAD, MIN_ENTRIES)));
    const bytes = new Uint8Array(byteCap);
    const offset = new Int32Array(entryCap);
    const nameLength = new Int32Array(entryCap);
    const valueLength = new Int32Array(entryCap);
    // Hashes only for an indexed (encoder's) table: a decoder never searches.
    const nameHash = this.withIndex ? new Int32Array(entryCap) : EMPTY_WORDS;
    const valueHash = this.withIndex ? new Int32Array(entryCap) : EMPTY_WORDS;
    const entryMask = entryCap - 1;
    let pos = 0;
    for (let i = this.count; i >= 1; i--) {
      const from = this.slotOf(i);
      const to = (this.inserted - i) & entryMask;
      const n = unchecked(this.entryNameLength[from]) + unchecked(this.entryValueLength[from]);
      this.copyOut(unchecked(this.entryOffset[from]), n, bytes, pos);
      unchecked((offset[to] = pos));
      unchecked((nameLength[to] = unchecked(this.entryNameLength[from])));
      unchecked((valueLength[to] = unchecked(this.entryValueLength[from])));
      if (this.withIndex) {
        unchecked((nameHash[to] = unchecked(this.entryNameHash[from])));
        unchecked((valueHash[to] = unchecked(this.entryValueHash[from])));
      }
      pos += n;
    }
    this.bytes = bytes;
    this.byteMask = byteCap - 1;
    this.writePos = pos & this.byteMask;
    this.entryOffset = offset;
    this.entryNameLength = nameLength;
    this.entryValueLength = valueLength;
    this.entryNameHash = nameHash;
    this.entryValueHash = valueHash;
    this.entryMask = entryMask;
    if (this.withIndex) this.rebuildIndex(entryCap);
  }

  /** rebuildIndex re-links every live entry, oldest first, into chains sized for entryCap entries. */
  private rebuildIndex(entryCap: i32): void {
    const buckets = entryCap << 1;
    this.nameBuckets = new Int32Array(buckets);
    this.fieldBuckets = new Int32Array(buckets);
    this.nameNext = new Int32Array(entryCap);
    this.fieldNext = new Int32Array(entryCap);
    this.bucketMask = buckets - 1;
    for (let i = this.count; i >= 1; i--) {
      const slot = this.slotOf(i);
      this.link(slot, this.sequenceOf(i), unchecked(this.entryNameHash[slot]), unchecked(this.entryValueHash[slot]));
    }
  }
}

/** fieldHash combines a name hash and a value hash into the key of the name-and-value chain. */
function fieldHash(nameHash: i32, valueHash: i32): i32 {
  return nameHash ^ (imul32(valueHash, 31) + (valueHash >>> 16));
}

/** hashField is the hash the tables keep for a name or a value. */
export function hashField(src: Uint8Array, at: i32, len: i32): i32 {
  return hashBytes(src, at, at + len);
}
