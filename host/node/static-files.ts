// Static files for the demo app: GET and HEAD of files below a root folder,
// streamed with backpressure. Anything that would leave the root is refused.

import type { FileHandle } from 'node:fs/promises';
import { open, realpath, stat } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';
import type { ServerStream } from '../engine/types.js';
import { H2_INTERNAL_ERROR } from '../../assembly/abi.js';
import { sendTextResponse, textResponse } from '../http/text-response.js';
import { contentTypeOf } from './content-types.js';

/** FILE_CHUNK_SIZE is how much of a file is read per write: 64 KiB, four DATA frames at the default SETTINGS_MAX_FRAME_SIZE. */
const FILE_CHUNK_SIZE = 64 * 1024;

const BAD_REQUEST = textResponse(400, 'bad request\n');
const FORBIDDEN = textResponse(403, 'forbidden\n');
const NOT_FOUND = textResponse(404, 'not found\n');

/** StaticFiles answers a GET or HEAD for a decoded-later URL path (no query) from the files below its root. */
export type StaticFiles = (stream: ServerStream, pathname: string) => Promise<void>;

/** staticFiles serves the files below `root`: content-type by extension, content-length, a folder
 *  by its index.html, 404 for what is missing (and for dotfiles, so .git and .env stay private),
 *  403 for a path or symlink that leads out of the root, 400 for a malformed %-escape. */
export function staticFiles(root: string): StaticFiles {
  const rootPath = resolve(root);
  let realRoot: Promise<string> | undefined;
  return async (stream, pathname) => {
    let decoded: string;
    try {
      decoded = decodeURIComponent(pathname);
    } catch {
      return sendTextResponse(stream, BAD_REQUEST);
    }
    if (decoded.includes('\0')) return sendTextResponse(stream, BAD_REQUEST);
    // Normalise as the file system would ("a/../b", "%2e%2e/") and refuse anything that escapes.
    const target = resolve(rootPath, `.${decoded.startsWith('/') ? '' : '/'}${decoded}`);
    if (target !== rootPath && !target.startsWith(rootPath + sep)) return sendTextResponse(stream, FORBIDDEN);
    if (target.slice(rootPath.length).split(sep).some((segment) => segment.startsWith('.'))) return sendTextResponse(stream, NOT_FOUND);

    realRoot ??= realpath(rootPath);
    let file: string | undefined;
    try {
      file = await regularFile(target, await realRoot);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EACCES' || code === 'EPERM') return sendTextResponse(stream, FORBIDDEN);
      if (code !== 'ENOENT' && code !== 'ENOTDIR' && code !== 'ELOOP' && code !== 'ENAMETOOLONG') throw error;
    }
    if (file === undefined) return sendTextResponse(stream, NOT_FOUND);
    if (file === OUTSIDE_ROOT) return sendTextResponse(stream, FORBIDDEN);
    await sendFile(stream, file);
  };
}

const OUTSIDE_ROOT = '\0outside';

/** regularFile resolves symlinks and a folder's index.html: the real path of a regular file below
 *  realRoot, OUTSIDE_ROOT when a symlink leads out, undefined when there is no file to serve. */
async function regularFile(target: string, realRoot: string): Promise<string | undefined> {
  let real = await realpath(target);
  if (real !== realRoot && !real.startsWith(realRoot + sep)) return OUTSIDE_ROOT;
  let info = await stat(real);
  if (info.isDirectory()) {
    real = await realpath(join(real, 'index.html'));
    if (!real.startsWith(realRoot + sep)) return OUTSIDE_ROOT;
    info = await stat(real);
  }
  return info.isFile() ? real : undefined;
}

/** sendFile streams a file: each chunk is read only after the previous write settled, so a slow
 *  client holds at most one chunk of the file in memory. HEAD gets the fields only. */
async function sendFile(stream: ServerStream, file: string): Promise<void> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(file, 'r');
    const size = (await handle.stat()).size;
    const fields: Array<[string, string]> = [['content-type', contentTypeOf(file)], ['content-length', String(size)]];
    if (stream.method === 'HEAD' || size === 0) {
      stream.respond(200, fields, true);
      return;
    }
    stream.respond(200, fields);
    for (let position = 0; position < size; ) {
      if (stream.signal.aborted) return;
      // A fresh buffer per chunk: the engine may still hold the previous one in its write queue.
      const chunk = new Uint8Array(Math.min(FILE_CHUNK_SIZE, size - position));
      const { bytesRead } = await handle.read(chunk, 0, chunk.length, position);
      if (bytesRead === 0) {
        // The file shrank after we promised its content-length; the response cannot be completed.
        stream.reset(H2_INTERNAL_ERROR);
        return;
      }
      position += bytesRead;
      const piece = bytesRead === chunk.length ? chunk : chunk.subarray(0, bytesRead);
      if (position >= size) await stream.end(piece);
      else await stream.write(piece);
    }
  } finally {
    await handle?.close();
  }
}
