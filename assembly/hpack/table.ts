// The HPACK dynamic table (RFC 7541 §2.3.2, §4) as two rings: one of entry
// bytes (name then value, possibly wrapping past the end) and one of entry
// metadata, a few words per entry in one array. Both start small and grow on
// demand up to what the table's maximum size needs, so a table holding the
// fields of one request costs two small buffers.
//
// Entries carry a sequence number: the n-th insertion ever made gets
// (n - 1) % 2^30 + 1. The host caches the strings it made for an entry under
// that number, so a dynamic entry's strings are made once (docs/abi.md).
// Invariants (docs/architecture.md): bytesUsed == sum of name+value lengths
// of live entries; size == bytesUsed + 32 * count <= maxSize; the metadata of
// the entry with sequence s lives in slot (s - 1) & entryMask, at words
// slot * metaWords of meta.
//
// An encoder's table is also indexed (withIndex): two hash chains, one by
// name and one by name and value, each ordered newest to oldest. Eviction is
// FIFO, so a chain never needs unlinking: the first dead entry met on a walk
// ends it, since everything after it is older still.

import { copyBytes, imul32 } from '../portable/target';
import { bytesEqual, hashBytes, nextPowerOfTwo, EMPTY_BYTES, EMPTY_WORDS } from '../bytes';
import { noteGarbage } from '../io';

/** ENTRY_OVERHEAD is the 32 octets RFC 7541 §4.1 adds to each entry's size. */
export const ENTRY_OVERHEAD = 32;
/** SEQUENCE_MASK keeps sequence numbers in 30 bits (they wrap, far beyond any table's reach). */
const SEQUENCE_MASK = 0x3fffffff;
const INITIAL_BYTES = 128;
const INITIAL_ENTRIES = 4;

// The words of an entry's metadata: where its bytes start, the two lengths, and
// for an indexed table the two hashes and the next-older entries in its chains.
const M_OFFSET = 0;
const M_NAME_LENGTH = 1;
const M_VALUE_LENGTH = 2;
const M_NAME_HASH = 3;
const M_VALUE_HASH = 4;
const M_NAME_NEXT = 5;
const M_FIELD_NEXT = 6;
/** META_WORDS and INDEXED_META_WORDS are the words per entry without and with the index. */
const META_WORDS = 3;
const INDEXED_META_WORDS = 7;

export class DynamicTable {
  bytes: Uint8Array = EMPTY_BYTES;
  byteMask: i32 = -1;
  /** writePos is where the next entry's bytes go (masked). */
  writePos: i32 = 0;
  bytesUsed: i32 = 0;

  /** Entry metadata by slot, metaWords words each (M_*); its capacity in entries is entryMask + 1.
   *  An indexed table keeps its chain heads after it, from bucketBase. */
  meta: Int32Array = EMPTY_WORDS;
  metaWords: i32;
  entryMask: i32 = -1;
  /** withIndex says whether hashes and hash chains are kept (the encoder needs them, the decoder does not). */
  withIndex: bool;
  /** Chain heads by hash bucket b, in meta: at bucketBase + 2b the sequence of the newest entry whose
   *  name hashes to b, at bucketBase + 2b + 1 that of the newest whose name and value do; 0 for none.
   *  The next-older entry in a chain is in the entry's metadata (M_NAME_NEXT, M_FIELD_NEXT). */
  bucketBase: i32 = 0;
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
    this.metaWords = withIndex ? INDEXED_META_WORDS : META_WORDS;
  }

  /** metaOf returns where entry slot's metadata starts in meta. */
  private metaOf(slot: i32): i32 {
    return slot * this.metaWords;
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
    const m = this.metaOf(this.slotOf(this.count));
    const n = unchecked(this.meta[m + M_NAME_LENGTH]) + unchecked(this.meta[m + M_VALUE_LENGTH]);
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
    assert(this.count <= this.entryMask + 1, 'dynamic table: entries over the ring');
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
    if (this.bytesUsed + n > this.bytes.length || this.count + 1 > this.entryMask + 1) {
      this.grow(this.bytesUsed + n, this.count + 1);
    }
    // The name and value are copied before anything is overwritten; callers
    // pass bytes that live outside this table (RFC 7541 §4.4 caution).
    const at = this.writePos;
    this.copyIn(at, src, nameAt, nameLength);
    this.copyIn((at + nameLength) & this.byteMask, vsrc, valueAt, valueLength);
    this.writePos = (at + n) & this.byteMask;
    const slot = this.inserted & this.entryMask;
    const m = this.metaOf(slot);
    const meta = this.meta;
    unchecked((meta[m + M_OFFSET] = at));
    unchecked((meta[m + M_NAME_LENGTH] = nameLength));
    unchecked((meta[m + M_VALUE_LENGTH] = valueLength));
    this.inserted = (this.inserted + 1) & SEQUENCE_MASK;
    this.count++;
    this.size += entrySize;
    this.bytesUsed += n;
    const seq = this.sequenceOf(1);
    if (this.withIndex) {
      unchecked((meta[m + M_NAME_HASH] = nameHash));
      unchecked((meta[m + M_VALUE_HASH] = valueHash));
      this.link(m, seq, nameHash, valueHash);
    }
    this.checkInvariants();
    return seq;
  }

  /** link puts the entry whose metadata is at m (sequence seq) at the head of its two chains. */
  private link(m: i32, seq: i32, nameHash: i32, valueHash: i32): void {
    const meta = this.meta;
    const nb = this.bucketBase + ((nameHash & this.bucketMask) << 1);
    unchecked((meta[m + M_NAME_NEXT] = unchecked(meta[nb])));
    unchecked((meta[nb] = seq));
    const fb = this.bucketBase + ((fieldHash(nameHash, valueHash) & this.bucketMask) << 1) + 1;
    unchecked((meta[m + M_FIELD_NEXT] = unchecked(meta[fb])));
    unchecked((meta[fb] = seq));
  }

  /** copyName copies entry i's name into dst at pos. */
  copyName(i: i32, dst: Uint8Array, pos: i32): void {
    const m = this.metaOf(this.slotOf(i));
    this.copyOut(unchecked(this.meta[m + M_OFFSET]), unchecked(this.meta[m + M_NAME_LENGTH]), dst, pos);
  }

  /** copyValue copies entry i's value into dst at pos. */
  copyValue(i: i32, dst: Uint8Array, pos: i32): void {
    const m = this.metaOf(this.slotOf(i));
    const at = (unchecked(this.meta[m + M_OFFSET]) + unchecked(this.meta[m + M_NAME_LENGTH])) & this.byteMask;
    this.copyOut(at, unchecked(this.meta[m + M_VALUE_LENGTH]), dst, pos);
  }

  nameLength(i: i32): i32 {
    return unchecked(this.meta[this.metaOf(this.slotOf(i)) + M_NAME_LENGTH]);
  }

  valueLength(i: i32): i32 {
    return unchecked(this.meta[this.metaOf(this.slotOf(i)) + M_VALUE_LENGTH]);
  }

  /** findName returns the newest entry index whose name is src[at..+len), or 0 (indexed tables only). */
  findName(src: Uint8Array, at: i32, len: i32, hash: i32): i32 {
    if (this.count == 0) return 0;
    const meta = this.meta;
    let seq = unchecked(meta[this.bucketBase + ((hash & this.bucketMask) << 1)]);
    for (;;) {
      const i = this.entryOfSequence(seq);
      if (i == 0) return 0;
      const m = this.metaOf(this.slotOf(i));
      if (
        unchecked(meta[m + M_NAME_HASH]) == hash &&
        unchecked(meta[m + M_NAME_LENGTH]) == len &&
        this.equalsAt(unchecked(meta[m + M_OFFSET]), src, at, len)
      ) {
        return i;
      }
      const next = unchecked(meta[m + M_NAME_NEXT]);
      // Chains only ever point to older entries; anything else is a stale head.
      if (this.entryOfSequence(next) <= i) return 0;
      seq = next;
    }
    return 0;
  }

  /** findField returns the newest entry index holding exactly this name (nameSrc[nameAt..+nameLength))
   *  and value (src[valueAt..+valueLength)), or 0 (indexed tables only). A static name keyed by the
   *  host is matched against the static table's bytes, so the two may live in different buffers. */
  findField(
    nameSrc: Uint8Array, nameAt: i32, nameLength: i32, nameHash: i32,
    src: Uint8Array, valueAt: i32, valueLength: i32, valueHash: i32,
  ): i32 {
    if (this.count == 0) return 0;
    const meta = this.meta;
    let seq = unchecked(meta[this.bucketBase + ((fieldHash(nameHash, valueHash) & this.bucketMask) << 1) + 1]);
    for (;;) {
      const i = this.entryOfSequence(seq);
      if (i == 0) return 0;
      const m = this.metaOf(this.slotOf(i));
      if (
        unchecked(meta[m + M_VALUE_HASH]) == valueHash &&
        unchecked(meta[m + M_NAME_HASH]) == nameHash &&
        unchecked(meta[m + M_NAME_LENGTH]) == nameLength &&
        unchecked(meta[m + M_VALUE_LENGTH]) == valueLength
      ) {
        const at = unchecked(meta[m + M_OFFSET]);
        if (
          this.equalsAt(at, nameSrc, nameAt, nameLength) &&
          this.equalsAt((at + nameLength) & this.byteMask, src, valueAt, valueLength)
        ) {
          return i;
        }
      }
      const next = unchecked(meta[m + M_FIELD_NEXT]);
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
    const byteCap = max(nextPowerOfTwo(needBytes), max(this.bytes.length, INITIAL_BYTES));
    const entryCap = max(nextPowerOfTwo(needEntries), max(this.entryMask + 1, INITIAL_ENTRIES));
    const words = this.metaWords;
    const bytes = new Uint8Array(byteCap);
    // An indexed table has two buckets per entry, each with two chain heads, after the metadata.
    const meta = new Int32Array(entryCap * words + (this.withIndex ? entryCap << 2 : 0));
    const entryMask = entryCap - 1;
    let pos = 0;
    for (let i = this.count; i >= 1; i--) {
      const from = this.metaOf(this.slotOf(i));
      const to = ((this.inserted - i) & entryMask) * words;
      const nameLength = unchecked(this.meta[from + M_NAME_LENGTH]);
      const valueLength = unchecked(this.meta[from + M_VALUE_LENGTH]);
      this.copyOut(unchecked(this.meta[from + M_OFFSET]), nameLength + valueLength, bytes, pos);
      // Hashes and lengths carry over; the chain links are re-made by rebuildIndex.
      for (let k = 0; k < words; k++) unchecked((meta[to + k] = unchecked(this.meta[from + k])));
      unchecked((meta[to + M_OFFSET] = pos));
      pos += nameLength + valueLength;
    }
    // The old rings are garbage now: counted, so the host collects (the minimal runtime frees only then).
    noteGarbage(this.bytes.length + (this.meta.length << 2));
    this.bytes = bytes;
    this.byteMask = byteCap - 1;
    this.writePos = pos & this.byteMask;
    this.meta = meta;
    this.entryMask = entryMask;
    if (this.withIndex) this.rebuildIndex(entryCap);
  }

  /** rebuildIndex re-links every live entry, oldest first, into chains sized for entryCap entries
   *  (meta was just made, so its chain heads are all 0). */
  private rebuildIndex(entryCap: i32): void {
    this.bucketBase = entryCap * this.metaWords;
    this.bucketMask = (entryCap << 1) - 1;
    for (let i = this.count; i >= 1; i--) {
      const m = this.metaOf(this.slotOf(i));
      this.link(m, this.sequenceOf(i), unchecked(this.meta[m + M_NAME_HASH]), unchecked(this.meta[m + M_VALUE_HASH]));
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
