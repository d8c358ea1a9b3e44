import { describe, expect, it } from 'vitest';
import { mulberry32 } from '@shared/random';
import { DotArena } from './simd-dot';
import { dot } from './similarity';

describe('DotArena.filter (WebAssembly SIMD screen)', () => {
  it('keeps, in order and in place, exactly the pairs whose float64 dot clears the threshold by its rounding', () => {
    const n = 300;
    const len = 40; // stride 40: a multiple of 8
    const arena = DotArena.create(DotArena.bytes(n * len) + DotArena.bytes(2 * 5000))!;
    expect(arena).not.toBeNull();
    const rows = arena.floats(n * len);
    const rand = mulberry32(3);
    for (let i = 0; i < rows.length; i++) rows[i] = (rand() - 0.5) / Math.sqrt(len / 12);
    const pairs = arena.ints(2 * 5000);
    for (let p = 0; p < 5000; p++) {
      pairs[2 * p] = Math.floor(rand() * n);
      pairs[2 * p + 1] = Math.floor(rand() * n);
    }
    const before = Array.from(pairs);
    const t = 0.2;
    const kept = arena.filter(pairs, 5000, rows, len, len, t);
    const exact = [];
    for (let p = 0; p < 5000; p++) {
      const s = dot(rows, before[2 * p] * len, before[2 * p + 1] * len, len);
      // float32 sums: only pairs within rounding of t may go either way (none here by construction).
      expect(Math.abs(s - t)).toBeGreaterThan(1e-5);
      if (s >= t) exact.push(before[2 * p], before[2 * p + 1]);
    }
    expect(kept).toBeGreaterThan(50);
    expect(kept).toBeLessThan(4950);
    expect(Array.from(pairs.subarray(0, 2 * kept))).toEqual(exact);
  });

  it('compares only the first len floats of each stride, and zero padding adds nothing', () => {
    const arena = DotArena.create(DotArena.bytes(2 * 16) + DotArena.bytes(2))!;
    const rows = arena.floats(2 * 16);
    rows.set([1, 1, 1, 1, 1, 1, 1, 1, 9, 9, 9, 9, 9, 9, 9, 9], 0);
    rows.set([1, 1, 1, 1, 1, 1, 1, 1, 9, 9, 9, 9, 9, 9, 9, 9], 16);
    const pairs = arena.ints(2);
    pairs.set([0, 1]);
    expect(arena.filter(pairs, 1, rows, 16, 8, 8)).toBe(1); // 8 ones: dot 8
    expect(arena.filter(pairs, 1, rows, 16, 8, 8.5)).toBe(0);
    pairs.set([0, 1]);
    expect(arena.filter(pairs, 1, rows, 16, 16, 8 + 81 * 8)).toBe(1);
  });

  it('refuses arrays it does not own and strides that are not multiples of 8; release frees and zeroes', () => {
    const arena = DotArena.create(4096)!;
    const mark = arena.mark();
    const rows = arena.floats(64);
    rows.fill(1);
    const pairs = arena.ints(2);
    expect(() => arena.filter(new Int32Array(2), 1, rows, 8, 8, 0)).toThrow(/its own/);
    expect(() => arena.filter(pairs, 1, rows, 12, 12, 0)).toThrow(/multiples of 8/);
    arena.release(mark);
    expect(Array.from(arena.floats(64)).every((v) => v === 0)).toBe(true);
    expect(() => arena.floats(65536 / 4 + 1)).toThrow(/out of space/); // one 64 KiB page
  });
});
