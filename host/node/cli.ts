// The h2wasm command line: the server and tools over the wire core.
//
//   h2wasm serve ...                         the demo HTTP/2 server (cli-serve.ts)
//   h2wasm proxy ...                         the reverse proxy (cli-proxy.ts)
//   h2wasm info [--codec wasm|js]            which core loads, its size and ABI
//   h2wasm hpack decode HEX...               decode field blocks (one context, in order)
//   h2wasm hpack encode NAME:VALUE...        encode one field list, print hex
//   h2wasm frames [FILE|-]                   decode an HTTP/2 frame stream, one JSON line per frame
//
// Options: --codec wasm|js (default wasm), --huffman auto|always|never,
// --table-size N.

import { readFile, stat } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { loadCore, type Core } from '../core/core.js';
import { coreFileUrl } from '../core/load.js';
import { FrameError } from '../core/frames.js';
import { HpackError } from '../core/errors.js';
import { sensitiveHeaders, type HeaderList } from '../core/hpack.js';
import { ABI_VERSION } from '../../assembly/abi.js';
import { runServe, ServeUsageError, SERVE_USAGE } from './cli-serve.js';
import { runProxy, ProxyUsageError, PROXY_USAGE } from './cli-proxy.js';

/** CLIENT_PREFACE is what a client sends before its first frame (RFC 9113 §3.4). */
const CLIENT_PREFACE = 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n';

const USAGE = `usage:
  h2wasm serve [--host H] [--port P] [--tls-port P] [--tls-cert F --tls-key F | --tls-self-signed] [--codec wasm|js] [--root DIR]
               [--metrics-port N] [--max-connections N] [--max-streams-in-flight N] [--*-timeout MS] (h2wasm serve --help)
  h2wasm proxy --route '[HOST]/PREFIX=BACKEND[,BACKEND...]' ... [--config FILE] [--port P] [--tls-port P …]
  h2wasm info [--codec wasm|js]
  h2wasm hpack decode HEX...            decode field blocks with one decoder, in order
  h2wasm hpack encode NAME:VALUE...     encode one field list and print it as hex
  h2wasm frames [FILE|-]                decode an HTTP/2 frame stream (a leading client preface is skipped)
options:
  --codec wasm|js        which build of the core to run (default wasm)
  --huffman MODE         auto|always|never, for hpack encode (default auto)
  --table-size N         HPACK dynamic table size (default 4096)`;

interface Options {
  codec: 'wasm' | 'js';
  huffman: 'auto' | 'always' | 'never';
  tableSize: number;
  args: string[];
}

function parse(argv: string[]): Options {
  const o: Options = { codec: 'wasm', huffman: 'auto', tableSize: 4096, args: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new UsageError(`${a} needs a value`);
      return v;
    };
    if (a === '--codec') {
      const v = value();
      if (v !== 'wasm' && v !== 'js') throw new UsageError(`--codec must be wasm or js, not ${v}`);
      o.codec = v;
    } else if (a === '--huffman') {
      const v = value();
      if (v !== 'auto' && v !== 'always' && v !== 'never') throw new UsageError(`--huffman must be auto, always or never, not ${v}`);
      o.huffman = v;
    } else if (a === '--table-size') {
      o.tableSize = Number(value());
    } else {
      o.args.push(a);
    }
  }
  return o;
}

class UsageError extends Error {}

function hexToBytes(hex: string): Uint8Array {
  const clean = hex.replace(/[\s:]/g, '');
  if (!/^([0-9a-fA-F]{2})*$/.test(clean)) throw new UsageError(`not hex: ${hex}`);
  return Uint8Array.from(Buffer.from(clean, 'hex'));
}

function printList(list: HeaderList, out: (s: string) => void): void {
  const sensitive = new Set(list[sensitiveHeaders] ?? []);
  for (const [name, value] of list) out(`${name}: ${value}${sensitive.has(name) ? '   (never indexed)' : ''}`);
}

async function info(core: Core, out: (s: string) => void): Promise<void> {
  const wasmPath = fileURLToPath(coreFileUrl('h2core.wasm'));
  const size = await stat(wasmPath).then((s) => s.size, () => NaN);
  out(`h2wasm core: codec ${core.codec}, ABI ${ABI_VERSION}, build/h2core.wasm ${size} bytes`);
  out(`WebAssembly available: ${typeof WebAssembly === 'object'}`);
}

async function frames(core: Core, file: string | undefined, out: (s: string) => void): Promise<void> {
  let bytes: Uint8Array;
  if (file === undefined || file === '-') {
    const chunks: Buffer[] = [];
    for await (const c of process.stdin) chunks.push(c as Buffer);
    bytes = Buffer.concat(chunks);
  } else {
    bytes = await readFile(file);
  }
  const preface = Buffer.from(CLIENT_PREFACE, 'latin1');
  if (bytes.length >= preface.length && Buffer.from(bytes.subarray(0, preface.length)).equals(preface)) {
    out(JSON.stringify({ preface: true }));
    bytes = bytes.subarray(preface.length);
  }
  const decoder = core.frameDecoder({ maxFrameSize: 16777215 });
  const show = (f: object) =>
    out(JSON.stringify(f, (_k, v) => (v instanceof Uint8Array ? Buffer.from(v).toString('hex') : v)));
  try {
    for (const f of decoder.push(bytes)) show(f);
  } catch (e) {
    if (!(e instanceof FrameError)) throw e;
    for (const f of e.frames) show(f);
    show({ connectionError: e.reason, code: e.code, streamId: e.streamId });
  } finally {
    decoder.close();
  }
}

/** main runs the command line and returns the exit code. */
export async function main(argv: string[], out = (s: string) => console.log(s), err = (s: string) => console.error(s)): Promise<number> {
  try {
    if (argv[0] === 'serve') return await runServe(argv.slice(1));
    if (argv[0] === 'proxy') return await runProxy(argv.slice(1));
    const o = parse(argv);
    const [command, sub, ...rest] = o.args;
    if (command === undefined || command === 'help' || command === '--help') {
      out(USAGE);
      return command === undefined ? 2 : 0;
    }
    const core = await loadCore({ codec: o.codec });
    if (command === 'info') {
      await info(core, out);
    } else if (command === 'hpack' && sub === 'decode') {
      if (rest.length === 0) throw new UsageError('hpack decode needs at least one HEX block');
      const dec = core.hpackDecoder({ maxTableSize: o.tableSize });
      rest.forEach((hex, i) => {
        if (rest.length > 1) out(`# block ${i + 1}`);
        printList(dec.decode(hexToBytes(hex)), out);
      });
    } else if (command === 'hpack' && sub === 'encode') {
      const list: Array<[string, string]> = rest.map((f) => {
        const at = f.indexOf(':', f.startsWith(':') ? 1 : 0);
        if (at < 0) throw new UsageError(`expected NAME:VALUE, not ${f}`);
        return [f.slice(0, at), f.slice(at + 1)];
      });
      const enc = core.hpackEncoder({ maxTableSize: o.tableSize, huffman: o.huffman });
      out(Buffer.from(enc.encode(list)).toString('hex'));
    } else if (command === 'frames') {
      await frames(core, sub, out);
    } else {
      throw new UsageError(`unknown command: ${o.args.join(' ')}`);
    }
    return 0;
  } catch (e) {
    if (e instanceof ServeUsageError) {
      err(`h2wasm: ${e.message}\n${SERVE_USAGE}`);
      return 2;
    }
    if (e instanceof ProxyUsageError) {
      err(`h2wasm: ${e.message}\n${PROXY_USAGE}`);
      return 2;
    }
    if (e instanceof UsageError) {
      err(`h2wasm: ${e.message}\n${USAGE}`);
      return 2;
    }
    if (e instanceof HpackError || e instanceof FrameError || e instanceof RangeError) {
      err(`h2wasm: ${e.message}`);
      return 1;
    }
    throw e;
  }
}
