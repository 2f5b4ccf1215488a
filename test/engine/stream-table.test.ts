// StreamTable against a Map as the model: any sequence of adds and removes of
// stream ids (both parities, clustered and spread, so slots are shared and
// collide and overflow) leaves the same contents, and lookups agree at every step.

import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { StreamTable } from '../../host/engine/stream-table.js';

interface Entry {
  id: number;
  tag: number;
}

const op = fc.oneof(
  fc.record({ kind: fc.constant('set' as const), id: fc.integer({ min: 1, max: 64 }) }),
  fc.record({ kind: fc.constant('set' as const), id: fc.integer({ min: 1, max: 2 ** 31 - 1 }) }),
  fc.record({ kind: fc.constant('delete' as const), id: fc.integer({ min: 1, max: 64 }) }),
  fc.record({ kind: fc.constant('get' as const), id: fc.integer({ min: 1, max: 64 }) }),
  fc.record({ kind: fc.constant('compact' as const), id: fc.constant(0) }),
);

describe('StreamTable', () => {
  it('agrees with a Map under any sequence of sets, deletes, lookups and compactions', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 400 }), (ops) => {
        const table = new StreamTable<Entry>();
        const model = new Map<number, Entry>();
        let tag = 0;
        for (const o of ops) {
          if (o.kind === 'set') {
            const e = { id: o.id, tag: tag++ };
            table.set(e);
            model.set(o.id, e);
          } else if (o.kind === 'delete') {
            expect(table.delete(o.id)).toBe(model.delete(o.id));
          } else if (o.kind === 'get') {
            expect(table.get(o.id)).toBe(model.get(o.id));
            expect(table.has(o.id)).toBe(model.has(o.id));
          } else {
            table.compact();
          }
          expect(table.size).toBe(model.size);
        }
        for (const [id, e] of model) expect(table.get(id)).toBe(e);
        const byId = (a: Entry, b: Entry) => a.id - b.id;
        expect(table.values().sort(byId)).toEqual([...model.values()].sort(byId));
      }),
      { numRuns: 500 },
    );
  });

  it('keeps its slot array while the number of streams stays within it, and drops it when compacted empty', () => {
    const table = new StreamTable<Entry>();
    const slots = () => (table as unknown as { slots: unknown[] | null }).slots?.length ?? 0;
    const overflow = () => (table as unknown as { overflow: Map<number, Entry> | null }).overflow?.size ?? 0;
    expect(slots()).toBe(0);
    for (let id = 1; id < 100_000; id += 2) {
      table.set({ id, tag: 0 });
      if (id > 9) table.delete(id - 10);
    }
    // Five streams at a time: the table never grew past its first size, and no stream overflowed.
    expect(table.size).toBe(5);
    expect(slots()).toBe(16);
    expect(overflow()).toBe(0);
    // A stream kept open while others come and go: the newcomers that land on its slot overflow.
    table.set({ id: 100_001, tag: 1 });
    for (let id = 100_003; id < 200_000; id += 2) {
      table.set({ id, tag: 0 });
      if (id > 100_011) table.delete(id - 10);
    }
    expect(table.get(100_001)?.tag).toBe(1);
    // The five left from before, the one kept, the five newest.
    expect(table.size).toBe(11);
    table.compact();
    expect(slots()).toBe(32);
    for (const e of table.values()) table.delete(e.id);
    table.compact();
    expect(slots()).toBe(0);
  });
});
