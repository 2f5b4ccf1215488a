// Backends of the reverse proxy: one per URL, shared by the routes that name
// it. An HTTP/2 backend (h2c://, or https:// where ALPN picks h2) is a pool of
// client sessions multiplexed within its SETTINGS_MAX_CONCURRENT_STREAMS; an
// HTTP/1.1 one (http://, or https:// where ALPN picks http/1.1) goes through
// a keep-alive Agent of Node's http. Passive health: a backend that fails
// (cannot be connected to, times out) maxFailures times in a row is ejected
// for ejectMs, then tried again.

import * as http from 'node:http';
import * as https from 'node:https';
import * as tls from 'node:tls';
import type { Core } from '../../core/core.js';
import type { ResolvedOptions } from '../../engine/options.js';
import { OriginPool, type ConnectOptions } from '../client.js';

/** Protocol is how a backend is spoken to. */
export type Protocol = 'h2' | 'http/1.1';

/** BackendOptions tune every backend. */
export interface BackendOptions {
  /** Consecutive failures that eject a backend; default 3. */
  maxFailures: number;
  /** How long an ejected backend is skipped (ms); default 10 s. */
  ejectMs: number;
  /** HTTP/2 sessions per backend at most; default 4. */
  maxSessions: number;
  /** Connect timeout (ms); default 5 s. */
  connectTimeout: number;
  /** TLS to https:// backends: verify their certificates (default true) against ca (default the system's). */
  tls: { rejectUnauthorized: boolean; ca?: string | Buffer | Array<string | Buffer> };
}

/** Backend is one backend URL. */
export class Backend {
  /** The URL as configured (h2c://, http://, https://). */
  readonly label: string;
  /** The origin requests are made to (h2c:// becomes http://). */
  readonly origin: URL;
  private protocol: Protocol | null;
  private probing: Promise<Protocol> | null = null;
  private pool: OriginPool | null = null;
  private agent: http.Agent | null = null;
  private failures = 0;
  private ejectedUntil = 0;

  constructor(url: string, private readonly core: Promise<Core>, private readonly engine: ResolvedOptions, private readonly options: BackendOptions) {
    this.label = url;
    const u = new URL(url);
    this.origin = new URL(`${u.protocol === 'https:' ? 'https' : 'http'}://${u.host}`);
    this.protocol = u.protocol === 'h2c:' ? 'h2' : u.protocol === 'http:' ? 'http/1.1' : null;
  }

  /** Reports whether the backend may take requests now (not ejected). */
  get healthy(): boolean {
    return Date.now() >= this.ejectedUntil;
  }

  /** succeeded records a request the backend answered. */
  succeeded(): void {
    this.failures = 0;
  }

  /** failed records a connection failure or a timeout; it returns true when the backend was just ejected. */
  failed(): boolean {
    if (++this.failures < this.options.maxFailures) return false;
    this.failures = 0;
    this.ejectedUntil = Date.now() + this.options.ejectMs;
    return true;
  }

  /** protocolNow returns how to speak to the backend, asking its TLS ALPN once for https://. */
  async protocolNow(): Promise<Protocol> {
    if (this.protocol !== null) return this.protocol;
    this.probing ??= this.probe().then((p) => (this.protocol = p)).finally(() => { this.probing = null; });
    return this.probing;
  }

  /** probe connects with ALPN h2 and http/1.1 and reports what the backend picked. */
  private probe(): Promise<Protocol> {
    return new Promise((resolve, reject) => {
      const s = tls.connect({
        host: this.origin.hostname, port: Number(this.origin.port || 443), ALPNProtocols: ['h2', 'http/1.1'],
        servername: this.options.tls.rejectUnauthorized ? this.origin.hostname : undefined,
        rejectUnauthorized: this.options.tls.rejectUnauthorized, ca: this.options.tls.ca,
      });
      const timer = setTimeout(() => {
        s.destroy();
        reject(new Error(`connecting to ${this.label} timed out`));
      }, this.options.connectTimeout);
      s.once('secureConnect', () => {
        clearTimeout(timer);
        const picked = s.alpnProtocol;
        s.destroy();
        resolve(picked === 'h2' ? 'h2' : 'http/1.1');
      });
      s.once('error', (e) => {
        clearTimeout(timer);
        reject(e);
      });
    });
  }

  /** h2 returns the backend's session pool (for HTTP/2 backends). */
  h2(): OriginPool {
    const connect: ConnectOptions = {
      connectTimeout: this.options.connectTimeout,
      tls: { rejectUnauthorized: this.options.tls.rejectUnauthorized, ca: this.options.tls.ca },
    };
    this.pool ??= new OriginPool(this.origin, this.core, this.engine, connect, this.options.maxSessions);
    return this.pool;
  }

  /** h1 returns the backend's keep-alive agent (for HTTP/1.1 backends). */
  h1(): http.Agent {
    if (this.agent === null) {
      const o = { keepAlive: true, maxSockets: 256, timeout: 60_000 };
      this.agent = this.origin.protocol === 'https:'
        ? new https.Agent({ ...o, rejectUnauthorized: this.options.tls.rejectUnauthorized, ca: this.options.tls.ca, ALPNProtocols: ['http/1.1'] })
        : new http.Agent(o);
    }
    return this.agent;
  }

  /** close ends the backend's connections (after a reload removed it, or at shutdown). */
  async close(): Promise<void> {
    this.agent?.destroy();
    await this.pool?.close();
  }
}

/** BackendSet is a route's backends, taken round-robin, skipping ejected ones. */
export class BackendSet {
  private next = 0;

  constructor(readonly backends: Backend[]) {}

  /** pick returns the next healthy backend other than exclude, or null when there is none. A pick for
   *  a retry (exclude given) leaves the rotation where it is: otherwise the backend that failed would be
   *  next again, and one that refuses every stream would take every request's first try. */
  pick(exclude: Backend | null = null): Backend | null {
    const n = this.backends.length;
    for (let i = 0; i < n; i++) {
      const b = this.backends[(this.next + i) % n];
      if (b.healthy && b !== exclude) {
        if (exclude === null) this.next = (this.next + i + 1) % n;
        return b;
      }
    }
    return null;
  }
}
