// Amounts for the flow property tests: absolute, or relative to a boundary of
// the current state (a window, a held count, the room left below 2^31-1), so
// that random sequences keep landing exactly on, one below and one above the
// limits.
import fc from 'fast-check';

export type Amount = { rel: true; delta: number } | { rel: false; n: number };

/** rel is an amount within [min, max] of the boundary. */
export const rel = (min: number, max: number): fc.Arbitrary<Amount> => fc.integer({ min, max }).map((delta): Amount => ({ rel: true, delta }));

/** abs is an amount that ignores the boundary. */
export const abs = (n: fc.Arbitrary<number>): fc.Arbitrary<Amount> => n.map((v): Amount => ({ rel: false, n: v }));

/** resolve turns an amount into a number at a boundary, wrapped to i32 as the
 *  core's arguments and command words are (a value past 2^31-1 arrives negative). */
export const resolve = (a: Amount, boundary: number): number => (a.rel ? boundary + a.delta : a.n) | 0;
