// Handles: how the host names a context (a decoder, an encoder, a frame
// reader) that lives inside the core.
//
// A handle is (generation << 16) | slot. A slot is reused after its context
// is freed, but with a new generation, so a stale handle held by the host is
// reported as ERR_BAD_HANDLE instead of reaching another connection's context
// (STYLE habit 6: slots never leak).

export const MAX_SLOTS = 65535;

/** HandleSlots hands out and checks slot/generation pairs for one kind of context. */
export class HandleSlots {
  generations: Int32Array = new Int32Array(16);
  live: Uint8Array = new Uint8Array(16);
  freeList: Int32Array = new Int32Array(16);
  freeCount: i32 = 0;
  used: i32 = 0;

  /** acquire returns a fresh handle, or -1 when every slot is taken. */
  acquire(): i32 {
    let slot: i32;
    if (this.freeCount > 0) {
      this.freeCount--;
      slot = unchecked(this.freeList[this.freeCount]);
    } else {
      if (this.used >= MAX_SLOTS) return -1;
      slot = this.used++;
      if (slot >= this.live.length) this.grow();
    }
    const gen = (unchecked(this.generations[slot]) + 1) & 0x7fff;
    unchecked((this.generations[slot] = gen));
    unchecked((this.live[slot] = 1));
    return (gen << 16) | slot;
  }

  /** slotOf returns the slot a live handle names, or -1 for a stale or bad one. */
  slotOf(handle: i32): i32 {
    if (handle < 0) return -1;
    const slot = handle & 0xffff;
    if (slot >= this.used) return -1;
    if (unchecked(this.live[slot]) == 0) return -1;
    if (unchecked(this.generations[slot]) != handle >>> 16) return -1;
    return slot;
  }

  /** release frees a live handle's slot; it reports whether the handle was live. */
  release(handle: i32): bool {
    const slot = this.slotOf(handle);
    if (slot < 0) return false;
    unchecked((this.live[slot] = 0));
    if (this.freeCount >= this.freeList.length) {
      const next = new Int32Array(this.freeList.length << 1);
      next.set(this.freeList, 0);
      this.freeList = next;
    }
    unchecked((this.freeList[this.freeCount] = slot));
    this.freeCount++;
    return true;
  }

  private grow(): void {
    const n = this.live.length << 1;
    const gens = new Int32Array(n);
    gens.set(this.generations, 0);
    this.generations = gens;
    const live = new Uint8Array(n);
    live.set(this.live, 0);
    this.live = live;
  }
}

/** Contexts keeps live contexts of one kind by handle. */
export class Contexts<T> {
  slots: HandleSlots = new HandleSlots();
  items: Array<T | null> = new Array<T | null>();

  /** add stores item and returns its handle, or -1 when no slot is left. */
  add(item: T): i32 {
    const handle = this.slots.acquire();
    if (handle < 0) return -1;
    const slot = handle & 0xffff;
    while (this.items.length <= slot) this.items.push(null);
    this.items[slot] = item;
    return handle;
  }

  /** get returns the context a live handle names, or null. */
  get(handle: i32): T | null {
    const slot = this.slots.slotOf(handle);
    return slot < 0 ? null : this.items[slot];
  }

  /** remove drops a live handle's context; it reports whether the handle was live. */
  remove(handle: i32): bool {
    const slot = this.slots.slotOf(handle);
    if (slot < 0) return false;
    this.items[slot] = null;
    return this.slots.release(handle);
  }
}
