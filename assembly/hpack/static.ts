// The HPACK static table (RFC 7541 Appendix A) as bytes, with name lookup.

import {
  STATIC_TABLE_LENGTH, STATIC_TABLE_BLOB, STATIC_NAME_OFFSETS, STATIC_NAME_LENGTHS,
  STATIC_VALUE_OFFSETS, STATIC_VALUE_LENGTHS,
} from './static_table';
import { hashBytes, bytesEqual } from '../bytes';

export const STATIC_LENGTH: i32 = STATIC_TABLE_LENGTH;
export const STATIC_BYTES = new Uint8Array(STATIC_TABLE_BLOB.length);
for (let i = 0; i < STATIC_TABLE_BLOB.length; i++) STATIC_BYTES[i] = u8(STATIC_TABLE_BLOB.charCodeAt(i));

export const STATIC_NAME_OFF = new Int32Array(STATIC_TABLE_LENGTH + 1);
export const STATIC_NAME_LEN = new Int32Array(STATIC_TABLE_LENGTH + 1);
export const STATIC_VALUE_OFF = new Int32Array(STATIC_TABLE_LENGTH + 1);
export const STATIC_VALUE_LEN = new Int32Array(STATIC_TABLE_LENGTH + 1);
for (let i = 0; i <= STATIC_TABLE_LENGTH; i++) {
  STATIC_NAME_OFF[i] = STATIC_NAME_OFFSETS[i];
  STATIC_NAME_LEN[i] = STATIC_NAME_LENGTHS[i];
  STATIC_VALUE_OFF[i] = STATIC_VALUE_OFFSETS[i];
  STATIC_VALUE_LEN[i] = STATIC_VALUE_LENGTHS[i];
}

// Well-known static indices the encoder's policy refers to.
export const STATIC_AUTHORIZATION = 23;
export const STATIC_COOKIE = 32;
export const STATIC_PROXY_AUTHORIZATION = 49;

/** NAME_BUCKETS is the size of the open-addressing name index (a power of two > 2 x 61). */
const NAME_BUCKETS = 256;
/** nameIndex[bucket] = first static index with that name, 0 for empty. */
const nameIndex = new Int32Array(NAME_BUCKETS);
const nameHashes = new Int32Array(STATIC_TABLE_LENGTH + 1);
/** nameRunEnd[i] is one past the last static index sharing entry i's name (same names are adjacent). */
const nameRunEnd = new Int32Array(STATIC_TABLE_LENGTH + 2);
for (let i = STATIC_TABLE_LENGTH; i >= 1; i--) {
  const sameAsNext =
    i < STATIC_TABLE_LENGTH &&
    STATIC_NAME_LEN[i] == STATIC_NAME_LEN[i + 1] &&
    bytesEqual(STATIC_BYTES, STATIC_NAME_OFF[i], STATIC_BYTES, STATIC_NAME_OFF[i + 1], STATIC_NAME_LEN[i]);
  nameRunEnd[i] = sameAsNext ? nameRunEnd[i + 1] : i + 1;
}
for (let i = 1; i <= STATIC_TABLE_LENGTH; i++) {
  const h = hashBytes(STATIC_BYTES, STATIC_NAME_OFF[i], STATIC_NAME_OFF[i] + STATIC_NAME_LEN[i]);
  nameHashes[i] = h;
  // Index only the first entry of each run of equal names.
  if (i > 1 && nameRunEnd[i - 1] == nameRunEnd[i]) continue;
  let b = h & (NAME_BUCKETS - 1);
  while (nameIndex[b] != 0) b = (b + 1) & (NAME_BUCKETS - 1);
  nameIndex[b] = i;
}

/** staticNameHash returns the name hash of static index i (as hashBytes makes it). */
export function staticNameHash(i: i32): i32 {
  return unchecked(nameHashes[i]);
}

/** staticNameFirst reports whether static index i is the first of the entries sharing its name
 *  (the index staticFindName returns, and the one staticFindField starts from). */
export function staticNameFirst(i: i32): bool {
  return i == 1 || unchecked(nameRunEnd[i - 1]) != unchecked(nameRunEnd[i]);
}

/** staticFindName returns the first static index whose name is src[start..start+len), or 0. */
export function staticFindName(src: Uint8Array, start: i32, len: i32, hash: i32): i32 {
  let b = hash & (NAME_BUCKETS - 1);
  for (let probes = 0; probes < NAME_BUCKETS; probes++) {
    const i = unchecked(nameIndex[b]);
    if (i == 0) return 0;
    if (
      unchecked(nameHashes[i]) == hash &&
      unchecked(STATIC_NAME_LEN[i]) == len &&
      bytesEqual(STATIC_BYTES, unchecked(STATIC_NAME_OFF[i]), src, start, len)
    ) {
      return i;
    }
    b = (b + 1) & (NAME_BUCKETS - 1);
  }
  return 0;
}

/** staticFindField returns the static index with name index nameIdx's name
 *  and value src[start..start+len), or 0. */
export function staticFindField(nameIdx: i32, src: Uint8Array, start: i32, len: i32): i32 {
  const end = unchecked(nameRunEnd[nameIdx]);
  for (let i = nameIdx; i < end; i++) {
    if (
      unchecked(STATIC_VALUE_LEN[i]) == len &&
      bytesEqual(STATIC_BYTES, unchecked(STATIC_VALUE_OFF[i]), src, start, len)
    ) {
      return i;
    }
  }
  return 0;
}
