// SETTINGS payload validation (RFC 9113 §6.5.2, RFC 8441 §3, RFC 9218 §2.1).

import {
  ERR_SETTINGS_VALUE, ERR_SETTINGS_WINDOW,
  SETTINGS_ENABLE_PUSH, SETTINGS_INITIAL_WINDOW_SIZE, SETTINGS_MAX_FRAME_SIZE,
  SETTINGS_ENABLE_CONNECT_PROTOCOL, SETTINGS_NO_RFC7540_PRIORITIES,
  DEFAULT_MAX_FRAME_SIZE, MAX_MAX_FRAME_SIZE,
} from '../abi';
import { readU16, readU32 } from './header';

/** SETTING_BYTES is the size of one setting: a 16-bit identifier and a 32-bit value. */
export const SETTING_BYTES = 6;

/** settingError returns 0 if setting id may take value, else the ERR_* value.
 *  value is the 32-bit unsigned wire value held in an i32 (so > 2^31-1 is negative). */
export function settingError(id: i32, value: i32): i32 {
  if (id == SETTINGS_ENABLE_PUSH) {
    // RFC 9113 §6.5.2: "Any value other than 0 or 1 MUST be treated as a
    // connection error (Section 5.4.1) of type PROTOCOL_ERROR."
    if (value != 0 && value != 1) return ERR_SETTINGS_VALUE;
  } else if (id == SETTINGS_INITIAL_WINDOW_SIZE) {
    // RFC 9113 §6.5.2: "Values above the maximum flow-control window size of
    // 2^31-1 MUST be treated as a connection error (Section 5.4.1) of type
    // FLOW_CONTROL_ERROR."
    if (value < 0) return ERR_SETTINGS_WINDOW;
  } else if (id == SETTINGS_MAX_FRAME_SIZE) {
    // RFC 9113 §6.5.2: "Values outside this range MUST be treated as a
    // connection error (Section 5.4.1) of type PROTOCOL_ERROR."
    if (value < DEFAULT_MAX_FRAME_SIZE || value > MAX_MAX_FRAME_SIZE) return ERR_SETTINGS_VALUE;
  } else if (id == SETTINGS_ENABLE_CONNECT_PROTOCOL) {
    // RFC 8441 §3: "The value of the parameter MUST be 0 or 1." (a
    // PROTOCOL_ERROR, as for any other bad setting value).
    if (value != 0 && value != 1) return ERR_SETTINGS_VALUE;
  } else if (id == SETTINGS_NO_RFC7540_PRIORITIES) {
    // RFC 9218 §2.1: "A sender MUST NOT send a SETTINGS_NO_RFC7540_PRIORITIES
    // setting with a value other than 0 or 1. A receiver that receives such a
    // value MUST treat it as a connection error of type PROTOCOL_ERROR."
    if (value != 0 && value != 1) return ERR_SETTINGS_VALUE;
  }
  // RFC 9113 §6.5.2: "An endpoint that receives a SETTINGS frame with any
  // unknown or unsupported identifier MUST ignore that setting."
  return 0;
}

/** validateSettings checks every setting in src[pos..pos+length) (length a multiple
 *  of SETTING_BYTES) and returns 0 or the first ERR_* value found. */
export function validateSettings(src: Uint8Array, pos: i32, length: i32): i32 {
  const end = pos + length;
  for (let p = pos; p + SETTING_BYTES <= end; p += SETTING_BYTES) {
    const err = settingError(readU16(src, p), readU32(src, p + 2));
    if (err != 0) return err;
  }
  return 0;
}
