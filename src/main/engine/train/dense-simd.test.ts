import { describe, expect, it } from 'vitest';
import { mulberry32 } from '@shared/random';
import { matMul, matMulTN, OPTIMIZERS } from './dense-math';
import { SimdArena, simdSupported } from './dense-simd';

const rand = mulberry32(3);

function filled(arena: SimdArena | null, n: number, offset = 0.5): Float32Array {
  const a = arena ? arena.alloc(n) : new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = rand() - offset;
  return a;
}

/** a[m×k]·b[k×n] in double precision. */
function reference(a: Float32Array, b: Float32Array, m: number, k: number, n: number): Float64Array {
  const c = new Float64Array(m * n);
  for (let i = 0; i < m; i++)
    for (let p = 0; p < k; p++) for (let j = 0; j < n; j++) c[i * n + j] += a[i * k + p] * b[p * n + j];
  return c;
}

function transposed(a: Float32Array, rows: number, cols: number): Float32Array {
  const t = new Float32Array(rows * cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) t[j * rows + i] = a[i * cols + j];
  return t;
}

const maxDiff = (x: ArrayLike<number>, y: ArrayLike<number>) => {
  let d = 0;
  for (let i = 0; i < x.length; i++) d = Math.max(d, Math.abs(x[i] - y[i]));
  return d;
};

describe('wasm SIMD head kernels', () => {
  it('runs on this Node', () => expect(simdSupported()).toBe(true));

  // Row tails (m not a multiple of 4), column tails (odd vector counts), a single row, the light head.
  const shapes = [
    [32, 1280, 100],
    [7, 12, 8],
    [5, 8, 4],
    [1, 4, 20],
    [9, 16, 36],
    [3, 256, 12],
    [32, 2, 100], // a logits layer's input gradient: k of any size
    [32, 100, 2], // its forward: a few columns, in JS
  ];
  it.each(shapes)('a[%i×%i]·b[…×%i] and aᵀ·b match double-precision products', (m, k, n) => {
    // (aᵀ·b with k or n not a multiple of 4 goes through the transpose and matMul)
    const arena = SimdArena.acquire(1 << 22);
    try {
      const a = filled(arena, m * k);
      const b = filled(arena, k * n);
      const c = arena.alloc(m * n);
      expect(SimdArena.of(a, b, c)).toBe(arena); // so the products run in the arena where they can
      matMul(a, b, m, k, n, c);
      expect(maxDiff(c, reference(a, b, m, k, n))).toBeLessThan(1e-5 * Math.sqrt(k));
      const d = filled(arena, m * n);
      const g = arena.alloc(k * n);
      matMulTN(a, d, m, k, n, g, new Float32Array(m * k));
      expect(maxDiff(g, reference(transposed(a, m, k), d, k, m, n))).toBeLessThan(1e-5 * Math.sqrt(m));
    } finally {
      arena.release();
    }
  });

  it('arrays outside one arena take the JS/tfjs path with the same result', () => {
    const arena = SimdArena.acquire(1 << 20);
    try {
      const a = filled(arena, 6 * 8);
      const b = filled(null, 8 * 12); // on the heap: no SIMD
      const c = arena.alloc(6 * 12);
      matMul(a, b, 6, 8, 12, c);
      expect(maxDiff(c, reference(a, b, 6, 8, 12))).toBeLessThan(1e-5);
    } finally {
      arena.release();
    }
  });

  it.each(['adam', 'sgd', 'rmsprop'] as const)('%s updates in the arena match the scalar updates', (name) => {
    const arena = SimdArena.acquire(1 << 20);
    try {
      const size = 1000;
      const simd = OPTIMIZERS[name].create(1e-2, 0.9, 1e-7, (n) => arena.alloc(n));
      const js = OPTIMIZERS[name].create(1e-2, 0.9, 1e-7);
      const ps = simd.param(size);
      const pj = js.param(size);
      const w = filled(arena, size);
      const wj = w.slice();
      const g = arena.alloc(size);
      for (let step = 0; step < 20; step++) {
        for (let i = 0; i < size; i++) g[i] = rand() - 0.5;
        ps.step(w, g);
        pj.step(wj, g.slice());
        simd.endStep();
        js.endStep();
      }
      expect(maxDiff(w, wj)).toBeLessThan(1e-5);
      ps.state.forEach((s, i) => expect(maxDiff(s, pj.state[i])).toBeLessThan(1e-5));
    } finally {
      arena.release();
    }
  });

  it('the L2 terms: Σ w² and g += a·w match the scalar loops', () => {
    const arena = SimdArena.acquire(1 << 20);
    try {
      const w = filled(arena, 4096);
      const g = filled(arena, 4096);
      const want = Float64Array.from(g, (v, i) => Math.fround(v + 0.02 * w[i]));
      let sq = 0;
      for (const v of w) sq += v * v;
      expect(Math.abs(arena.opt.sumSquares(w.byteOffset, w.byteLength) - sq) / sq).toBeLessThan(1e-6);
      arena.opt.axpy(g.byteOffset, w.byteOffset, g.byteLength, 0.02);
      expect(maxDiff(g, want)).toBeLessThan(1e-6);
    } finally {
      arena.release();
    }
  });

  it('a reused arena hands out zeroed arrays, and a full one heap arrays', () => {
    const first = SimdArena.acquire(1 << 16);
    first.alloc(100).fill(7);
    first.release();
    const again = SimdArena.acquire(1 << 16);
    try {
      expect(again).toBe(first);
      expect(again.alloc(100).every((v) => v === 0)).toBe(true);
      const big = again.allocOrHeap(again.bytes / 4);
      expect(SimdArena.of(big)).toBeNull();
      expect(() => again.alloc(again.bytes / 4)).toThrow(/full/);
    } finally {
      again.release();
    }
  });
});
