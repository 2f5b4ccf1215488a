// Errors the host raises for core results.

import { ERROR_NAMES, ERROR_H2_CODES } from '../../assembly/abi.js';

/** errorReason returns the name of an ERR_* result (e.g. 'HPACK_HUFFMAN'). */
export function errorReason(result: number): string {
  return ERROR_NAMES[-result] ?? `UNKNOWN_${-result}`;
}

/** errorH2Code returns the RFC 9113 §7 error code an ERR_* result maps to. */
export function errorH2Code(result: number): number {
  return ERROR_H2_CODES[-result] ?? 0x2;
}

/** HpackError reports a field block that could not be decoded or encoded.
 *  `code` is the RFC 9113 §7 error code (9, COMPRESSION_ERROR, for malformed
 *  blocks); `reason` names the exact rule (abi.ts ERROR_NAMES). */
export class HpackError extends Error {
  override name = 'HpackError';
  readonly code: number;
  readonly reason: string;

  constructor(result: number, message?: string) {
    const reason = errorReason(result);
    super(message ?? `HPACK ${reason}`);
    this.code = errorH2Code(result);
    this.reason = reason;
  }
}
