// WorkersSocketTransport: the engine's Transport over a Workers socket
// (connect() from 'cloudflare:sockets'). Received bytes are pulled from
// socket.readable one read at a time and handed to the connection; pausing is
// not pulling. Writes go to socket.writable through one writer; what has been
// written but not yet taken by the runtime is counted from the writes'
// promises, and a connection told "full" hears drained() once the backlog
// falls under half its cap.
//
// Timers: the engine's shared ticker is one setInterval for every connection
// of the process. In workerd a timer belongs to the request that set it: it
// is cancelled when that request ends, and its callbacks do I/O on behalf of
// that request only. So a connection on this transport leaves the shared
// ticker and is ticked by a timer of its own, set in its own request.

import type { Socket } from 'cloudflare:sockets';
import { concatBytes } from '../bytes.js';
import type { Connection } from '../engine/connection.js';
import { readClock } from '../engine/clock.js';
import { stopTicking, TICK_MS } from '../engine/ticker.js';
import type { Transport } from '../engine/types.js';

/** WRITE_BACKLOG is how much may be written and not yet taken before the connection waits for drained(). */
const WRITE_BACKLOG = 256 * 1024;
/** COALESCE_LIMIT: a flush this small is copied into one write (one syscall in the runtime); larger ones go chunk by chunk. */
const COALESCE_LIMIT = 64 * 1024;

/** WorkersSocketTransport forwards a Workers socket's bytes and events to its connection. */
export class WorkersSocketTransport implements Transport {
  private readonly writer: WritableStreamDefaultWriter<Uint8Array>;
  private connection: Connection | null = null;
  private unsent = 0;
  private full = false;
  private paused = false;
  private wake: (() => void) | null = null;
  private gone = false;
  private ticker: ReturnType<typeof setInterval> | null = null;

  constructor(private readonly socket: Socket, readonly remote: string) {
    this.writer = socket.writable.getWriter();
  }

  /** attach starts pulling bytes for the connection and follows the socket's end. */
  attach(connection: Connection): void {
    this.connection = connection;
    stopTicking(connection);
    this.ticker = setInterval(() => this.connection?.tick(readClock()), TICK_MS);
    void this.pump();
    this.socket.closed.then(() => this.finish(), () => this.finish());
  }

  /** Bytes handed to the writer whose write has not completed yet (best effort: the runtime's own buffer is not visible). */
  get unsentBytes(): number {
    return this.unsent;
  }

  write(chunks: Uint8Array[], total: number): boolean {
    if (this.gone) return true;
    this.unsent += total;
    if (chunks.length === 1 || total <= COALESCE_LIMIT) {
      this.send(chunks.length === 1 ? chunks[0] : concatBytes(chunks));
    } else {
      for (const c of chunks) this.send(c);
    }
    if (this.unsent >= WRITE_BACKLOG) this.full = true;
    return !this.full;
  }

  private send(bytes: Uint8Array): void {
    const n = bytes.length;
    this.writer.write(bytes).then(() => {
      this.unsent -= n;
      if (this.full && this.unsent <= WRITE_BACKLOG / 2 && !this.gone) {
        this.full = false;
        this.connection?.drained();
      }
    }, () => this.destroy());
  }

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
    const w = this.wake;
    this.wake = null;
    w?.();
  }

  end(): void {
    if (this.gone) return;
    // The writer closes after the writes queued before it; then the socket goes.
    this.writer.close().then(() => this.socket.close(), () => {}).finally(() => this.finish());
  }

  destroy(): void {
    if (this.gone) return;
    this.socket.close().catch(() => {});
    this.finish();
  }

  /** pump reads while not paused; the peer's end or a read error ends the connection. */
  private async pump(): Promise<void> {
    const reader = this.socket.readable.getReader();
    try {
      for (;;) {
        while (this.paused && !this.gone) await new Promise<void>((r) => { this.wake = r; });
        if (this.gone) break;
        const { done, value } = await reader.read();
        if (done || this.gone) break;
        this.connection?.receive(value);
      }
    } catch {
      // A reset or a read after close: the socket is gone either way.
    }
    // The peer closed its side (connect() sockets are not half-open): nothing more can arrive.
    this.destroy();
  }

  private finish(): void {
    if (this.gone) return;
    this.gone = true;
    if (this.ticker !== null) clearInterval(this.ticker);
    this.ticker = null;
    this.resume();
    const c = this.connection;
    this.connection = null;
    c?.transportClosed();
  }
}
