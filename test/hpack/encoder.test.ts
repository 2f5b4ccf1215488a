// Encoder behaviour that a peer can see: which fields are never indexed,
// when table size updates are sent, and that the table is actually used.
import { afterEach, describe, expect, it } from 'vitest';
import { CODECS, sharedCore, toHex } from '../helpers/codecs.js';
import { block, indexed, literal, plain, sensitiveOf, sizeUpdate, str, withSensitive, type Field } from '../helpers/hpack.js';

describe.each(CODECS)('HPACK encoder (%s)', (codec) => {
  const open: Array<{ close(): void }> = [];
  afterEach(() => {
    for (const c of open.splice(0)) c.close();
  });
  async function pair(options: { maxTableSize?: number; huffman?: 'auto' | 'always' | 'never' } = {}) {
    const core = await sharedCore(codec);
    const enc = core.hpackEncoder({ maxTableSize: options.maxTableSize ?? 4096, huffman: options.huffman ?? 'never' });
    const dec = core.hpackDecoder({ maxTableSize: options.maxTableSize ?? 4096 });
    open.push(enc, dec);
    return { enc, dec };
  }

  describe('decodeFlat, the lower-level decode', () => {
    it('gives the strings decode() gives, flat, with the never-indexed names listed', async () => {
      const core = await sharedCore(codec);
      const enc = core.hpackEncoder({ huffman: 'auto' });
      const pairs = core.hpackDecoder();
      const flat = core.hpackDecoder();
      open.push(enc, pairs, flat);
      const lists: Field[][] = [
        [[':method', 'GET'], [':path', '/a'], ['authorization', 'secret'], ['x-one', '1']],
        [[':method', 'GET'], [':path', '/b'], ['x-one', '1'], ['cookie', 'k=v'], ['x-two', 'two'.repeat(20)]],
        [],
      ];
      for (const list of lists) {
        const block = enc.encode(list);
        const want = pairs.decode(block);
        const got = flat.decodeFlat(block);
        expect([...got]).toEqual(want.flat());
        expect(sensitiveOf(got as unknown as Field[])).toEqual(sensitiveOf(want));
      }
    });
  });

  describe('static names keyed by the host (FIELD_NAME_KEY as encoder input)', () => {
    /** encodeRaw drives the core directly: each field's name keyed by static index `key`, or written as bytes when key is 0. */
    async function encodeRaw(fields: Array<[number, string, string]>): Promise<number[] | number> {
      const core = await sharedCore(codec);
      const b = core.binding;
      const enc = core.hpackEncoder({ huffman: 'never' });
      open.push(enc);
      const { FIELD_WORDS, FIELD_FLAGS, FIELD_NAME_KEY, FIELD_NAME_OFF, FIELD_NAME_LEN, FIELD_VALUE_OFF, FIELD_VALUE_LEN } = await import('../../assembly/abi.js');
      b.reserveFields(fields.length * FIELD_WORDS);
      b.reserveIn(1024);
      let pos = 0;
      fields.forEach(([key, name, value], i) => {
        const w = i * FIELD_WORDS;
        b.fields[w + FIELD_FLAGS] = 0;
        b.fields[w + FIELD_NAME_KEY] = key;
        b.fields[w + FIELD_NAME_OFF] = key > 0 ? 999_999 : pos; // ignored when keyed
        b.fields[w + FIELD_NAME_LEN] = key > 0 ? 0 : name.length;
        if (key === 0) pos = b.writeIn(pos, name);
        b.fields[w + FIELD_VALUE_OFF] = pos;
        b.fields[w + FIELD_VALUE_LEN] = value.length;
        pos = b.writeIn(pos, value);
      });
      const n = b.x.hpackEncode(enc.coreHandle, fields.length);
      b.sync();
      return n < 0 ? n : Array.from(b.out.subarray(0, n));
    }

    it('encodes a keyed name exactly as its bytes, and rejects a key that is not the first index of a static name', async () => {
      const list: Array<[string, string]> = [[':method', 'GET'], ['user-agent', 'h2wasm'], ['cookie', 'a=1'], ['x-custom', 'v'], ['user-agent', 'h2wasm']];
      const keyed = await encodeRaw(list.map(([n, v]) => [n === ':method' ? 2 : n === 'user-agent' ? 58 : n === 'cookie' ? 32 : 0, n, v]));
      const bytes = await encodeRaw(list.map(([n, v]) => [0, n, v]));
      expect(keyed).toEqual(bytes);
      expect(keyed).toEqual(Array.from(block(indexed(2), literal('incremental', 58, 'h2wasm'), literal('never', 32, 'a=1'), literal('incremental', 'x-custom', 'v'), indexed(63))));
      for (const bad of [-1, 3, 62]) expect(await encodeRaw([[bad, ':method', 'POST']])).toBeLessThan(0); // 3 is :method's second entry
    });
  });

  describe('sensitive fields (RFC 7541 §7.1.3)', () => {
    it('never indexes authorization and proxy-authorization, and the decoder reports them', async () => {
      const { enc, dec } = await pair();
      const headers: Field[] = [['authorization', 'Basic dXNlcjpwYXNz'], ['proxy-authorization', 'Bearer t']];
      const out = enc.encode(headers);
      // Never indexed, name from the static table: 0001 1111 + (23 - 15), 0001 1111 + (49 - 15).
      expect(toHex(out)).toBe(toHex(block(literal('never', 23, 'Basic dXNlcjpwYXNz'), literal('never', 49, 'Bearer t'))));
      const got = dec.decode(out);
      expect(plain(got)).toEqual(headers);
      expect(sensitiveOf(got).sort()).toEqual(['authorization', 'proxy-authorization']);
      // Not inserted: the same list encodes to the same bytes again.
      expect(toHex(enc.encode(headers))).toBe(toHex(out));
    });

    it('never indexes cookies shorter than 20 octets, and indexes longer ones', async () => {
      const { enc, dec } = await pair();
      const short: Field = ['cookie', 's=1234567890123456']; // 18
      const edge: Field = ['cookie', 'x'.repeat(19)];
      const long: Field = ['cookie', 'session=0123456789abcdef']; // 24
      const at20: Field = ['cookie', 'y'.repeat(20)];
      const out = enc.encode([short, edge, long, at20]);
      expect(toHex(out)).toBe(
        toHex(block(literal('never', 32, short[1]), literal('never', 32, edge[1]), literal('incremental', 32, long[1]), literal('incremental', 32, at20[1]))),
      );
      const got = dec.decode(out);
      expect(plain(got)).toEqual([short, edge, long, at20]);
      expect(sensitiveOf(got)).toContain('cookie');
      // The long ones are in the table now (newest first), the short ones are not.
      expect(toHex(enc.encode([long, at20, short]))).toBe(toHex(block(indexed(63), indexed(62), literal('never', 32, short[1]))));
    });

    it('never indexes names listed in headers[sensitiveHeaders], and the decoder reports them', async () => {
      const { enc, dec } = await pair();
      const headers = withSensitive<Field[]>([['x-secret', 'hunter2'], ['x-public', 'hello'], ['set-cookie', 'a=b']], ['x-secret', 'set-cookie']);
      const out = enc.encode(headers);
      expect(toHex(out)).toBe(
        toHex(block(literal('never', 'x-secret', 'hunter2'), literal('incremental', 'x-public', 'hello'), literal('never', 55, 'a=b'))),
      );
      const got = dec.decode(out);
      expect(plain(got)).toEqual(plain(headers));
      expect(sensitiveOf(got).sort()).toEqual(['set-cookie', 'x-secret']);
      // A never-indexed field is never indexed, even when the same pair is in the table.
      const again = withSensitive<Field[]>([['x-public', 'hello']], ['x-public']);
      expect(toHex(enc.encode(again))).toBe(toHex(block(literal('never', 62, 'hello'))));
    });

    it('reports no sensitive names for a list without any', async () => {
      const { enc, dec } = await pair();
      expect(sensitiveOf(dec.decode(enc.encode([[':method', 'GET'], ['x-a', 'b']])))).toEqual([]);
    });
  });

  describe('dynamic table size updates (RFC 7541 §4.2)', () => {
    it('emits the new size at the start of the next block only', async () => {
      const { enc, dec } = await pair();
      enc.setMaxTableSize(1000);
      dec.setMaxTableSize(1000);
      const out = enc.encode([[':method', 'GET']]);
      expect(out[0] >> 5).toBe(0b001);
      expect(toHex(out)).toBe(toHex(block(sizeUpdate(1000), indexed(2))));
      expect(toHex(out)).toBe('3fc90782');
      expect(plain(dec.decode(out))).toEqual([[':method', 'GET']]);
      expect(toHex(enc.encode([[':method', 'GET']]))).toBe('82');
    });

    it('emits the smallest size of the interval first when it was lower, then the final one', async () => {
      const { enc, dec } = await pair();
      enc.encode([['x-a', 'b']]);
      dec.decode(block(literal('incremental', 'x-a', 'b')));
      enc.setMaxTableSize(0);
      enc.setMaxTableSize(2048);
      dec.setMaxTableSize(0);
      dec.setMaxTableSize(2048);
      const out = enc.encode([['x-a', 'b']]);
      // The 0 emptied the table: x-a is a new literal again, not index 62.
      expect(toHex(out)).toBe(toHex(block(sizeUpdate(0), sizeUpdate(2048), literal('incremental', 'x-a', 'b'))));
      expect(plain(dec.decode(out))).toEqual([['x-a', 'b']]);
      expect(toHex(enc.encode([['x-a', 'b']]))).toBe('be');
    });

    it('emits only the final size when the interval never went below it', async () => {
      const { enc } = await pair();
      enc.setMaxTableSize(1000);
      enc.setMaxTableSize(500);
      expect(toHex(enc.encode([[':method', 'GET']]))).toBe(toHex(block(sizeUpdate(500), indexed(2))));
    });

    it('after setMaxTableSize(0) never inserts, so nothing is ever indexed from the dynamic table', async () => {
      const { enc, dec } = await pair();
      enc.setMaxTableSize(0);
      dec.setMaxTableSize(0);
      const headers: Field[] = [['x-a', '1'], [':path', '/x'], ['x-a', '1']];
      const first = enc.encode(headers);
      expect(toHex(first)).toBe(toHex(block(sizeUpdate(0), literal('without', 'x-a', '1'), literal('without', 4, '/x'), literal('without', 'x-a', '1'))));
      const second = enc.encode(headers);
      expect(toHex(second)).toBe(toHex(first.subarray(1)));
      expect(plain(dec.decode(first))).toEqual(headers);
      expect(plain(dec.decode(second))).toEqual(headers);
    });

    it('does not insert a field larger than the table, and keeps the table as it was', async () => {
      const { enc, dec } = await pair({ maxTableSize: 256 });
      const small: Field = ['x-s', 'v'];
      const big: Field = ['x-big', 'b'.repeat(300)];
      const out1 = enc.encode([small, big]);
      expect(toHex(out1)).toBe(toHex(block(literal('incremental', ...small), literal('without', 'x-big', big[1]))));
      const out2 = enc.encode([small]);
      expect(toHex(out2)).toBe('be');
      expect(plain(dec.decode(out1))).toEqual([small, big]);
      expect(plain(dec.decode(out2))).toEqual([small]);
    });
  });

  describe('indexing', () => {
    const request: Field[] = [
      [':method', 'GET'],
      [':scheme', 'https'],
      [':authority', 'example.org'],
      [':path', '/assets/app.js?v=12345'],
      ['user-agent', 'Mozilla/5.0 (X11; Linux x86_64) Gecko/20100101 Firefox/120.0'],
      ['accept', '*/*'],
      ['accept-encoding', 'gzip, deflate, br'],
      ['accept-language', 'en-US,en;q=0.5'],
      ['x-request-id', '4f1c9a7e-2b3d-4e5f-8a9b-0c1d2e3f4a5b'],
    ];

    it('encodes the same list a second time as one indexed octet per field', async () => {
      for (const huffman of ['auto', 'always', 'never'] as const) {
        const { enc, dec } = await pair({ huffman });
        const first = enc.encode(request);
        const second = enc.encode(request);
        expect(second.length, huffman).toBe(request.length);
        for (const b of second) expect(b & 0x80, huffman).toBe(0x80);
        expect(second.length * 10, huffman).toBeLessThan(first.length);
        expect(plain(dec.decode(first))).toEqual(request);
        expect(plain(dec.decode(second))).toEqual(request);
      }
    });

    it('prefers the static table for names and exact matches', async () => {
      const { enc } = await pair();
      enc.encode([['accept', 'text/html']]); // now dynamic 62: accept: text/html
      // Exact static match wins; a new accept value takes its name from static 19, not dynamic 62.
      expect(toHex(enc.encode([[':method', 'GET'], ['accept', 'image/png']]))).toBe(toHex(block(indexed(2), literal('incremental', 19, 'image/png'))));
      // A name only in the dynamic table is referenced there.
      enc.encode([['x-custom', 'a']]);
      expect(toHex(enc.encode([['x-custom', 'b']]))).toBe(toHex(block(literal('incremental', 62, 'b'))));
    });

    it('encodes empty values and names with multi-octet lengths', async () => {
      const { enc, dec } = await pair();
      const headers: Field[] = [['x-empty', ''], ['x-' + 'l'.repeat(200), 'w'.repeat(5000)]];
      const out = enc.encode(headers);
      expect(toHex(out.subarray(0, 10))).toBe(toHex(Uint8Array.from([0x40, ...str('x-empty'), ...str('')])));
      expect(plain(dec.decode(out))).toEqual(headers);
    });
  });
});
