// CoreContext: the base of every host object that owns a context inside the
// core (an HPACK decoder or encoder, a frame reader). It keeps the handle,
// frees the context exactly once (close(), or the collector as a safety net
// when an owner is dropped unclosed), and tells the binding, which paces the
// core's garbage collections by frees.

import type { CoreBinding } from './binding.js';

interface Held {
  binding: CoreBinding;
  free: (handle: number) => number;
  handle: number;
}

function freeHeld(held: Held): void {
  if (held.free(held.handle) === 0) held.binding.contextFreed();
}

const registry: Pick<FinalizationRegistry<Held>, 'register' | 'unregister'> =
  typeof FinalizationRegistry === 'function'
    ? new FinalizationRegistry<Held>(freeHeld)
    : { register() {}, unregister: () => false };

export abstract class CoreContext {
  /** handle names the context in the core; -1 once closed. */
  protected handle: number;
  private readonly free: (handle: number) => number;
  /** What the collector's safety net frees, or null for an untracked context. */
  private readonly held: Held | null;

  /** The handle comes from the core's *New export; free is the matching *Free export. An owner that
   *  always calls close() may pass untracked to skip the collector's safety net (a registration
   *  costs about 100 bytes, which matters at a thousand idle connections). */
  constructor(protected readonly binding: CoreBinding, handle: number, free: (handle: number) => number, untracked = false) {
    this.handle = handle;
    this.free = free;
    this.held = untracked ? null : { binding, free, handle };
    binding.contextCreated();
    // Making the context may have grown the core's memory: refresh the views before anyone uses them.
    binding.sync();
    if (this.held !== null) registry.register(this, this.held, this.held);
  }

  /** coreHandle is the context's handle in the core (-1 once closed), for
   *  joining two contexts of the same core (a frame reader and its HPACK decoder). */
  get coreHandle(): number {
    return this.handle;
  }

  /** onCore reports whether the context lives in the core behind binding. */
  onCore(binding: CoreBinding): boolean {
    return this.binding === binding;
  }

  /** closed reports whether close() was called. */
  get closed(): boolean {
    return this.handle < 0;
  }

  /** close frees the context in the core; closing twice is harmless. */
  close(): void {
    if (this.handle < 0) return;
    if (this.held !== null) registry.unregister(this.held);
    if (this.free(this.handle) === 0) this.binding.contextFreed();
    this.handle = -1;
  }
}
