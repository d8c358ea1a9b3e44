import { describe, expect, it } from 'vitest';
import { PairList } from './pair-list';

describe('PairList', () => {
  it('gives back every pair in the order pushed, across chunk boundaries, similarities exactly', () => {
    const list = new PairList();
    const want: [number, number, number][] = [];
    for (let k = 0; k < 70_000 * 2 + 5; k++) {
      const p: [number, number, number] = [k % 997, (k * 7919) % 100_003, Math.sin(k) * 0.123456789012345];
      want.push(p);
      list.push(...p);
    }
    const got: [number, number, number][] = [];
    list.forEach((i, j, s) => got.push([i, j, s]));
    expect(list.length).toBe(want.length);
    expect(got).toEqual(want);
  });

  it('lists each row once, in the order it first appears', () => {
    const list = new PairList();
    for (const [i, j] of [
      [5, 2],
      [2, 9],
      [0, 5],
      [9, 7],
    ])
      list.push(i, j, 0.9);
    expect(list.rows(10)).toEqual([5, 2, 9, 0, 7]);
    expect(new PairList().rows(3)).toEqual([]);
  });
});
