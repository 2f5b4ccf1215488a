// The HPACK codec objects the host hands out: one decoder and one encoder per
// connection, each a context inside the core. Strings are made here, once:
// static entries are constants (static_table.ts), dynamic entries are cached
// by their sequence number (docs/abi.md), literals are made from the bytes.

import {
  FIELD_WORDS, FIELD_FLAGS, FIELD_NAME_KEY, FIELD_VALUE_KEY, FIELD_NAME_OFF, FIELD_NAME_LEN,
  FIELD_VALUE_OFF, FIELD_VALUE_LEN, FIELD_INSERTED, FIELD_F_SENSITIVE,
  HUFFMAN_AUTO, HUFFMAN_ALWAYS, HUFFMAN_NEVER, DEFAULT_HEADER_TABLE_SIZE, ERR_HEADER_LIST_TOO_LARGE,
} from '../../assembly/abi.js';
import type { CoreBinding } from './binding.js';
import { HpackError } from './errors.js';
import { CoreContext } from './context.js';
import { STATIC_NAMES, STATIC_VALUES } from './static_table.js';
import { copyBytes } from '../bytes.js';

/** sensitiveHeaders keys the list of never-indexed names on a header list
 *  (RFC 7541 §6.2.3), as Node's http2.sensitiveHeaders does: decoded lists
 *  carry it (non-enumerable), lists to encode may carry it. */
export const sensitiveHeaders: unique symbol = Symbol('h2wasm.sensitiveHeaders');

export type HeaderList = Array<[string, string]> & { [sensitiveHeaders]?: string[] };

/** FlatHeaderList is a decoded list as decodeFlat() returns it: name, value, name, value, ... */
export type FlatHeaderList = string[] & { [sensitiveHeaders]?: string[] };

export interface HpackDecoderOptions {
  /** The owner promises to call close(): no collector safety net (saves memory per context). */
  untracked?: boolean;
  /** Our SETTINGS_HEADER_TABLE_SIZE (default 4096). */
  maxTableSize?: number;
  /** Largest decoded list we accept, counted per RFC 9113 §6.5.2 (default 65536). */
  maxHeaderListSize?: number;
}

export interface HpackEncoderOptions {
  /** The owner promises to call close(): no collector safety net (saves memory per context). */
  untracked?: boolean;
  /** The peer's SETTINGS_HEADER_TABLE_SIZE at the start (default 4096). */
  maxTableSize?: number;
  /** Huffman-code strings: 'auto' (only when shorter, default), 'always' or 'never'. */
  huffman?: 'auto' | 'always' | 'never';
}

export const DEFAULT_MAX_HEADER_LIST_SIZE = 65536;

const HUFFMAN_MODES = { auto: HUFFMAN_AUTO, always: HUFFMAN_ALWAYS, never: HUFFMAN_NEVER } as const;

/** A dynamic entry's strings, cached on the host under the entry's sequence number. */
interface CachedEntry {
  sequence: number;
  name: string;
  value: string;
}

/** checkSize throws unless size is a whole number of octets in 0..2^30 (a SETTINGS value we can honour). */
function checkSize(what: string, size: unknown): number {
  if (typeof size !== 'number' || !Number.isInteger(size) || size < 0 || size > 2 ** 30) {
    throw new RangeError(`h2wasm: ${what} must be an integer from 0 to 2^30, not ${String(size)}`);
  }
  return size;
}

/** MIN_CACHE_SLOTS is the size of a decoder's entry cache when it is made. */
const MIN_CACHE_SLOTS = 8;

/** entryCacheSize returns the most cache slots a table of maxTableSize needs: one per possible entry. */
function entryCacheSize(maxTableSize: number): number {
  let n = MIN_CACHE_SLOTS;
  while (n < Math.floor(maxTableSize / 32) + 1) n <<= 1;
  return n;
}

/** firstStringAt returns the offset of the first string bytes of the field records from word w to end (-1 for none). */
function firstStringAt(fields: Int32Array, w: number, end: number): number {
  for (; w < end; w += FIELD_WORDS) {
    const at = fields[w + FIELD_NAME_OFF];
    if (at >= 0) return at;
    const v = fields[w + FIELD_VALUE_OFF];
    if (v >= 0) return v;
  }
  return -1;
}

/** lastStringEnd returns the end of the last string bytes of the field records from word w to end. */
function lastStringEnd(fields: Int32Array, w: number, end: number): number {
  for (let x = end - FIELD_WORDS; x >= w; x -= FIELD_WORDS) {
    const v = fields[x + FIELD_VALUE_OFF];
    if (v >= 0) return v + fields[x + FIELD_VALUE_LEN];
    const at = fields[x + FIELD_NAME_OFF];
    if (at >= 0) return at + fields[x + FIELD_NAME_LEN];
  }
  return 0;
}

/** STATIC_NAME_KEYS maps each static table name to its first index: the encoder's input names
 *  a static name by this key instead of writing its bytes, so the core neither hashes nor looks it up. */
const STATIC_NAME_KEYS = new Map<string, number>();
for (let i = STATIC_NAMES.length - 1; i >= 1; i--) STATIC_NAME_KEYS.set(STATIC_NAMES[i], i);

/** NO_CACHE stands for a decoder's entry cache before its first dynamic entry (never written to).
 *  A plain array of the caches' kind, not a frozen one: the cache loads in read() then see one kind
 *  of array, and V8 keeps them inline (a frozen array's map sent every load through the generic IC). */
const NO_CACHE: Array<CachedEntry | undefined> = new Array<CachedEntry | undefined>(0);

/** HpackDecoder decodes field blocks for one connection. */
export class HpackDecoder extends CoreContext {
  /** Strings of dynamic entries by sequence number, in slot sequence & mask. The cache is made when a
   *  field block first refers to the dynamic table, not at the first insertion: a connection that made
   *  one request never pays for it. From then on entries are cached as they are inserted or first
   *  referred to. It starts at MIN_CACHE_SLOTS and doubles when a slot is wanted by another entry, up
   *  to maxSlots (one per entry the table can hold), so a few entries cost a few slots. */
  private cache: Array<CachedEntry | undefined>;
  private mask: number;
  private maxSlots: number;

  constructor(binding: CoreBinding, options: HpackDecoderOptions = {}) {
    const maxTableSize = checkSize('maxTableSize', options.maxTableSize ?? DEFAULT_HEADER_TABLE_SIZE);
    const maxList = checkSize('maxHeaderListSize', options.maxHeaderListSize ?? DEFAULT_MAX_HEADER_LIST_SIZE);
    const handle = binding.x.hpackDecoderNew(maxTableSize, maxList);
    if (handle < 0) throw new RangeError(`h2wasm: bad HPACK decoder options (table ${maxTableSize}, list ${maxList})`);
    super(binding, handle, binding.x.hpackDecoderFree, options.untracked === true);
    // The cache is made on the first reference to a dynamic entry: an idle connection never pays for it.
    this.cache = NO_CACHE;
    this.mask = MIN_CACHE_SLOTS - 1;
    this.maxSlots = entryCacheSize(maxTableSize);
  }

  /** decode decodes one complete field block. It throws HpackError on a
   *  malformed block (then the decoder stays failed, as the connection must
   *  end) or on a list over maxHeaderListSize (then it stays usable). */
  decode(block: Uint8Array): HeaderList {
    return this.read(0, this.decodeRecords(block), false) as HeaderList;
  }

  /** decodeFlat decodes one complete field block, as decode() does, into a
   *  flat list: [name0, value0, name1, value1, ...] (never-indexed names in
   *  list[sensitiveHeaders]). One array per block instead of one per field. */
  decodeFlat(block: Uint8Array): FlatHeaderList {
    return this.read(0, this.decodeRecords(block), true) as FlatHeaderList;
  }

  /** decodeRecords has the core decode a block into field records and returns their count. */
  private decodeRecords(block: Uint8Array): number {
    const b = this.binding;
    b.reserveIn(block.length);
    b.in.set(block, 0);
    const count = b.x.hpackDecode(this.handle, block.length);
    b.sync();
    if (count < 0) {
      throw new HpackError(count, count === ERR_HEADER_LIST_TOO_LARGE ? 'HPACK: the decoded header list is over maxHeaderListSize' : undefined);
    }
    return count;
  }

  /** readFields makes the header list from `count` field records the core
   *  just wrote from record index `first` (a frame reader decodes several
   *  blocks per call into the same records). */
  readFields(first: number, count: number): HeaderList {
    return this.read(first, count, false) as HeaderList;
  }

  /** readFlatFields is readFields as a flat list (name, value, name, value, ...): one array per block. */
  readFlatFields(first: number, count: number): FlatHeaderList {
    return this.read(first, count, true) as FlatHeaderList;
  }

  /** read makes the strings of `count` field records from index `first`: pairs, or flat when flat is set. */
  private read(first: number, count: number, flat: boolean): HeaderList | FlatHeaderList {
    const { fields, latin1 } = this.binding;
    let cache = this.cache;
    let mask = this.mask;
    const list: Array<[string, string] | string> = new Array(flat ? 2 * count : count);
    let sensitive: string[] | undefined;
    // The block's bytes become one string, made the first time a field needs
    // bytes; names and values are substrings of it (V8 makes those without a
    // call out of JS, where a latin1 slice per string costs a C++ call each).
    // The core writes a block's strings in field order, so they lie in
    // [the first offset, the last end).
    let text = '';
    let textAt = -1;
    const start = first * FIELD_WORDS;
    const end = start + count * FIELD_WORDS;
    const bytes = (off: number, len: number): string => {
      if (textAt < 0) {
        textAt = firstStringAt(fields, start, end);
        text = latin1(textAt, lastStringEnd(fields, start, end));
      }
      return text.substring(off - textAt, off - textAt + len);
    };
    for (let i = 0, w = start; i < count; i++, w += FIELD_WORDS) {
      const nameKey = fields[w + FIELD_NAME_KEY];
      const valueKey = fields[w + FIELD_VALUE_KEY];
      let name: string;
      let value: string;
      if (valueKey > 0) {
        name = STATIC_NAMES[valueKey];
        value = STATIC_VALUES[valueKey];
      } else if (valueKey < 0) {
        const e = cache[-valueKey & mask];
        if (e !== undefined && e.sequence === -valueKey) {
          name = e.name;
          value = e.value;
        } else {
          name = bytes(fields[w + FIELD_NAME_OFF], fields[w + FIELD_NAME_LEN]);
          value = bytes(fields[w + FIELD_VALUE_OFF], fields[w + FIELD_VALUE_LEN]);
          this.remember(-valueKey, name, value);
          cache = this.cache;
          mask = this.mask;
        }
      } else {
        if (nameKey > 0) {
          name = STATIC_NAMES[nameKey];
        } else {
          const e = nameKey < 0 ? cache[-nameKey & mask] : undefined;
          if (e !== undefined && e.sequence === -nameKey) {
            name = e.name;
          } else {
            name = bytes(fields[w + FIELD_NAME_OFF], fields[w + FIELD_NAME_LEN]);
            // The block refers to the table: from now on inserted entries are cached.
            if (nameKey < 0 && cache === NO_CACHE) cache = this.cache = new Array(mask + 1);
          }
        }
        value = bytes(fields[w + FIELD_VALUE_OFF], fields[w + FIELD_VALUE_LEN]);
        const inserted = fields[w + FIELD_INSERTED];
        if (inserted !== 0 && cache !== NO_CACHE) {
          this.remember(inserted, name, value);
          cache = this.cache;
          mask = this.mask;
        }
      }
      if ((fields[w + FIELD_FLAGS] & FIELD_F_SENSITIVE) !== 0) (sensitive ??= []).push(name);
      if (flat) {
        list[2 * i] = name;
        list[2 * i + 1] = value;
      } else {
        list[i] = [name, value];
      }
    }
    if (sensitive !== undefined) {
      Object.defineProperty(list, sensitiveHeaders, { value: sensitive, enumerable: false, writable: true, configurable: true });
    }
    return list as HeaderList | FlatHeaderList;
  }

  /** remember caches a dynamic entry's strings. When its slot holds another entry the cache doubles
   *  first (until it has maxSlots), re-homing what it held: a slot is the sequence masked by the size. */
  private remember(sequence: number, name: string, value: string): void {
    let cache = this.cache;
    if (cache === NO_CACHE) {
      cache = this.cache = new Array(this.mask + 1);
    } else if (cache[sequence & this.mask] !== undefined && cache.length < this.maxSlots) {
      const old = cache;
      this.mask = old.length * 2 - 1;
      cache = this.cache = new Array(old.length * 2);
      for (const e of old) if (e !== undefined) cache[e.sequence & this.mask] = e;
    }
    cache[sequence & this.mask] = { sequence, name, value };
  }

  /** setMaxTableSize applies the SETTINGS_HEADER_TABLE_SIZE we advertised, once the peer acknowledged it. */
  setMaxTableSize(size: number): void {
    const r = this.binding.x.hpackDecoderSetMaxTableSize(this.handle, checkSize('table size', size));
    if (r < 0) throw new HpackError(r);
    this.maxSlots = Math.max(this.maxSlots, entryCacheSize(size));
  }

}

/** HpackEncoder encodes field lists for one connection. */
export class HpackEncoder extends CoreContext {
  constructor(binding: CoreBinding, options: HpackEncoderOptions = {}) {
    const maxTableSize = checkSize('maxTableSize', options.maxTableSize ?? DEFAULT_HEADER_TABLE_SIZE);
    const mode = HUFFMAN_MODES[options.huffman ?? 'auto'];
    if (mode === undefined) throw new TypeError(`h2wasm: huffman must be 'auto', 'always' or 'never'`);
    const handle = binding.x.hpackEncoderNew(maxTableSize, mode);
    if (handle < 0) throw new RangeError(`h2wasm: bad HPACK encoder table size ${maxTableSize}`);
    super(binding, handle, binding.x.hpackEncoderFree, options.untracked === true);
  }

  /** The last list encoded into a block of indexed fields only, as name, value, name, value, ...
   *  (null when the last block was not one), and that block. Such a block changed nothing in the
   *  dynamic table, so the same list, encoded again, makes the same octets: they are reused. */
  private repeatFields: string[] | null = null;
  private repeatBlock: Uint8Array | null = null;

  /** encode encodes one field list into a block. Names and values are
   *  octet strings (each char code is one octet). Names listed in
   *  headers[sensitiveHeaders] are never indexed. */
  encode(headers: HeaderList | ReadonlyArray<readonly [string, string]>): Uint8Array {
    const block = this.encodeBlock(headers);
    return copyBytes(block, 0, block.length);
  }

  /** encodeBlock is encode() without the copy: the block is valid until the next call into the core
   *  or to this encoder (the engine frames it at once). */
  encodeBlock(headers: HeaderList | ReadonlyArray<readonly [string, string]>): Uint8Array {
    const list = headers as HeaderList;
    const plain = list[sensitiveHeaders] === undefined;
    if (plain && this.repeatFields !== null && sameFields(list, this.repeatFields)) return this.repeatBlock!;
    const n = this.writeFields(list);
    const b = this.binding;
    const length = b.x.hpackEncode(this.handle, n);
    b.sync();
    if (length < 0) throw new HpackError(length);
    const block = b.out.subarray(0, length);
    if (plain && onlyIndexed(block)) this.remember(list, block);
    else this.repeatFields = this.repeatBlock = null;
    return block;
  }

  /** remember keeps a list whose block was indexed fields only, and its octets. */
  private remember(list: HeaderList, block: Uint8Array): void {
    this.repeatFields = flattenFields(list, this.repeatFields ?? []);
    const kept = this.repeatBlock;
    this.repeatBlock = kept !== null && kept.length === block.length ? kept : new Uint8Array(block.length);
    this.repeatBlock.set(block);
  }

  /** writeFields puts the list's bytes into `in` and its records into `fields`; it returns the count.
   *  The strings are joined and written with one call: V8 flattens the join
   *  once, which is several times cheaper than a write per string. */
  private writeFields(headers: HeaderList): number {
    const b = this.binding;
    const count = headers.length;
    // The field records first (their count is known); the bytes once the loop has counted them. A
    // reservation that grows the memory keeps what was written before it (wasm memory grows in place).
    b.reserveFields(count * FIELD_WORDS);
    const sensitive = headers[sensitiveHeaders];
    const fields = b.fields;
    let joined = '';
    let pos = 0;
    for (let i = 0, w = 0; i < count; i++, w += FIELD_WORDS) {
      const field = headers[i];
      const name = field[0];
      const value = field[1];
      fields[w + FIELD_FLAGS] = sensitive !== undefined && sensitive.includes(name) ? FIELD_F_SENSITIVE : 0;
      const key = STATIC_NAME_KEYS.get(name);
      if (key !== undefined) {
        fields[w + FIELD_NAME_KEY] = key;
        fields[w + FIELD_NAME_OFF] = 0;
        fields[w + FIELD_NAME_LEN] = 0;
      } else {
        fields[w + FIELD_NAME_KEY] = 0;
        fields[w + FIELD_NAME_OFF] = pos;
        fields[w + FIELD_NAME_LEN] = name.length;
        pos += name.length;
        joined += name;
      }
      fields[w + FIELD_VALUE_OFF] = pos;
      fields[w + FIELD_VALUE_LEN] = value.length;
      pos += value.length;
      joined += value;
    }
    b.reserveIn(pos);
    b.writeIn(0, joined);
    return count;
  }

  /** setMaxTableSize takes the peer's new SETTINGS_HEADER_TABLE_SIZE; the
   *  size update goes out at the start of the next block (RFC 7541 §4.2). */
  setMaxTableSize(size: number): void {
    const r = this.binding.x.hpackEncoderSetMaxTableSize(this.handle, checkSize('table size', size));
    if (r < 0) throw new HpackError(r);
    // The next block starts with a table size update: no block made before it is the same.
    this.repeatFields = this.repeatBlock = null;
  }

}

/** flattenFields writes a [name, value] list's names and values into flat (name, value, ...),
 *  reusing it, and returns it: a snapshot for sameFields. */
export function flattenFields(list: ReadonlyArray<readonly [string, string]>, flat: string[] = []): string[] {
  // Only when it changes: a length store goes through V8's runtime.
  if (flat.length !== 2 * list.length) flat.length = 2 * list.length;
  for (let i = 0; i < list.length; i++) {
    flat[2 * i] = list[i][0];
    flat[2 * i + 1] = list[i][1];
  }
  return flat;
}

/** sameFields reports whether list holds the names and values of flat (name, value, ...), in order. */
export function sameFields(list: ReadonlyArray<readonly [string, string]>, flat: readonly string[]): boolean {
  if (2 * list.length !== flat.length) return false;
  for (let i = 0; i < list.length; i++) {
    const f = list[i];
    if (f[0] !== flat[2 * i] || f[1] !== flat[2 * i + 1]) return false;
  }
  return true;
}

/** onlyIndexed reports whether a block is indexed field lines only (RFC 7541 §6.1: a first octet
 *  1xxxxxxx, its index a 7-bit-prefix integer, §5.1): no literal, no insertion, no size update. */
function onlyIndexed(block: Uint8Array): boolean {
  let i = 0;
  while (i < block.length) {
    const first = block[i++];
    if ((first & 0x80) === 0) return false;
    if ((first & 0x7f) === 0x7f) {
      while (i < block.length && (block[i] & 0x80) !== 0) i++;
      i++;
    }
  }
  return block.length > 0;
}
