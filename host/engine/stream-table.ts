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
// Direct-mapped: a position's stream ids share their parity and rise, so the
// streams open at once mostly have ids within a span of the table's size, each
// in its own slot (id / 2 mod size). A stream whose slot is taken by another
// goes to a small overflow Map (a stream kept open while thousands of others
// came and went). Lookups and deletes are one slot read; linear probing, tried
// first, walked the whole run of 100 neighbours per delete at -c100 -m100.

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
  /** Streams in slots and in the overflow. */
  private count = 0;
  /** Streams whose slot another stream held when they came (null while there are none). */
  private overflow: Map<number, S> | null = null;

  get size(): number {
    return this.count;
  }

  get(id: number): S | undefined {
    const slots = this.slots;
    if (slots === null) return undefined;
    const s = slots[home(id, this.mask)];
    if (s !== undefined && s.id === id) return s;
    return this.overflow === null ? undefined : this.overflow.get(id);
  }

  has(id: number): boolean {
    return this.get(id) !== undefined;
  }

  /** set adds s under s.id, or replaces the stream held under that id. */
  set(s: S): void {
    if (this.slots === null) this.resize(MIN_SLOTS);
    else if (2 * (this.count + 1) > this.slots.length) this.resize(2 * this.slots.length);
    const slots = this.slots!;
    const i = home(s.id, this.mask);
    const held = slots[i];
    const overflow = this.overflow;
    if (held === undefined && (overflow === null || !overflow.has(s.id))) {
      slots[i] = s;
      this.count++;
    } else if (held !== undefined && held.id === s.id) {
      slots[i] = s;
    } else {
      const o = (this.overflow ??= new Map());
      if (!o.has(s.id)) this.count++;
      o.set(s.id, s);
    }
  }

  /** delete removes the stream with this id; it returns whether there was one. */
  delete(id: number): boolean {
    const slots = this.slots;
    if (slots === null) return false;
    const i = home(id, this.mask);
    const held = slots[i];
    if (held !== undefined && held.id === id) {
      slots[i] = undefined;
      this.count--;
      return true;
    }
    const o = this.overflow;
    if (o === null || !o.delete(id)) return false;
    if (o.size === 0) this.overflow = null;
    this.count--;
    return true;
  }

  /** values returns the streams as a new array: callers may add or remove streams while they walk it. */
  values(): S[] {
    const out: S[] = [];
    const slots = this.slots;
    if (slots !== null) for (const s of slots) if (s !== undefined) out.push(s);
    if (this.overflow !== null) for (const s of this.overflow.values()) out.push(s);
    return out;
  }

  /** clear drops every stream and the slot array (an idle connection keeps none). */
  clear(): void {
    this.slots = null;
    this.mask = 0;
    this.count = 0;
    this.overflow = null;
  }

  /** compact drops the slot array when the table is empty, so a connection that was once busy and
   *  now idles keeps no memory for it. Called from the connection's ticker, not per stream. */
  compact(): void {
    if (this.count === 0) this.clear();
  }

  private resize(n: number): void {
    const all = this.values();
    this.slots = new Array<S | undefined>(n).fill(undefined);
    this.mask = n - 1;
    this.count = 0;
    this.overflow = null;
    for (const s of all) this.set(s);
  }
}

/** home is an id's slot: a position's stream ids share their parity, so the low bit is dropped. */
function home(id: number, mask: number): number {
  return (id >>> 1) & mask;
}
