// ClientStream: a request we sent, in the client position. The request body
// goes out through write()/end() (the Stream send side); the response comes
// back as a head (after any 1xx), a body read with read(), and trailers.

import type { FlatHeaderList, HeaderList } from '../core/hpack.js';
import { pairsOf } from './message-check.js';
import { Stream, type StreamOwner, type StreamResetError } from './stream.js';

/** ClientResponseHead is a response head (final or 1xx): its status and its fields as received. */
export class ClientResponseHead {
  private pairs: HeaderList | null = null;

  constructor(
    readonly status: number,
    /** The field block as a flat list (name, value, …), :status included. */
    readonly fields: FlatHeaderList,
  ) {}

  /** headers are the fields as [name, value] pairs, pseudo-headers left out (made when first asked for). */
  get headers(): HeaderList {
    return (this.pairs ??= pairsOf(this.fields, true));
  }
}

/** ClientStream is one request of a client connection. */
export class ClientStream extends Stream {
  /** The 1xx heads that came before the final one (RFC 9110 §15.2), in order. */
  readonly informational: ClientResponseHead[] = [];
  /** The final response head, once it came. */
  head: ClientResponseHead | null = null;
  /** Resolves with the final head, or rejects when the stream fails first. */
  readonly response: Promise<ClientResponseHead>;
  private settleHead!: { resolve: (h: ClientResponseHead) => void; reject: (e: Error) => void };

  constructor(
    id: number,
    owner: StreamOwner,
    readonly method: string,
    readonly path: string,
  ) {
    super(id, owner);
    this.headersSent = true; // the request HEADERS go out as the stream opens
    this.response = new Promise((resolve, reject) => {
      this.settleHead = { resolve, reject };
    });
    // A caller that never asks for the response must not see an unhandled rejection.
    this.response.catch(() => {});
  }

  /** headReceived takes the final response head (the connection checked it). */
  headReceived(status: number, fields: FlatHeaderList, contentLength: number, endStream: boolean): void {
    this.head = new ClientResponseHead(status, fields);
    // RFC 9110 §9.3.2, §15.3.5, §15.4.5: no content in a response to HEAD, a 204 or a 304, whatever content-length says.
    this.contentLength = this.method === 'HEAD' || status === 204 || status === 304 ? -1 : contentLength;
    if (endStream) this.bodyDone = true;
    this.settleHead.resolve(this.head);
  }

  /** hasNoBody reports whether the response cannot carry content (HEAD, 204, 304): DATA on it is malformed. */
  get hasNoBody(): boolean {
    const h = this.head;
    return h !== null && (this.method === 'HEAD' || h.status === 204 || h.status === 304);
  }

  override fail(error: StreamResetError): void {
    if (this.resetError === null && this.head === null) this.settleHead.reject(error);
    super.fail(error);
  }
}
