// EngineMetrics: what connections count, as plain fields. The hot path pays
// an increment; exporters (host/node/metrics.ts, Prometheus text through
// prom-client) read the fields when scraped.

/** GuardName names each guard that can trip; docs/security.md says what each answers. */
export type GuardName =
  | 'rapidReset' | 'madeYouReset' | 'controlFlood' | 'emptyDataFlood' | 'continuationFlood'
  | 'headerListTooLarge' | 'maxConcurrentStreams' | 'streamsInFlight' | 'streamIdle' | 'windowStall'
  | 'headersTimeout' | 'settingsTimeout' | 'idleConnection' | 'closeTimeout' | 'sendBacklog' | 'maxConnections';

/** GUARD_NAMES lists every guard, in the order docs/security.md gives them. */
export const GUARD_NAMES: readonly GuardName[] = [
  'rapidReset', 'madeYouReset', 'controlFlood', 'emptyDataFlood', 'continuationFlood',
  'headerListTooLarge', 'maxConcurrentStreams', 'streamsInFlight', 'streamIdle', 'windowStall',
  'headersTimeout', 'settingsTimeout', 'idleConnection', 'closeTimeout', 'sendBacklog', 'maxConnections',
];

/** ERROR_CODE_SLOTS: RFC 9113 §7 codes 0x0..0xd, and one slot for any other value. */
export const ERROR_CODE_SLOTS = 15;

/** codeSlot returns the counting slot of an error code. */
export function codeSlot(code: number): number {
  return code >= 0 && code < ERROR_CODE_SLOTS - 1 ? code : ERROR_CODE_SLOTS - 1;
}

/** EngineMetrics are one server's counters (or several servers', when they share it). */
export class EngineMetrics {
  connectionsOpened = 0;
  connectionsClosed = 0;
  streamsOpened = 0;
  streamsClosed = 0;
  bytesIn = 0;
  bytesOut = 0;
  /** GOAWAY and RST_STREAM frames sent and received, by error code (codeSlot). */
  readonly goawaySent: number[] = new Array<number>(ERROR_CODE_SLOTS).fill(0);
  readonly goawayReceived: number[] = new Array<number>(ERROR_CODE_SLOTS).fill(0);
  readonly rstSent: number[] = new Array<number>(ERROR_CODE_SLOTS).fill(0);
  readonly rstReceived: number[] = new Array<number>(ERROR_CODE_SLOTS).fill(0);
  /** How often each guard tripped. */
  readonly guards: Record<GuardName, number> = Object.fromEntries(GUARD_NAMES.map((g) => [g, 0])) as Record<GuardName, number>;

  /** openConnections is the number of connections open now. */
  get openConnections(): number {
    return this.connectionsOpened - this.connectionsClosed;
  }

  /** openStreams is the number of streams open now. */
  get openStreams(): number {
    return this.streamsOpened - this.streamsClosed;
  }

  /** add adds a snapshot's counts to these (a supervisor summing its workers). */
  add(s: MetricsSnapshot): void {
    this.connectionsOpened += s.connectionsOpened;
    this.connectionsClosed += s.connectionsClosed;
    this.streamsOpened += s.streamsOpened;
    this.streamsClosed += s.streamsClosed;
    this.bytesIn += s.bytesIn;
    this.bytesOut += s.bytesOut;
    for (let c = 0; c < ERROR_CODE_SLOTS; c++) {
      this.goawaySent[c] += s.goawaySent[c];
      this.goawayReceived[c] += s.goawayReceived[c];
      this.rstSent[c] += s.rstSent[c];
      this.rstReceived[c] += s.rstReceived[c];
    }
    for (const g of GUARD_NAMES) this.guards[g] += s.guards[g];
  }

  /** snapshot returns a plain copy (server.metrics()). */
  snapshot(): MetricsSnapshot {
    return {
      connectionsOpened: this.connectionsOpened,
      connectionsClosed: this.connectionsClosed,
      openConnections: this.openConnections,
      streamsOpened: this.streamsOpened,
      streamsClosed: this.streamsClosed,
      openStreams: this.openStreams,
      bytesIn: this.bytesIn,
      bytesOut: this.bytesOut,
      goawaySent: [...this.goawaySent],
      goawayReceived: [...this.goawayReceived],
      rstSent: [...this.rstSent],
      rstReceived: [...this.rstReceived],
      guards: { ...this.guards },
    };
  }
}

/** MetricsSnapshot is EngineMetrics at one instant, as plain data. */
export interface MetricsSnapshot {
  connectionsOpened: number;
  connectionsClosed: number;
  openConnections: number;
  streamsOpened: number;
  streamsClosed: number;
  openStreams: number;
  bytesIn: number;
  bytesOut: number;
  goawaySent: number[];
  goawayReceived: number[];
  rstSent: number[];
  rstReceived: number[];
  guards: Record<GuardName, number>;
}
