// h2wasm: the public API.
export { loadCore, Core } from './core/core.js';
export type { LoadCoreOptions } from './core/load.js';
export { CoreTrap } from './core/load.js';
export type { CodecName } from './core/binding.js';
