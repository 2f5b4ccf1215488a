// A ServerStream's request body as an async iterator, for any stream that has read().

/** bodyIterator turns a read() that returns null at the end into an AsyncIterator of chunks
 *  (what a ServerStream's [Symbol.asyncIterator] returns: the same queue as read()). */
export function bodyIterator(stream: { read(): Promise<Uint8Array | null> }): AsyncIterator<Uint8Array> {
  return {
    next: async () => {
      const chunk = await stream.read();
      return chunk === null ? { done: true, value: undefined } : { done: false, value: chunk };
    },
  };
}
