// The HPACK encoder. One call encodes one field list, described by field
// records in ioFields with bytes in ioIn (abi.ts), into a block in ioOut.
//
// Representation policy, field by field:
//  - sensitive (flagged by the host, or authorization, proxy-authorization,
//    or a cookie shorter than 20 octets, RFC 7541 §7.1.3): never indexed;
//  - exact match in the static or dynamic table: indexed (§6.1);
//  - otherwise a literal naming a table entry where one has the name (static
//    preferred), with incremental indexing when the host allows it and the
//    entry fits the table, else without indexing.
// Strings are Huffman-coded only where that is shorter ('auto'). A table size
// change is signalled at the start of the next block (§4.2).

import {
  ERR_BAD_ARGUMENT, ERR_OUT_OF_MEMORY, HUFFMAN_ALWAYS, HUFFMAN_NEVER,
  FIELD_WORDS, FIELD_FLAGS, FIELD_NAME_KEY, FIELD_NAME_OFF, FIELD_NAME_LEN, FIELD_VALUE_OFF, FIELD_VALUE_LEN,
  FIELD_F_SENSITIVE, FIELD_F_NO_INDEX,
} from '../abi';
import { ioIn, ioFields, ioOut, reserveOut } from '../io';
import { copyBytes } from '../portable/target';
import { encodeInteger } from './integer';
import { huffmanEncode, huffmanEncodedLength } from './huffman';
import { DynamicTable, ENTRY_OVERHEAD, hashField } from './table';
import {
  STATIC_LENGTH, STATIC_BYTES, STATIC_NAME_OFF, STATIC_NAME_LEN, staticFindName, staticFindField,
  staticNameHash, staticNameFirst, STATIC_AUTHORIZATION, STATIC_PROXY_AUTHORIZATION, STATIC_COOKIE,
} from './static';

/** MAX_ENCODER_TABLE_SIZE caps the table we keep for a peer, whatever its
 *  SETTINGS_HEADER_TABLE_SIZE: the encoder may always use less than allowed
 *  (RFC 7541 §4.2), and a peer must not make us hold megabytes per connection. */
export const MAX_ENCODER_TABLE_SIZE = 65536;
/** SHORT_COOKIE is the length under which a cookie is never indexed (RFC 7541 §7.1.3). */
const SHORT_COOKIE = 20;
/** HUFFMAN_WORST_RATIO bounds Huffman output per input octet (codes are at most 30 bits). */
const HUFFMAN_WORST_RATIO = 4;

export class Encoder {
  table: DynamicTable;
  huffman: i32;
  /** pendingMin and pendingFinal are the smallest and the last table size set since the last block, or -1. */
  pendingMin: i32 = -1;
  pendingFinal: i32 = -1;

  constructor(maxTableSize: i32, huffman: i32) {
    this.table = new DynamicTable(min(maxTableSize, MAX_ENCODER_TABLE_SIZE), true);
    this.huffman = huffman;
  }

  /** setMaxTableSize takes the peer's new SETTINGS_HEADER_TABLE_SIZE. */
  setMaxTableSize(size: i32): void {
    const next = min(size, MAX_ENCODER_TABLE_SIZE);
    if (this.pendingFinal < 0 && next == this.table.maxSize) return;
    this.pendingMin = this.pendingMin < 0 ? next : min(this.pendingMin, next);
    this.pendingFinal = next;
  }

  /** encode encodes `count` field records and returns the block's length in ioOut, or an ERR_* value. */
  encode(count: i32): i32 {
    if (count < 0 || count * FIELD_WORDS > ioFields.length) return ERR_BAD_ARGUMENT;
    let need = 16;
    for (let f = 0; f < count; f++) {
      const w = f * FIELD_WORDS;
      const nameKey = unchecked(ioFields[w + FIELD_NAME_KEY]);
      let nameOff = unchecked(ioFields[w + FIELD_NAME_OFF]);
      let nameLen = unchecked(ioFields[w + FIELD_NAME_LEN]);
      const valueOff = unchecked(ioFields[w + FIELD_VALUE_OFF]);
      const valueLen = unchecked(ioFields[w + FIELD_VALUE_LEN]);
      if (nameKey != 0) {
        // The host named a static name (the first of its entries) instead of writing its bytes.
        if (nameKey < 0 || nameKey > STATIC_LENGTH || !staticNameFirst(nameKey)) return ERR_BAD_ARGUMENT;
        nameOff = 0;
        nameLen = unchecked(STATIC_NAME_LEN[nameKey]);
      }
      if (nameOff < 0 || nameLen < 0 || valueOff < 0 || valueLen < 0) return ERR_BAD_ARGUMENT;
      if ((nameKey == 0 && nameOff + nameLen > ioIn.length) || valueOff + valueLen > ioIn.length) return ERR_BAD_ARGUMENT;
      need += 12 + (nameLen + valueLen) * (this.huffman == HUFFMAN_ALWAYS ? HUFFMAN_WORST_RATIO : 1);
    }
    if (!reserveOut(need, 0)) return ERR_OUT_OF_MEMORY;
    const out = ioOut;
    const src = ioIn;
    const table = this.table;
    let pos = 0;

    if (this.pendingFinal >= 0) {
      // RFC 7541 §4.2: "the smallest maximum table size that occurs in that
      // interval MUST be signaled in a dynamic table size update. The final
      // maximum size is always signaled".
      if (this.pendingMin < this.pendingFinal) {
        pos = encodeInteger(out, pos, this.pendingMin, 5, 0x20);
        table.setMaxSize(this.pendingMin);
      }
      pos = encodeInteger(out, pos, this.pendingFinal, 5, 0x20);
      table.setMaxSize(this.pendingFinal);
      this.pendingMin = -1;
      this.pendingFinal = -1;
    }

    for (let f = 0; f < count; f++) {
      const w = f * FIELD_WORDS;
      const flags = unchecked(ioFields[w + FIELD_FLAGS]);
      const nameKey = unchecked(ioFields[w + FIELD_NAME_KEY]);
      const valueOff = unchecked(ioFields[w + FIELD_VALUE_OFF]);
      const valueLen = unchecked(ioFields[w + FIELD_VALUE_LEN]);
      // The name's bytes: the static table's when the host keyed it (no hashing, no lookup), else `in`'s.
      let nameSrc = src;
      let nameOff: i32;
      let nameLen: i32;
      let nameHash: i32;
      let staticName: i32;
      if (nameKey > 0) {
        nameSrc = STATIC_BYTES;
        nameOff = unchecked(STATIC_NAME_OFF[nameKey]);
        nameLen = unchecked(STATIC_NAME_LEN[nameKey]);
        nameHash = staticNameHash(nameKey);
        staticName = nameKey;
      } else {
        nameOff = unchecked(ioFields[w + FIELD_NAME_OFF]);
        nameLen = unchecked(ioFields[w + FIELD_NAME_LEN]);
        nameHash = hashField(src, nameOff, nameLen);
        staticName = staticFindName(src, nameOff, nameLen, nameHash);
      }
      const sensitive =
        (flags & FIELD_F_SENSITIVE) != 0 ||
        staticName == STATIC_AUTHORIZATION ||
        staticName == STATIC_PROXY_AUTHORIZATION ||
        (staticName == STATIC_COOKIE && valueLen < SHORT_COOKIE);

      let nameIndex = staticName;
      if (!sensitive) {
        if (staticName != 0) {
          const exact = staticFindField(staticName, src, valueOff, valueLen);
          if (exact != 0) {
            pos = encodeInteger(out, pos, exact, 7, 0x80);
            continue;
          }
        }
        const valueHash = hashField(src, valueOff, valueLen);
        const dynamic = table.findField(nameSrc, nameOff, nameLen, nameHash, src, valueOff, valueLen, valueHash);
        if (dynamic != 0) {
          pos = encodeInteger(out, pos, STATIC_LENGTH + dynamic, 7, 0x80);
          continue;
        }
        if (nameIndex == 0) {
          const i = table.findName(nameSrc, nameOff, nameLen, nameHash);
          if (i != 0) nameIndex = STATIC_LENGTH + i;
        }
        if ((flags & FIELD_F_NO_INDEX) == 0 && nameLen + valueLen + ENTRY_OVERHEAD <= table.maxSize) {
          // §6.2.1 Literal Header Field with Incremental Indexing. The name
          // index is written before the insertion can evict its entry.
          pos = encodeInteger(out, pos, nameIndex, 6, 0x40);
          if (nameIndex == 0) pos = this.writeString(out, pos, nameSrc, nameOff, nameLen);
          pos = this.writeString(out, pos, src, valueOff, valueLen);
          table.insert(nameSrc, nameOff, nameLen, src, valueOff, valueLen, nameHash, valueHash);
          continue;
        }
      } else if (nameIndex == 0) {
        const i = table.findName(nameSrc, nameOff, nameLen, nameHash);
        if (i != 0) nameIndex = STATIC_LENGTH + i;
      }
      // §6.2.2 without indexing (0000) or §6.2.3 never indexed (0001).
      pos = encodeInteger(out, pos, nameIndex, 4, sensitive ? 0x10 : 0x00);
      if (nameIndex == 0) pos = this.writeString(out, pos, nameSrc, nameOff, nameLen);
      pos = this.writeString(out, pos, src, valueOff, valueLen);
    }
    return pos;
  }

  /** writeString appends a string literal (RFC 7541 §5.2), Huffman-coded when the mode says so. */
  private writeString(out: Uint8Array, pos: i32, src: Uint8Array, at: i32, len: i32): i32 {
    let huffman = false;
    let huffmanLength = 0;
    if (this.huffman != HUFFMAN_NEVER) {
      huffmanLength = huffmanEncodedLength(src, at, at + len);
      huffman = this.huffman == HUFFMAN_ALWAYS || huffmanLength < len;
    }
    if (huffman) {
      pos = encodeInteger(out, pos, huffmanLength, 7, 0x80);
      return huffmanEncode(src, at, at + len, out, pos);
    }
    pos = encodeInteger(out, pos, len, 7, 0x00);
    copyBytes(out, pos, src, at, len);
    return pos + len;
  }
}
