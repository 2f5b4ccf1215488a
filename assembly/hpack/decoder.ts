// The HPACK decoder (RFC 7541 §3, §6). One call decodes one whole field block
// from ioIn into field records (ioFields) and string bytes (ioStrings); see
// abi.ts "Header field records". Malformed input gives an ERR_* result and a
// sticky bad state (RFC 9113 §4.3: a decoding error is a connection error of
// type COMPRESSION_ERROR), never a trap.

import {
  ERR_HPACK_TRUNCATED, ERR_HPACK_INDEX, ERR_HPACK_SIZE_UPDATE, ERR_HPACK_STRING_LENGTH,
  ERR_HEADER_LIST_TOO_LARGE, ERR_OUT_OF_MEMORY,
  FIELD_WORDS, FIELD_FLAGS, FIELD_NAME_KEY, FIELD_VALUE_KEY, FIELD_NAME_OFF, FIELD_NAME_LEN,
  FIELD_VALUE_OFF, FIELD_VALUE_LEN, FIELD_INSERTED, FIELD_F_SENSITIVE,
} from '../abi';
import { ioFields, ioStrings, reserveFields, reserveStrings } from '../io';
import { copyBytes } from '../portable/target';
import { decodeInteger, decodedInteger } from './integer';
import { huffmanDecode, MAX_DECODED_PER_OCTET } from './huffman';
import { DynamicTable, ENTRY_OVERHEAD } from './table';
import { STATIC_LENGTH, STATIC_BYTES, STATIC_NAME_OFF, STATIC_NAME_LEN, STATIC_VALUE_LEN } from './static';

/** stringAt and stringLength describe the last string readString decoded into ioStrings. */
let stringAt: i32 = 0;
let stringLength: i32 = 0;

/** decodedStringsEnd is where the last decode() stopped writing ioStrings. */
export let decodedStringsEnd: i32 = 0;

export class Decoder {
  table: DynamicTable;
  /** limit is the SETTINGS_HEADER_TABLE_SIZE we advertised and the peer acknowledged. */
  limit: i32;
  maxHeaderListSize: i32;
  /** sizeUpdateRequired is set when the limit fell below the table's size: the
   *  next block must start with a size update (RFC 7541 §4.2). */
  sizeUpdateRequired: bool = false;
  /** failed is the sticky ERR_* after a decoding error, or 0. */
  failed: i32 = 0;

  constructor(maxTableSize: i32, maxHeaderListSize: i32) {
    this.table = new DynamicTable(maxTableSize, false);
    this.limit = maxTableSize;
    this.maxHeaderListSize = maxHeaderListSize;
  }

  /** setLimit applies a newly acknowledged SETTINGS_HEADER_TABLE_SIZE. */
  setLimit(limit: i32): void {
    if (limit < this.table.maxSize) this.sizeUpdateRequired = true;
    this.limit = limit;
  }

  /** decode decodes the block src[start..end), writing field records from
   *  record index fieldBase and string bytes from ioStrings offset strBase
   *  (a frame reader decodes several blocks per call into the same buffers).
   *  It returns the number of field records written, ERR_HEADER_LIST_TOO_LARGE
   *  (the block was fully processed and the table is in sync, but the list is
   *  over maxHeaderListSize), or another ERR_* (sticky). */
  decode(src: Uint8Array, start: i32, end: i32, fieldBase: i32, strBase: i32): i32 {
    if (this.failed != 0) return this.failed;
    decodedStringsEnd = strBase;
    const r = this.decodeBlock(src, start, end, fieldBase, strBase);
    if (r < 0 && r != ERR_HEADER_LIST_TOO_LARGE) this.failed = r;
    return r;
  }

  private decodeBlock(src: Uint8Array, start: i32, end: i32, fieldBase: i32, strBase: i32): i32 {
    const table = this.table;
    let pos = start;
    let count = 0;
    let strPos = strBase;
    let listSize = 0;
    let oversized = false;
    let sawField = false;
    if (this.sizeUpdateRequired && (pos >= end || (i32(unchecked(src[pos])) & 0xe0) != 0x20)) {
      return ERR_HPACK_SIZE_UPDATE;
    }
    while (pos < end) {
      const b = i32(unchecked(src[pos]));
      if ((b & 0xe0) == 0x20) {
        // RFC 7541 §4.2: "This dynamic table size update MUST occur at the
        // beginning of the first header block following the change".
        if (sawField) return ERR_HPACK_SIZE_UPDATE;
        pos = decodeInteger(src, pos, end, 5);
        if (pos < 0) return pos;
        // §6.3: "The new maximum size MUST be lower than or equal to the limit".
        if (decodedInteger > this.limit) return ERR_HPACK_SIZE_UPDATE;
        table.setMaxSize(decodedInteger);
        this.sizeUpdateRequired = false;
        continue;
      }
      sawField = true;
      const fieldStrings = strPos;
      let flags = 0;
      let nameKey = 0;
      let valueKey = 0;
      let nameOff = -1;
      let nameLen = 0;
      let valueOff = -1;
      let valueLen = 0;
      let inserted = 0;

      if ((b & 0x80) != 0) {
        // §6.1 Indexed Header Field. (Integers under their prefix's maximum,
        // nearly all of them, are read here without the call.)
        let index = b & 0x7f;
        if (index < 0x7f) {
          pos++;
        } else {
          pos = decodeInteger(src, pos, end, 7);
          if (pos < 0) return pos;
          index = decodedInteger;
        }
        if (index == 0 || index > STATIC_LENGTH + table.count) return ERR_HPACK_INDEX;
        if (index <= STATIC_LENGTH) {
          nameKey = index;
          valueKey = index;
          nameLen = unchecked(STATIC_NAME_LEN[index]);
          valueLen = unchecked(STATIC_VALUE_LEN[index]);
        } else {
          const i = index - STATIC_LENGTH;
          nameKey = -table.sequenceOf(i);
          valueKey = nameKey;
          nameLen = table.nameLength(i);
          valueLen = table.valueLength(i);
          if (!oversized && listSize + nameLen + valueLen + ENTRY_OVERHEAD <= this.maxHeaderListSize) {
            if (strPos + nameLen + valueLen > ioStrings.length && !reserveStrings(strPos + nameLen + valueLen, strPos)) return ERR_OUT_OF_MEMORY;
            nameOff = strPos;
            table.copyName(i, ioStrings, strPos);
            strPos += nameLen;
            valueOff = strPos;
            table.copyValue(i, ioStrings, strPos);
            strPos += valueLen;
          }
        }
      } else {
        // §6.2 Literal Header Field: with incremental indexing (01), without
        // indexing (0000) or never indexed (0001).
        const incremental = (b & 0xc0) == 0x40;
        if (!incremental && (b & 0xf0) == 0x10) flags = FIELD_F_SENSITIVE;
        const prefixMask = incremental ? 0x3f : 0x0f;
        let index = b & prefixMask;
        if (index < prefixMask) {
          pos++;
        } else {
          pos = decodeInteger(src, pos, end, incremental ? 6 : 4);
          if (pos < 0) return pos;
          index = decodedInteger;
        }
        if (index == 0) {
          pos = this.readString(src, pos, end, strPos);
          if (pos < 0) return pos;
          nameOff = stringAt;
          nameLen = stringLength;
          strPos = stringAt + stringLength;
        } else if (index <= STATIC_LENGTH) {
          nameKey = index;
          nameLen = unchecked(STATIC_NAME_LEN[index]);
        } else if (index <= STATIC_LENGTH + table.count) {
          const i = index - STATIC_LENGTH;
          nameKey = -table.sequenceOf(i);
          nameLen = table.nameLength(i);
          if (strPos + nameLen > ioStrings.length && !reserveStrings(strPos + nameLen, strPos)) return ERR_OUT_OF_MEMORY;
          nameOff = strPos;
          table.copyName(i, ioStrings, strPos);
          strPos += nameLen;
        } else {
          return ERR_HPACK_INDEX;
        }
        pos = this.readString(src, pos, end, strPos);
        if (pos < 0) return pos;
        valueOff = stringAt;
        valueLen = stringLength;
        strPos = stringAt + stringLength;
        if (incremental) {
          // The decoder's table keeps no hashes (it is never searched).
          if (nameKey > 0) {
            inserted = table.insert(STATIC_BYTES, unchecked(STATIC_NAME_OFF[nameKey]), nameLen, ioStrings, valueOff, valueLen, 0, 0);
          } else {
            inserted = table.insert(ioStrings, nameOff, nameLen, ioStrings, valueOff, valueLen, 0, 0);
          }
        }
      }

      // RFC 9113 §6.5.2: the size of a field list is the sum of name and
      // value lengths plus 32 per field. Past the limit the block is still
      // decoded (the table must stay in step with the peer's encoder), but
      // nothing more is kept, so a small block cannot expand into megabytes.
      listSize += nameLen + valueLen + ENTRY_OVERHEAD;
      if (oversized || listSize > this.maxHeaderListSize) {
        oversized = true;
        strPos = fieldStrings;
        continue;
      }
      const w = (fieldBase + count) * FIELD_WORDS;
      if (w + FIELD_WORDS > ioFields.length && !reserveFields(w + FIELD_WORDS, w)) return ERR_OUT_OF_MEMORY;
      const fields = ioFields;
      unchecked((fields[w + FIELD_FLAGS] = flags));
      unchecked((fields[w + FIELD_NAME_KEY] = nameKey));
      unchecked((fields[w + FIELD_VALUE_KEY] = valueKey));
      unchecked((fields[w + FIELD_NAME_OFF] = nameOff));
      unchecked((fields[w + FIELD_NAME_LEN] = nameLen));
      unchecked((fields[w + FIELD_VALUE_OFF] = valueOff));
      unchecked((fields[w + FIELD_VALUE_LEN] = valueLen));
      unchecked((fields[w + FIELD_INSERTED] = inserted));
      count++;
    }
    if (this.sizeUpdateRequired) return ERR_HPACK_SIZE_UPDATE;
    if (oversized) return ERR_HEADER_LIST_TOO_LARGE;
    decodedStringsEnd = strPos;
    return count;
  }

  /** readString decodes a string literal (RFC 7541 §5.2) at src[pos] into
   *  ioStrings at strPos, sets stringAt/stringLength, and returns the position
   *  after it or an ERR_* value. */
  private readString(src: Uint8Array, pos: i32, end: i32, strPos: i32): i32 {
    if (pos >= end) return ERR_HPACK_TRUNCATED;
    const first = i32(unchecked(src[pos]));
    const huffman = (first & 0x80) != 0;
    let len = first & 0x7f;
    if (len < 0x7f) {
      pos++;
    } else {
      pos = decodeInteger(src, pos, end, 7);
      if (pos < 0) return pos;
      len = decodedInteger;
    }
    if (len > end - pos) return ERR_HPACK_STRING_LENGTH;
    stringAt = strPos;
    if (huffman) {
      const need = strPos + len * MAX_DECODED_PER_OCTET;
      if (need > ioStrings.length && !reserveStrings(need, strPos)) return ERR_OUT_OF_MEMORY;
      const r = huffmanDecode(src, pos, pos + len, ioStrings, strPos);
      if (r < 0) return r;
      stringLength = r - strPos;
    } else {
      if (strPos + len > ioStrings.length && !reserveStrings(strPos + len, strPos)) return ERR_OUT_OF_MEMORY;
      copyBytes(ioStrings, strPos, src, pos, len);
      stringLength = len;
    }
    return pos + len;
  }
}
