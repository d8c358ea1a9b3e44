import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from './backend';
import { tf } from './tf';

type Loss = (x: tf.Tensor, w: tf.Tensor) => tf.Scalar;
/** `reference`: the same function without the kernel under test (default: `loss` on the cpu backend). */
type Case = { name: string; xShape: number[]; wShape: number[]; loss: Loss; reference?: Loss };

const conv = (stride: number, pad: 'same' | 'valid') => (x: tf.Tensor, w: tf.Tensor) =>
  tf.sum(tf.square(tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, stride, pad))) as tf.Scalar;
const depthwise =
  (stride: number, pad: 'same' | 'valid' = 'same') =>
  (x: tf.Tensor, w: tf.Tensor) =>
    tf.sum(tf.square(tf.depthwiseConv2d(x as tf.Tensor4D, w as tf.Tensor4D, stride, pad))) as tf.Scalar;
const batchNorm =
  (fused: boolean) =>
  (x: tf.Tensor, w: tf.Tensor): tf.Scalar => {
    const [scale, offset] = tf.split(w, 2).map((t) => t.reshape([6]));
    const mean = tf.linspace(-0.5, 0.5, 6);
    const variance = tf.linspace(0.5, 2, 6);
    const y = fused
      ? tf.batchNorm(x, mean, variance, offset, scale, 1e-3)
      : tf.add(tf.mul(tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, 1e-3))), scale), offset);
    return tf.sum(tf.square(y));
  };

const CASES: Case[] = [
  { name: 'pointwise conv', xShape: [3, 5, 5, 6], wShape: [1, 1, 6, 4], loss: conv(1, 'same') },
  { name: '3×3 conv, stride 2', xShape: [2, 7, 7, 3], wShape: [3, 3, 3, 4], loss: conv(2, 'same') },
  { name: '1×1 conv, stride 2', xShape: [2, 6, 6, 3], wShape: [1, 1, 3, 5], loss: conv(2, 'valid') },
  { name: 'depthwise, multiplier 1', xShape: [2, 7, 7, 6], wShape: [3, 3, 6, 1], loss: depthwise(1) },
  {
    name: 'depthwise, multiplier 2, stride 2',
    xShape: [2, 8, 8, 3],
    wShape: [3, 3, 3, 2],
    loss: depthwise(2),
  },
  // Channels a multiple of 4: the SIMD kernels (wasm/depthwise-simd.ts) instead of the scalar loops.
  { name: 'depthwise SIMD, stride 1', xShape: [2, 7, 7, 8], wShape: [3, 3, 8, 1], loss: depthwise(1) },
  {
    name: 'depthwise SIMD, stride 2, odd size',
    xShape: [2, 7, 7, 8],
    wShape: [3, 3, 8, 1],
    loss: depthwise(2),
  },
  {
    name: 'depthwise SIMD, stride 2, even size, valid',
    xShape: [3, 8, 8, 12],
    wShape: [3, 3, 12, 1],
    loss: depthwise(2, 'valid'),
  },
  // ReLU6 (MobileNetV2): values below, inside, on and above both bounds.
  {
    name: 'clip by value (ReLU6)',
    xShape: [2, 5, 5, 6],
    wShape: [6],
    loss: (x, w) => tf.sum(tf.square(tf.clipByValue(tf.mul(x, w), -0.3, 0.4))),
  },
  // 45 values: four lanes at a time, then a scalar tail.
  {
    name: 'clip by value, a size that is not a multiple of 4',
    xShape: [1, 3, 3, 5],
    wShape: [5],
    loss: (x, w) => tf.sum(tf.square(tf.clipByValue(tf.mul(x, w), -0.3, 0.4))),
  },
  // The Mean gradient is replaced on every backend: the reference divides a sum instead.
  {
    name: 'mean over H×W (global average pooling)',
    xShape: [2, 5, 5, 6],
    wShape: [6],
    loss: (x, w) => tf.sum(tf.square(tf.mean(tf.mul(x, w), [1, 2]))),
    reference: (x, w) => tf.sum(tf.square(tf.div(tf.sum(tf.mul(x, w), [1, 2]), 25))),
  },
  // The BatchNorm gradient is replaced on every backend: the reference is the formula in plain ops.
  {
    name: 'batch norm (inference statistics)',
    xShape: [2, 3, 3, 6],
    wShape: [2, 6],
    loss: batchNorm(true),
    reference: batchNorm(false),
  },
];

/** d loss / d x and d loss / d w, as arrays, on the current backend. */
function grads(loss: Loss, c: Case, xs: Float32Array, ws: Float32Array): Float32Array[] {
  return tf.tidy(() => {
    const [dx, dw] = tf.grads((x: tf.Tensor, w: tf.Tensor) => loss(x, w))([
      tf.tensor(xs, c.xShape),
      tf.tensor(ws, c.wShape),
    ]);
    return [dx.dataSync() as Float32Array, dw.dataSync() as Float32Array];
  });
}

describe('training kernels supplied for wasm', () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });

  it.each(CASES)('$name: gradients equal the cpu backend’s', async (c) => {
    const size = (s: number[]) => s.reduce((a, b) => a * b, 1);
    const xs = Float32Array.from(
      { length: size(c.xShape) },
      (_, i) => Math.sin(i * 1.3) * (i % 3 === 0 ? 0 : 1),
    );
    const ws = Float32Array.from({ length: size(c.wShape) }, (_, i) => Math.cos(i * 0.7) + 0.1);
    await tf.setBackend('cpu');
    const ref = grads(c.reference ?? c.loss, c, xs, ws);
    await tf.setBackend('wasm');
    const got = grads(c.loss, c, xs, ws);
    ref.forEach((r, k) => {
      const scale = Math.max(...r.map(Math.abs));
      expect(scale).toBeGreaterThan(0);
      const diff = Math.max(...r.map((v, i) => Math.abs(v - got[k][i])));
      expect(diff / scale).toBeLessThan(1e-5);
    });
  });
});
