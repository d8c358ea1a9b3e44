import { describe, expect, it } from 'vitest';
import { mulberry32 } from '@shared/random';
import { planWindows, WindowReader } from './windows';

describe('streaming epoch plan', () => {
  // 10,000 items stored class by class (the worst case for reading in order): label = position < 5000.
  const n = 10_000;
  const positions = Float64Array.from({ length: n }, (_, i) => (i * 7919) % n);
  const sizes = {
    storedBytesPerRow: 2560,
    decodedBytesPerRow: 5120,
    blockBytes: 64 << 10,
    windowBytes: 4 << 20,
  };

  it('visits every item once per epoch, window by window, each window within its byte budget', () => {
    const plan = planWindows(positions, sizes, mulberry32(1));
    expect([...plan.order].sort((a, b) => a - b)).toEqual(Array.from({ length: n }, (_, i) => i));
    expect(plan.windows.length).toBeGreaterThan(10);
    for (const w of plan.windows) expect(w.length * sizes.decodedBytesPerRow).toBeLessThanOrEqual(4 << 20);
    // Reading a window is a few sequential runs: its items come from whole blocks of 25 neighbours.
    const w0 = plan.windows[0].map((i) => positions[i]).sort((a, b) => a - b);
    const runs = w0.filter((p, k) => k === 0 || p !== w0[k - 1] + 1).length;
    expect(runs).toBeLessThanOrEqual(w0.length / 25);
  });

  it('mixes classes stored apart into every batch-sized stretch, and differs per epoch', () => {
    const plan = planWindows(positions, sizes, mulberry32(1));
    const cls = (i: number) => (positions[i] < n / 2 ? 0 : 1);
    let mixed = 0;
    for (let s = 0; s + 32 <= n; s += 32) {
      const ones = plan.order.slice(s, s + 32).filter((i) => cls(i) === 1).length;
      if (ones >= 6 && ones <= 26) mixed++;
    }
    expect(mixed / Math.floor(n / 32)).toBeGreaterThan(0.9);
    expect(planWindows(positions, sizes, mulberry32(2)).order).not.toEqual(plan.order);
    expect(planWindows(positions, sizes, mulberry32(1)).order).toEqual(plan.order);
  });

  it('with the default sizes, 8k pooled vectors stored class by class: every window and batch stretch is class-balanced', () => {
    const rows = 8000;
    const pos = Float64Array.from({ length: rows }, (_, i) => i); // item i stored i-th; class = i / 1600
    const plan = planWindows(pos, { storedBytesPerRow: 2560, decodedBytesPerRow: 5120 }, mulberry32(5));
    expect(plan.windows.length).toBeGreaterThan(1); // 41 MB decoded does not fit one 32 MB window
    for (const w of plan.windows) {
      const share = [0, 0, 0, 0, 0];
      for (const i of w) share[Math.floor(i / 1600)] += 1 / w.length;
      for (const v of share) expect(v).toBeGreaterThan(0.15);
    }
    let balanced = 0;
    for (let s = 0; s + 32 <= rows; s += 32) {
      const classes = new Set(plan.order.slice(s, s + 32).map((i) => Math.floor(i / 1600)));
      if (classes.size >= 4) balanced++;
    }
    expect(balanced / Math.floor(rows / 32)).toBeGreaterThan(0.9);
  });

  it('in order (evaluation), windows are consecutive runs of items', () => {
    const pos = Float64Array.from({ length: 3000 }, (_, i) => i);
    const plan = planWindows(pos, { ...sizes, blockBytes: 64 << 10 }, null);
    expect(plan.order).toEqual(Array.from({ length: 3000 }, (_, i) => i));
    plan.windows.forEach((w, k) => k > 0 && expect(w[0]).toBe(plan.windows[k - 1].at(-1)! + 1));
  });

  it('serves batches from at most the current windows plus one read ahead', async () => {
    const plan = planWindows(positions, sizes, mulberry32(3));
    const loads: number[] = [];
    const reader = new WindowReader(plan, 2, async (items) => {
      loads.push(items.length);
      return Float32Array.from(items.flatMap((i) => [i, i + 0.5]));
    });
    const out = new Float32Array(64);
    for (let s = 0; s < n; s += 32) {
      const idx = plan.order.slice(s, s + 32);
      await reader.gather(idx, out);
      idx.forEach((item, j) => expect([out[2 * j], out[2 * j + 1]]).toEqual([item, item + 0.5]));
    }
    expect(loads.length).toBe(plan.windows.length); // each window read exactly once
  });
});
