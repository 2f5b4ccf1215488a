// The parts of the Workers runtime that host/edge/ uses, declared here so the
// package builds with the DOM lib alone (no @cloudflare/workers-types, whose
// globals clash with it).

declare module 'cloudflare:sockets' {
  /** SocketAddress is where connect() dials. */
  export interface SocketAddress {
    hostname: string;
    port: number;
  }
  /** SocketOptions: 'on' is TLS from the first byte, without ALPN; 'starttls' upgrades later. */
  export interface SocketOptions {
    secureTransport?: 'off' | 'on' | 'starttls';
    allowHalfOpen?: boolean;
  }
  export interface SocketInfo {
    remoteAddress?: string;
    localAddress?: string;
  }
  /** Socket is a TCP (or TLS) connection: a byte stream each way. */
  export interface Socket {
    readonly readable: ReadableStream<Uint8Array>;
    readonly writable: WritableStream<Uint8Array>;
    /** Resolves once connected; rejects when the connection cannot be made. */
    readonly opened: Promise<SocketInfo>;
    /** Resolves when the socket closes; rejects on an error. */
    readonly closed: Promise<void>;
    close(): Promise<void>;
    startTls(): Socket;
  }
  export function connect(address: SocketAddress | string, options?: SocketOptions): Socket;
}

/** A .wasm file imported by a Worker is a compiled WebAssembly.Module (wrangler's CompiledWasm rule). */
declare module '*.wasm' {
  const module: WebAssembly.Module;
  export default module;
}
