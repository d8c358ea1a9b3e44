import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../backend';
import { tf } from '../tf';
import { depthwiseFilterGradSimd, depthwiseInputGradSimd } from './depthwise-simd';
import type { WasmHeap } from './tfjs-heap';

/** Seeded values with zeros in them (post-ReLU activations are mostly zero). */
const values = (n: number, k: number) =>
  Float32Array.from({ length: n }, (_, i) => (i % 5 === 0 ? 0 : Math.sin(i * k)));

describe('depthwise gradients in wasm SIMD', () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });

  it('run on the wasm heap and equal tfjs cpu’s gradients (stride 2, asymmetric same padding)', async () => {
    const [xShape, wShape] = [
      [2, 7, 7, 8],
      [3, 3, 8, 1],
    ] as [number[], number[]];
    const xs = values(2 * 7 * 7 * 8, 1.3);
    const ws = values(3 * 3 * 8, 0.7);
    const c = tf.backend_util.computeConv2DInfo(
      xShape as never,
      wShape as never,
      2,
      1,
      'same',
      undefined,
      true,
    );
    const dyShape = [2, c.outHeight, c.outWidth, 8];
    const dys = values(
      dyShape.reduce((a, b) => a * b, 1),
      0.9,
    );

    await tf.setBackend('cpu');
    const ref = tf.tidy(() => {
      const [x, w, dy] = [
        tf.tensor4d(xs, xShape as never),
        tf.tensor4d(ws, wShape as never),
        tf.tensor4d(dys, dyShape as never),
      ];
      const dW = tf.depthwiseConv2d(x, w, 2, 'same'); // only to check shapes agree
      expect(dW.shape).toEqual(dyShape);
      const [gx, gw] = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
        tf.sum(tf.mul(tf.depthwiseConv2d(a as tf.Tensor4D, b as tf.Tensor4D, 2, 'same'), dy)),
      )([x, w]);
      return [gx.dataSync().slice(), gw.dataSync().slice()] as Float32Array[];
    });

    await tf.setBackend('wasm');
    const w = tf.backend() as unknown as WasmHeap & tf.KernelBackend;
    const [x, f, dy] = [
      tf.tensor4d(xs, xShape as never),
      tf.tensor4d(ws, wShape as never),
      tf.tensor4d(dys, dyShape as never),
    ];
    const gw = depthwiseFilterGradSimd(w, x, dy, c, wShape);
    const gx = depthwiseInputGradSimd(w, dy, f, c, xShape);
    expect(gw, 'the SIMD kernel ran (not the scalar fallback)').not.toBeNull();
    expect(gx).not.toBeNull();
    const got = [w.readSync(gx!.dataId) as Float32Array, w.readSync(gw!.dataId) as Float32Array];
    got.forEach((g, k) => {
      const scale = Math.max(...ref[k].map(Math.abs));
      const diff = Math.max(...ref[k].map((v, i) => Math.abs(v - g[i])));
      expect(diff / scale).toBeLessThan(1e-6);
    });
    w.disposeData(gw!.dataId);
    w.disposeData(gx!.dataId);
    tf.dispose([x, f, dy]);
  });

  it('declines channel counts that are not a multiple of 4 (the scalar loops take them)', () => {
    const c = tf.backend_util.computeConv2DInfo([1, 5, 5, 6], [3, 3, 6, 1], 1, 1, 'same', undefined, true);
    const w = tf.backend() as unknown as WasmHeap;
    const x = tf.zeros([1, 5, 5, 6]);
    expect(depthwiseFilterGradSimd(w, x, x, c, [3, 3, 6, 1])).toBeNull();
    x.dispose();
  });
});
