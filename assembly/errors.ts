// Mapping core result codes (ERR_* in abi.ts) to RFC 9113 §7 error codes.
// There is one table, ERROR_H2_CODES in abi.ts, read by the core and the host
// alike; reasonH2Code is the core's only way to consult it.

import { ERROR_H2_CODES, H2_INTERNAL_ERROR } from './abi';

/** reasonH2Code returns the RFC 9113 §7 error code for ERR_* value err
 *  (INTERNAL_ERROR for a value outside the table). */
export function reasonH2Code(err: i32): i32 {
  const i = -err;
  if (i < 0 || i >= ERROR_H2_CODES.length) return H2_INTERNAL_ERROR;
  return unchecked(ERROR_H2_CODES[i]);
}
