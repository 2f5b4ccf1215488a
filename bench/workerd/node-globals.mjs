// Injected (esbuild `inject`) into the peers bundle only: the free `Buffer`
// and `process` that hpack and readable-stream use, taken from workerd's
// nodejs_compat modules instead of globals.
//
// workerd's node:process has no `version`, and readable-stream 2 (under
// hpack.js's compressor and decompressor) reads process.version.slice() when
// it loads, so hpack.js fails to load on nodejs_compat alone. The process
// handed to the peers is workerd's own with a version string added, which is
// what a Worker built with wrangler gets from its process polyfill. With a
// modern version, readable-stream defers work through process.nextTick, as
// it does in Node.
import { Buffer } from 'node:buffer';
import workerdProcess from 'node:process';

const process = Object.create(workerdProcess, {
  version: { value: 'v20.0.0', enumerable: true },
  versions: { value: { node: '20.0.0' }, enumerable: true },
});

export { Buffer, process };
