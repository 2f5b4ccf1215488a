// Streaming base64 for gRPC-web's text mode (application/grpc-web-text). The
// decoder takes any split of its input and padding at the end of any
// 4-character quantum (a client may encode each message on its own, so "="
// can come mid-stream, and the gRPC-web protocol allows it); the encoder
// carries up to two bytes between chunks and pads only at the end.

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
/** SEXTET maps an ASCII code to its 6-bit value; 64 for "=", 255 for anything else (base64url's - and _ accepted too). */
const SEXTET = new Uint8Array(256).fill(255);
for (let i = 0; i < 64; i++) SEXTET[ALPHABET.charCodeAt(i)] = i;
SEXTET[0x2d] = 62; // -
SEXTET[0x5f] = 63; // _
SEXTET[0x3d] = 64; // =
const WHITESPACE = new Set([0x20, 0x09, 0x0a, 0x0d]);

/** Base64Decoder turns base64 text, in chunks, into bytes. */
export class Base64Decoder {
  private readonly quantum = new Uint8Array(4);
  private filled = 0;

  /** push decodes a chunk of ASCII; an incomplete quantum waits for the next. Throws on a character outside base64. */
  push(text: Uint8Array): Uint8Array {
    const out = new Uint8Array(Math.floor((this.filled + text.length) / 4) * 3);
    let n = 0;
    const q = this.quantum;
    for (let i = 0; i < text.length; i++) {
      const c = text[i];
      const v = SEXTET[c];
      if (v === 255) {
        if (WHITESPACE.has(c)) continue;
        throw new TypeError(`h2wasm: not base64: byte 0x${c.toString(16)}`);
      }
      q[this.filled++] = v;
      if (this.filled < 4) continue;
      this.filled = 0;
      // A quantum is 4 sextets; "=" in the last one or two means 2 or 1 bytes.
      if (q[0] === 64 || q[1] === 64) throw new TypeError('h2wasm: base64 padding in the wrong place');
      out[n++] = (q[0] << 2) | (q[1] >> 4);
      if (q[2] === 64) {
        if (q[3] !== 64) throw new TypeError('h2wasm: base64 padding in the wrong place');
        continue;
      }
      out[n++] = ((q[1] & 15) << 4) | (q[2] >> 2);
      if (q[3] === 64) continue;
      out[n++] = ((q[2] & 3) << 6) | q[3];
    }
    return out.subarray(0, n);
  }

  /** end reports whether the input ended on a quantum boundary (unpadded tails of 2 or 3 characters are accepted). */
  end(): Uint8Array {
    const q = this.quantum;
    const f = this.filled;
    this.filled = 0;
    if (f === 0) return new Uint8Array(0);
    if (f === 1 || q.subarray(0, f).includes(64)) throw new TypeError('h2wasm: truncated base64');
    if (f === 2) return Uint8Array.of((q[0] << 2) | (q[1] >> 4));
    return Uint8Array.of((q[0] << 2) | (q[1] >> 4), ((q[1] & 15) << 4) | (q[2] >> 2));
  }
}

/** Base64Encoder turns bytes, in chunks, into base64 ASCII bytes padded only at the end. */
export class Base64Encoder {
  private carry = new Uint8Array(0);

  /** push encodes every whole 3-byte group so far; the rest (0-2 bytes) waits. */
  push(bytes: Uint8Array): Uint8Array {
    const input = this.carry.length === 0 ? bytes : joined(this.carry, bytes);
    const whole = input.length - (input.length % 3);
    this.carry = input.slice(whole);
    return encode(input, whole, false);
  }

  /** end encodes what is left, padded. */
  end(): Uint8Array {
    const rest = this.carry;
    this.carry = new Uint8Array(0);
    return encode(rest, rest.length, true);
  }
}

function joined(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

/** encode writes base64 for input[0, end); end is a multiple of 3 unless pad. */
function encode(input: Uint8Array, end: number, pad: boolean): Uint8Array {
  const out = new Uint8Array(Math.ceil(end / 3) * 4);
  let o = 0;
  let i = 0;
  for (; i + 3 <= end; i += 3) {
    const v = (input[i] << 16) | (input[i + 1] << 8) | input[i + 2];
    out[o++] = ALPHABET.charCodeAt(v >>> 18);
    out[o++] = ALPHABET.charCodeAt((v >>> 12) & 63);
    out[o++] = ALPHABET.charCodeAt((v >>> 6) & 63);
    out[o++] = ALPHABET.charCodeAt(v & 63);
  }
  if (pad && i < end) {
    const a = input[i];
    const b = i + 1 < end ? input[i + 1] : 0;
    out[o++] = ALPHABET.charCodeAt(a >>> 2);
    out[o++] = ALPHABET.charCodeAt(((a & 3) << 4) | (b >>> 4));
    out[o++] = i + 1 < end ? ALPHABET.charCodeAt((b & 15) << 2) : 0x3d;
    out[o++] = 0x3d;
  }
  return out.subarray(0, o);
}
