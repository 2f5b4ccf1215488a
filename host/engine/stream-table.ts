// StreamTable: a connection's open streams by id, in one array that is never
// re-made while the number of streams stays within its size.
//
// Why not a Map: a Map that churns (every request adds an entry and removes it)
// re-makes its hash table every few requests, and V8 leaves each old table
// pointing at its successor (for live iterators). Once one of those tables has
// been promoted to the old generation, that dead table keeps the next one and
// every stream in it alive through the next scavenge, which promotes them, and
// so on: a chain that promotes every request's objects until a full collection.
// Measured on `h2wasm serve` at h2load -c10 -m10: 40% of the young generation
// promoted at every scavenge, a mark-compact every 150 ms, twice the CPU per
// request. Here a slot array is made only when the table grows past half full.
//
// Open addressing with linear probing and backward-shift deletion (no
// tombstones, so deletes never force a rebuild). Keys are the streams' own ids.

/** The least a table holds once it holds anything (a power of two). */
const MIN_SLOTS = 8;

/** An entry of the table: anything with a stream id. */
interface Keyed {
  readonly id: number;
}

/** StreamTable maps stream ids to streams, for one connection. */
export class StreamTable<S extends Keyed> {
  private slots: Array<S | undefined> | null = null;
  private mask = 0;
  private count = 0;

  get size(): number {
    return this.count;
  }

  get(id: number): S | undefined {
    const slots = this.slots;
    if (slots === null) return undefined;
    for (let i = home(id, this.mask); ; i = (i + 1) & this.mask) {
      const s = slots[i];
      if (s === undefined || s.id === id) return s;
    }
  }

  has(id: number): boolean {
    return this.get(id) !== undefined;
  }

  /** set adds s under s.id, or replaces the stream held under that id. */
  set(s: S): void {
    if (this.slots === null) this.resize(MIN_SLOTS);
    else if (2 * (this.count + 1) > this.slots.length) this.resize(2 * this.slots.length);
    const slots = this.slots!;
    let i = home(s.id, this.mask);
    for (; slots[i] !== undefined; i = (i + 1) & this.mask) {
      if (slots[i]!.id === s.id) {
        slots[i] = s;
        return;
      }
    }
    slots[i] = s;
    this.count++;
  }

  /** delete removes the stream with this id; it returns whether there was one. */
  delete(id: number): boolean {
    const slots = this.slots;
    if (slots === null) return false;
    const mask = this.mask;
    let i = home(id, mask);
    for (; ; i = (i + 1) & mask) {
      const s = slots[i];
      if (s === undefined) return false;
      if (s.id === id) break;
    }
    // Backward shift: move later members of the probe run into the hole when the hole lies
    // between their home slot and where they sit, so every lookup still finds them.
    let hole = i;
    for (let j = (i + 1) & mask; ; j = (j + 1) & mask) {
      const s = slots[j];
      if (s === undefined) break;
      const k = home(s.id, mask);
      const between = hole <= j ? hole >= k || k > j : hole >= k && k > j;
      if (between) {
        slots[hole] = s;
        hole = j;
      }
    }
    slots[hole] = undefined;
    this.count--;
    return true;
  }

  /** values returns the streams as a new array: callers may add or remove streams while they walk it. */
  values(): S[] {
    const out: S[] = [];
    const slots = this.slots;
    if (slots !== null) for (const s of slots) if (s !== undefined) out.push(s);
    return out;
  }

  /** slotCount and slotAt walk the table without making an array: `for (i < slotCount) slotAt(i)`,
   *  skipping undefined. The walk must not add or remove streams. */
  get slotCount(): number {
    return this.slots === null ? 0 : this.slots.length;
  }

  slotAt(i: number): S | undefined {
    return this.slots![i];
  }

  /** clear drops every stream and the slot array (an idle connection keeps none). */
  clear(): void {
    this.slots = null;
    this.mask = 0;
    this.count = 0;
  }

  /** compact drops the slot array when the table is empty, so a connection that was once busy and
   *  now idles keeps no memory for it. Called from the connection's ticker, not per stream. */
  compact(): void {
    if (this.count === 0) this.clear();
  }

  private resize(n: number): void {
    const old = this.slots;
    this.slots = new Array<S | undefined>(n).fill(undefined);
    this.mask = n - 1;
    this.count = 0;
    if (old !== null) for (const s of old) if (s !== undefined) this.set(s);
  }
}

/** home is an id's first slot: a position's stream ids share their parity, so the low bit is dropped. */
function home(id: number, mask: number): number {
  return (id >>> 1) & mask;
}
