// The server under conformance test. With H2_TARGET=host:port the suite
// speaks to that server (nghttpd, Node's http2, anything listening for h2c
// with prior knowledge); without it, it starts h2wasm's own server from
// host/node/serve.ts on a loopback port, in the test process, with
// conformanceHandler (which reads the whole request before answering). With
// the `demoApp` option (or CONFORMANCE_TARGET=demo-app) it starts `h2wasm
// serve` instead, the demo app in its own process (test/helpers/server-process.ts),
// which answers `GET /` at once, before the request has ended, and clients of
// it send every frame in its own write (paceMs).
//
// serve.ts is being written as this suite is; it is imported by a path held in
// a variable so this file compiles before it exists, and its shape is declared
// here (ServeModule, ServerStream) from the contract in host/engine/types.ts. When neither
// the module nor H2_TARGET is there, startTarget throws, so every test fails
// loudly with the reason: nothing is skipped.

import { startServerProcess } from './server-process.js';

/** ServerStream is the part of the engine's request stream (host/engine/types.ts)
 *  the handler uses, declared here so this file stands on its own. */
export interface ServerStream {
  read(): Promise<Uint8Array | null>;
  respond(status: number, headers?: ReadonlyArray<readonly [string, string]>, endStream?: boolean): void;
  end(chunk?: Uint8Array | string | null): Promise<void>;
  readonly closed: boolean;
}

export type StreamHandler = (stream: ServerStream) => void | Promise<void>;

/** Target is a running server to test. */
export interface Target {
  host: string;
  port: number;
  /** What it is, for test titles and messages. */
  name: string;
  /** The pause between a client's writes, ms (0: frames written as the test makes them). */
  paceMs: number;
  /** stop stops a server we started (a no-op for an external one); it rejects when a server
   *  process ignores SIGTERM (it is killed then). */
  stop(): Promise<void>;
  /** exited says why a server process we started is gone (its exit and last log lines), or null. */
  exited?(): string | null;
}

/** TargetOptions choose the server startTarget starts when H2_TARGET names none. */
export interface TargetOptions {
  /** Start `h2wasm serve` (the demo app) in its own process instead of serve() in this one
   *  (default: env CONFORMANCE_TARGET=demo-app). */
  demoApp?: boolean;
  /** The demo app's codec (default 'wasm'). */
  codec?: 'wasm' | 'js';
  /** The pause between a client's writes, ms (default DEFAULT_DEMO_APP_PACE_MS for the demo app,
   *  0 otherwise). Env CONFORMANCE_PACE_MS overrides it for every target. */
  paceMs?: number;
}

/** DEFAULT_DEMO_APP_PACE_MS is the pause between writes to the demo app: long enough that a
 *  server idle in another process has read one frame before the next arrives on loopback. */
export const DEFAULT_DEMO_APP_PACE_MS = 2;

/** RESPONSE_BODY is what h2wasm's handler answers: over 5 octets, as h2spec's
 *  6.9.2 #2 needs (it skips the case when the body of / is shorter). */
export const RESPONSE_BODY = 'hello from h2wasm conformance\n';

/** ServeOptions is the part of serve()'s options the suite uses. */
interface ServeOptions {
  stream: StreamHandler;
  port: number;
  hostname: string;
  log: (...args: unknown[]) => void;
}

/** ServedServer is what serve() resolves to. */
interface ServedServer {
  /** The bound port (port 0 asks for any). */
  port: number;
  close(): Promise<void>;
}

interface ServeModule {
  serve(options: ServeOptions): Promise<ServedServer>;
}

/** SERVE_MODULE is the h2wasm server module, relative to this file. */
const SERVE_MODULE = '../../host/node/serve.js';

/** conformanceHandler answers every request with 200 and a small body, after
 *  reading the request body to its end (so content-length and DATA errors on
 *  the request are found before the response goes out, h2spec 8.1.2.6). */
export const conformanceHandler: StreamHandler = async (stream: ServerStream) => {
  try {
    while ((await stream.read()) !== null) {
      // Drain the body; the chunks are not needed.
    }
  } catch {
    // The stream was reset or is malformed: the engine has answered the peer.
    return;
  }
  if (stream.closed) return;
  stream.respond(200, [['content-type', 'text/plain'], ['content-length', String(RESPONSE_BODY.length)]]);
  await stream.end(RESPONSE_BODY);
};

/** parseTarget reads host:port ("[::1]:8080" works too). */
export function parseTarget(spec: string): { host: string; port: number } {
  const m = /^\[?([^\]]*?)\]?:(\d+)$/.exec(spec.trim());
  if (m === null) throw new Error(`H2_TARGET must be host:port, not ${JSON.stringify(spec)}`);
  const port = Number(m[2]);
  if (!(port > 0 && port < 65536)) throw new Error(`H2_TARGET port out of range: ${spec}`);
  return { host: m[1] === '' ? '127.0.0.1' : m[1], port };
}

/** startTarget returns the server to test: H2_TARGET when set, else a fresh h2wasm server on
 *  127.0.0.1 (in this process, or the demo app in its own when options.demoApp). */
export async function startTarget(options: TargetOptions = {}): Promise<Target> {
  const demoApp = options.demoApp ?? process.env.CONFORMANCE_TARGET === 'demo-app';
  const paceMs = nonNegative(process.env.CONFORMANCE_PACE_MS) ?? options.paceMs ?? (demoApp ? DEFAULT_DEMO_APP_PACE_MS : 0);
  const external = process.env.H2_TARGET;
  if (external !== undefined && external !== '') {
    const { host, port } = parseTarget(external);
    return { host, port, name: `H2_TARGET ${host}:${port}`, paceMs, stop: async () => {} };
  }
  if (demoApp) {
    const codec = options.codec ?? 'wasm';
    const server = await startServerProcess(['--codec', codec]);
    return {
      host: '127.0.0.1',
      port: server.port,
      name: `h2wasm serve --codec ${codec} (pid ${server.pid}) 127.0.0.1:${server.port}`,
      paceMs,
      stop: async () => {
        await server.stop();
      },
      exited: () => {
        const { exitCode, signalCode } = server.child;
        if (exitCode === null && signalCode === null) return null;
        return `h2wasm serve exited (${exitCode ?? signalCode}); its last log lines: ${JSON.stringify(server.log.slice(-3))}`;
      },
    };
  }
  let mod: ServeModule;
  const path: string = SERVE_MODULE;
  try {
    mod = (await import(path)) as ServeModule;
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    throw new Error(
      `conformance: cannot load h2wasm's server (${SERVE_MODULE}): ${why}\n` +
      `  The suite targets host/node/serve.ts unless H2_TARGET=host:port names another server, e.g.\n` +
      `  nghttpd --no-tls -a 127.0.0.1 -d /tmp/www 8443 & H2_TARGET=127.0.0.1:8443 npx vitest run test/server/conformance`,
    );
  }
  if (typeof mod.serve !== 'function') throw new Error(`conformance: ${SERVE_MODULE} has no serve() export`);
  const server = await mod.serve({ stream: conformanceHandler, port: 0, hostname: '127.0.0.1', log: () => {} });
  if (!(server.port > 0)) throw new Error(`conformance: serve() resolved without a bound port (${String(server.port)})`);
  return {
    host: '127.0.0.1',
    port: server.port,
    name: `h2wasm 127.0.0.1:${server.port}`,
    paceMs,
    stop: () => server.close(),
  };
}

function nonNegative(s: string | undefined): number | undefined {
  if (s === undefined || s === '') return undefined;
  const n = Number(s);
  return Number.isFinite(n) && n >= 0 ? n : undefined;
}
