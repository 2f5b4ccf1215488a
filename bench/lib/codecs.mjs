// The HPACK codec operations of the codec benchmarks, one set for every
// runtime: bench/codec.mjs times them in Node, bench/workerd.mjs in Node and,
// bundled into the Worker by bench/workerd/entry.mjs, inside workerd, so
// every figure comes from the same closures on the same bytes. One encoder
// or decoder per "connection"; hpack.js through its compressor/decompressor
// streams; for h2wasm, also the core alone (bytes already in its buffers, no
// strings made), whose difference from the full figure is the boundary.
//
// Runtime-neutral, no imports (it runs in workerd): everything
// runtime-specific (the cores, the ABI constants, the npm peers and their
// Buffer) is handed in.

/** CODEC_NAMES lists the codecs in report order. */
export const CODEC_NAMES = ['h2wasm wasm', 'h2wasm js', 'hpack.js', 'hpack'];

/** latin1Bytes returns the octets of a Latin-1 string (char codes & 0xff). */
function latin1Bytes(s) {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i) & 0xff;
  return out;
}

/** prepareFields lays out a header list as the encoder's input, once, for encodeCore: as the
 *  host does, a static name is keyed by its first static index (staticKeys; a core that does not
 *  read keys uses the name bytes, which are written too). */
function prepareFields(list, abi, staticKeys) {
  const fields = new Int32Array(list.length * abi.FIELD_WORDS);
  let text = '';
  list.forEach(([n, v], i) => {
    const w = i * abi.FIELD_WORDS;
    fields[w + abi.FIELD_FLAGS] = 0;
    fields[w + abi.FIELD_NAME_KEY] = staticKeys.get(n) ?? 0;
    fields[w + abi.FIELD_NAME_OFF] = text.length;
    fields[w + abi.FIELD_NAME_LEN] = n.length;
    text += n;
    fields[w + abi.FIELD_VALUE_OFF] = text.length;
    fields[w + abi.FIELD_VALUE_LEN] = v.length;
    text += v;
  });
  return { bytes: latin1Bytes(text), fields, count: list.length };
}

/** hexBytes returns the octets of a hex string. */
function hexBytes(h) {
  const out = new Uint8Array(h.length >> 1);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(h.substr(i * 2, 2), 16);
  return out;
}

/**
 * prepareWorkload returns what the operations need for one workload: its
 * blocks are w.wires (made by another encoder, hex) when given, else the
 * header lists encoded by the WebAssembly core (one encoder per connection,
 * w.encoderOptions or the defaults). w.encode === false: decode only.
 */
export function prepareWorkload(w, wasmCore, abi, BufferCtor, staticNames = []) {
  const staticKeys = new Map();
  for (let i = staticNames.length - 1; i >= 1; i--) staticKeys.set(staticNames[i], i);
  const blocks = w.wires
    ? w.wires.map((conn) => conn.map(hexBytes))
    : w.connections.map((lists) => {
        const enc = wasmCore.hpackEncoder(w.encoderOptions);
        const out = lists.map((l) => enc.encode(l).slice());
        enc.close();
        return out;
      });
  const nBlocks = blocks.reduce((s, c) => s + c.length, 0);
  const blockBytes = blocks.reduce((s, c) => s + c.reduce((t, b) => t + b.length, 0), 0);
  return {
    name: w.name,
    group: w.group,
    encode: w.encode !== false,
    connections: w.connections,
    blocks,
    // hpack.js and hpack want Node Buffers; h2wasm takes any Uint8Array.
    bufferBlocks: BufferCtor ? blocks.map((c) => c.map((b) => BufferCtor.from(b))) : null,
    prepared: w.encode === false ? null : w.connections.map((lists) => lists.map((l) => prepareFields(l, abi, staticKeys))),
    nBlocks,
    blockBytes,
  };
}

/** h2wasmCodec returns the operations for one loaded core (WebAssembly or JS build). */
export function h2wasmCodec(core) {
  return {
    core,
    encode(conns) {
      for (const lists of conns) {
        const enc = core.hpackEncoder();
        for (const l of lists) enc.encode(l);
        enc.close();
      }
    },
    decode(blocks) {
      for (const conn of blocks) {
        const dec = core.hpackDecoder();
        for (const b of conn) dec.decode(b);
        dec.close();
      }
    },
    // The lower-level form: the same strings, in one flat array per block.
    decodeFlat(blocks) {
      for (const conn of blocks) {
        const dec = core.hpackDecoder();
        for (const b of conn) dec.decodeFlat(b);
        dec.close();
      }
    },
    // Inside the core only: bytes already in place, no strings made.
    decodeCore(blocks) {
      const b = core.binding;
      const x = b.x;
      for (const conn of blocks) {
        // Made and closed through the host, as decode() does, so freed contexts are collected at the same pace.
        const dec = core.hpackDecoder({ untracked: true });
        const h = dec.coreHandle;
        b.sync();
        for (const blk of conn) {
          b.in.set(blk, 0);
          x.hpackDecode(h, blk.length);
          b.sync();
        }
        dec.close();
      }
    },
    encodeCore(conns, prepared) {
      const b = core.binding;
      const x = b.x;
      for (let c = 0; c < conns.length; c++) {
        const enc = core.hpackEncoder({ untracked: true });
        const h = enc.coreHandle;
        b.sync();
        for (const p of prepared[c]) {
          b.in.set(p.bytes, 0);
          b.fields.set(p.fields, 0);
          x.hpackEncode(h, p.count);
          b.sync();
        }
        enc.close();
      }
    },
  };
}

/** peerCodecs returns the operations for hpack.js and hpack from npm. */
export function peerCodecs(hpackjs, HPACK) {
  return {
    'hpack.js': {
      encode(conns) {
        for (const lists of conns) {
          const c = hpackjs.compressor.create({ table: { size: 4096 } });
          for (const l of lists) {
            c.write(l.map(([name, value]) => ({ name, value })));
            c.read();
          }
        }
      },
      decode(blocks) {
        for (const conn of blocks) {
          const d = hpackjs.decompressor.create({ table: { size: 4096 } });
          for (const b of conn) {
            d.write(b);
            d.execute();
            while (d.read() !== null);
          }
        }
      },
    },
    hpack: {
      encode(conns) {
        for (const lists of conns) {
          const c = new HPACK();
          for (const l of lists) c.encode(l);
        }
      },
      decode(blocks) {
        for (const conn of blocks) {
          const c = new HPACK();
          for (const b of conn) c.decode(b);
        }
      },
    },
  };
}

/** hasDecodeFlat reports whether a loaded core's decoders have decodeFlat (added with issue 9). */
function hasDecodeFlat(core) {
  const probe = core.hpackDecoder();
  const has = typeof probe.decodeFlat === 'function';
  probe.close();
  return has;
}

/**
 * makeOps returns every timed operation of one prepared workload, keyed
 * "codec|op": decode and encode for each codec present, and for h2wasm the
 * flat-list decode (decodeFlat) and the core-only halves (the rest of
 * decode/encode is the boundary).
 */
export function makeOps(p, codecs) {
  const ops = new Map();
  for (const name of CODEC_NAMES) {
    const c = codecs[name];
    if (!c) continue;
    const blocks = name.startsWith('h2wasm') ? p.blocks : p.bufferBlocks;
    ops.set(`${name}|decode`, () => c.decode(blocks));
    if (p.encode) ops.set(`${name}|encode`, () => c.encode(p.connections));
    // decodeFlat is missing from builds before it was added.
    if (c.decodeFlat && hasDecodeFlat(c.core)) ops.set(`${name}|decode (flat list)`, () => c.decodeFlat(p.blocks));
    if (c.decodeCore) {
      ops.set(`${name}|decode (core only)`, () => c.decodeCore(p.blocks));
      if (p.encode) ops.set(`${name}|encode (core only)`, () => c.encodeCore(p.connections, p.prepared));
    }
  }
  return ops;
}

/** checkRoundTrip reports whether every codec present decodes the workload's first block to its header list. */
export function checkRoundTrip(p, codecs, hpackjs, HPACK) {
  const want = JSON.stringify(p.connections[0][0]);
  const got = {};
  for (const name of CODEC_NAMES) {
    const c = codecs[name];
    if (!c) continue;
    let list;
    if (name === 'hpack.js') {
      const d = hpackjs.decompressor.create({ table: { size: 4096 } });
      d.write(p.bufferBlocks[0][0]);
      d.execute();
      list = [];
      for (let f; (f = d.read()) !== null; ) list.push([f.name, f.value]);
    } else if (name === 'hpack') {
      list = new HPACK().decode(p.bufferBlocks[0][0]);
    } else {
      const dec = c.core.hpackDecoder();
      list = dec.decode(p.blocks[0][0]);
      dec.close();
    }
    got[name] = JSON.stringify(list.map(([k, v]) => [k, v])) === want;
  }
  return got;
}

/**
 * checkDecodes decodes every block of a prepared workload with each codec
 * present, one decoder per connection, and returns, per codec, null when
 * every block gave its header list, or why not (a thrown error or the first
 * block that differs). A benchmark drops a codec that fails from that workload.
 */
export function checkDecodes(p, codecs, hpackjs, HPACK) {
  const out = {};
  for (const name of CODEC_NAMES) {
    const c = codecs[name];
    if (!c) continue;
    let why = null;
    try {
      for (let ci = 0; ci < p.blocks.length && why === null; ci++) {
        let decode;
        let done = () => {};
        if (name === 'hpack.js') {
          const d = hpackjs.decompressor.create({ table: { size: 4096 } });
          decode = (b) => {
            d.write(b);
            d.execute();
            const list = [];
            for (let f; (f = d.read()) !== null; ) list.push([f.name, f.value]);
            return list;
          };
        } else if (name === 'hpack') {
          const h = new HPACK();
          decode = (b) => h.decode(b);
        } else {
          const dec = c.core.hpackDecoder();
          decode = (b) => dec.decode(b);
          done = () => dec.close();
        }
        const blocks = name.startsWith('h2wasm') ? p.blocks[ci] : p.bufferBlocks[ci];
        for (let bi = 0; bi < blocks.length; bi++) {
          const got = JSON.stringify(decode(blocks[bi]).map(([k, v]) => [k, v]));
          if (got !== JSON.stringify(p.connections[ci][bi])) {
            why = `connection ${ci} block ${bi} decodes differently`;
            break;
          }
        }
        done();
      }
    } catch (e) {
      why = `${e && e.name}: ${e && e.message}`;
    }
    out[name] = why;
  }
  return out;
}
