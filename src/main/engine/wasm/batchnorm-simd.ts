/**
 * BatchNorm's forward pass (inference statistics) in wasm SIMD on tfjs' own heap. tfjs' wasm kernel
 * computes each element as offset + (x − mean)·scale / √(variance + ε) in scalar float32, wrapping four
 * parameter indices per element: ~12% of fine-tuning MobileNetV2's top. This is the same expression,
 * the same float32 operations in the same order (each IEEE-rounded, so every value is bit-identical),
 * four channels per instruction. An earlier re-associated variant, x·a + b, moved features by 1.5e-4.
 */
import { Fn } from './asm';
import { heapKernel, offsetOf, type WasmHeap } from './tfjs-heap';
import { tf } from '../tf';

type Norm = (
  out: number,
  x: number,
  mean: number,
  scale: number,
  denom: number,
  offset: number,
  bytes: number,
  rows: number,
) => void;

/**
 * norm(out, x, mean, scale, denom, offset, bytes, rows): for each of `rows` rows of `bytes` bytes (one
 * pixel's channels, a non-zero multiple of 16), out = offset + (x − mean)·scale / denom per channel.
 */
function normKernel(): Fn {
  const f = new Fn('norm', ['i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32']);
  const [out, x, mean, scale, denom, offset, bytes, rows] = [0, 1, 2, 3, 4, 5, 6, 7];
  f.forRows(
    rows,
    bytes,
    (i) => {
      f.get(out).get(i).i32add();
      f.get(offset).get(i).i32add().load(0);
      f.get(x).get(i).i32add().load(0);
      f.get(mean).get(i).i32add().load(0);
      f.f32x4('sub');
      f.get(scale).get(i).i32add().load(0);
      f.f32x4('mul');
      f.get(denom).get(i).i32add().load(0);
      f.f32x4('div').f32x4('add').store(0);
    },
    () => {
      f.get(out).get(bytes).i32add().set(out);
      f.get(x).get(bytes).i32add().set(x);
    },
  );
  return f;
}

const normOn = heapKernel<Norm>(normKernel);

export interface BatchNormInputs {
  x: tf.TensorInfo;
  mean: tf.TensorInfo;
  variance: tf.TensorInfo;
  scale?: tf.TensorInfo;
  offset?: tf.TensorInfo;
}

/**
 * The FusedBatchNorm forward, or null to leave it to tfjs' kernel: only the channels-last case with
 * every parameter one value per channel (what Keras' BatchNormalization passes), channels a multiple of 4.
 */
export function batchNormSimd(w: WasmHeap, inp: BatchNormInputs, epsilon: number): tf.TensorInfo | null {
  const { x, mean, variance, scale, offset } = inp;
  const c = x.shape[x.shape.length - 1];
  const params = [mean, variance, scale, offset];
  if (x.dtype !== 'float32' || !c || c % 4 !== 0) return null;
  if (params.some((p) => !p || p.dtype !== 'float32' || tf.util.sizeFromShape(p.shape) !== c)) return null;
  const size = tf.util.sizeFromShape(x.shape);
  const norm = size ? normOn(w) : null;
  if (!norm) return null;
  const at = (t: tf.TensorInfo) => offsetOf(w, t);
  // √(variance + ε) per channel, as tfjs' kernel computes it (float32 sum, then a correctly rounded
  // square root: Math.fround of the double root is the float32 root).
  const denom = w.makeOutput([c], 'float32');
  const out = w.makeOutput(x.shape, 'float32'); // allocations may grow the heap: views after them
  const heap = w.wasm.HEAPU8.buffer;
  const v = new Float32Array(heap, at(variance), c);
  const d = new Float32Array(heap, at(denom), c);
  const eps = Math.fround(epsilon);
  for (let k = 0; k < c; k++) d[k] = Math.sqrt(Math.fround(v[k] + eps));
  norm(at(out), at(x), at(mean), at(scale!), at(denom), at(offset!), c * 4, size / c);
  w.disposeData(denom.dataId);
  return out;
}
