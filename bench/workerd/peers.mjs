// hpack.js and hpack from npm, for the Worker. Bundled on its own by
// bench/workerd.mjs (with Node's built-ins mapped to workerd's node:* modules
// and `Buffer`/`process` injected from node:buffer and node:process), so the
// Worker's global scope keeps no Buffer and h2wasm's host takes the same
// Buffer-free paths it takes in any Worker. The entry imports this module
// dynamically and carries on without the peers if it fails to load.
import hpackjs from 'hpack.js';
import HPACK from 'hpack';
import { Buffer } from 'node:buffer';

export { hpackjs, HPACK, Buffer };
