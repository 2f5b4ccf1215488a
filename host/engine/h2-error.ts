// H2Error: every error the engine hands an application carries the RFC 9113
// §7 error code it stands for, and says whether the request may be sent again.

import { errorCodeName } from './error-codes.js';

/** H2Error is an HTTP/2 failure with its RFC 9113 §7 error code. */
export class H2Error extends Error {
  override name = 'H2Error';
  /**
   * @param code the RFC 9113 §7 error code (e.g. 0x7 REFUSED_STREAM, 0x8 CANCEL)
   * @param retryable the peer did not process the request (REFUSED_STREAM, a GOAWAY below its
   *   stream id, a session that closed before the request went out): it may be sent again (RFC 9113 §8.7)
   */
  constructor(readonly code: number, message: string, readonly retryable = false) {
    super(message);
  }

  /** codeName is the code's RFC name, e.g. "REFUSED_STREAM". */
  get codeName(): string {
    return errorCodeName(this.code);
  }
}
