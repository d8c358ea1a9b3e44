import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from './backend';
import { tf } from './tf';
import { batchNormSimd } from './wasm/batchnorm-simd';
import type { WasmHeap } from './wasm/tfjs-heap';

const values = (n: number, k = 1.3) => Float32Array.from({ length: n }, (_, i) => Math.sin(i * k) * 2);

/** `f` on the cpu backend and on wasm (with the replaced kernels), as arrays. */
async function both(f: () => tf.Tensor): Promise<[Float32Array, Float32Array, number[]]> {
  await tf.setBackend('cpu');
  const ref = tf.tidy(f);
  const r = { data: ref.dataSync() as Float32Array, shape: ref.shape };
  ref.dispose();
  await tf.setBackend('wasm');
  const got = tf.tidy(f);
  expect(got.shape).toEqual(r.shape);
  const g = got.dataSync() as Float32Array;
  got.dispose();
  return [r.data, g, r.shape];
}

const relDiff = (a: Float32Array, b: Float32Array) => {
  const scale = Math.max(1e-12, ...a.map(Math.abs));
  return Math.max(...a.map((v, i) => Math.abs(v - b[i]))) / scale;
};

describe('wasm kernels replaced for training speed', () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });

  it('lists the replaced kernels in the backend report', async () => {
    const report = await initBackend('wasm');
    expect(report.fallbackKernels).toEqual(
      expect.arrayContaining(['Identity (fast)', 'Sum (fast)', 'Slice (fast)']),
    );
  });

  it.each([
    ['every axis but the last', [0, 1, 2], false],
    ['every axis but the last, dimensions kept', [0, 1, 2], true],
    ['the last axis (left to wasm)', [3], false],
    ['the middle axes (left to wasm)', [1, 2], false],
  ] as const)('sum over %s equals the cpu backend', async (_, axes, keepDims) => {
    const [ref, got] = await both(() =>
      tf.sum(tf.tensor4d(values(4 * 5 * 5 * 7), [4, 5, 5, 7]), [...axes], keepDims),
    );
    expect(relDiff(ref, got)).toBeLessThan(1e-6);
  });

  it.each([
    ['rows', [1, 0, 0], [2, 4, 3]],
    ['a block inside rows (left to wasm)', [0, 1, 1], [3, 2, 2]],
  ] as const)('slice of %s equals the cpu backend', async (_, begin, size) => {
    const [ref, got] = await both(() =>
      tf.slice(tf.tensor3d(values(4 * 4 * 3), [4, 4, 3]), [...begin], [...size]),
    );
    expect(relDiff(ref, got)).toBeLessThan(1e-7);
  });

  it('batch norm: every value bit for bit what tfjs’ scalar kernel computes (float32, its order)', async () => {
    await tf.setBackend('wasm');
    const [n, c] = [3 * 5 * 5, 12];
    const x = values(n * c);
    const mean = values(c, 0.4);
    const variance = Float32Array.from(values(c, 0.9), (v) => v * v + 0.01);
    const scale = values(c, 2.1);
    const offset = values(c, 0.3);
    const eps = 1e-3;
    const ts = [tf.tensor4d(x, [3, 5, 5, c]), ...[mean, variance, scale, offset].map((v) => tf.tensor1d(v))];
    const w = tf.backend() as unknown as WasmHeap;
    const direct = batchNormSimd(
      w,
      { x: ts[0], mean: ts[1], variance: ts[2], scale: ts[3], offset: ts[4] },
      eps,
    );
    expect(direct, 'the SIMD kernel takes 12 channels').not.toBeNull();
    const got = (w as unknown as tf.KernelBackend).readSync(direct!.dataId) as Float32Array;
    w.disposeData(direct!.dataId);
    const viaTf = tf.tidy(() => tf.batchNorm(ts[0], ts[1], ts[2], ts[4], ts[3], eps).dataSync());
    tf.dispose(ts);
    expect(Buffer.from(viaTf.buffer).equals(Buffer.from(got.buffer))).toBe(true);
    // tfjs-backend-wasm's FusedBatchNorm.cc: offset + (x − mean) · scale / sqrt(variance + ε), in float32.
    const f = Math.fround;
    for (let i = 0; i < n * c; i++) {
      const k = i % c;
      const denom = f(Math.sqrt(f(variance[k] + f(eps))));
      const want = f(offset[k] + f(f(f(x[i] - mean[k]) * scale[k]) / denom));
      if (!Object.is(got[i], want)) expect({ i, got: got[i] }).toEqual({ i, got: want });
    }
    const report = await initBackend('wasm');
    expect(report.fallbackKernels).toContain('FusedBatchNorm (fast)');
  });

  it('a clone shares its source’s memory: it outlives the source and is freed with the last owner', async () => {
    await tf.setBackend('wasm');
    const before = tf.memory().numBytes;
    const x = tf.tensor1d(values(1000));
    const y = tf.clone(x);
    x.dispose();
    expect(Array.from(y.dataSync())).toEqual(Array.from(values(1000)));
    const z = tf.add(y, 1); // the shared data still reads correctly in kernels
    expect(z.dataSync()[3]).toBeCloseTo(values(1000)[3] + 1, 5);
    tf.dispose([y, z]);
    expect(tf.memory().numBytes).toBe(before);
  });
});
