/**
 * The two depthwise-convolution gradients fine-tuning needs on wasm (multiplier 1: every MobileNet),
 * as wasm SIMD over tfjs' own heap: no copies in or out. The scalar loops (wasm-fallbacks.ts) spent
 * ~13% of a MobileNetV2 top's fine-tune step; each inner loop here is 4 channels per instruction.
 * The filter gradient adds in the scalar loop's order (batch, row, column), so it differs from it only
 * by float32 rounding of each product (the scalar loop rounds product + sum once).
 */
import { Fn } from './asm';
import { heapKernel, offsetOf, type WasmHeap } from './tfjs-heap';
import { tf } from '../tf';

type Rows = (
  out: number,
  a: number,
  b: number,
  bytes: number,
  count: number,
  outStep: number,
  aStep: number,
  bStep: number,
) => void;

/**
 * rows(out, a, b, bytes, count, outStep, aStep, bStep): for j < count, out[j·outStep + i] +=
 * a[j·aStep + i] · b[j·bStep + i] over `bytes` bytes (a non-zero multiple of 16); addresses and steps
 * in bytes. A step of 0 keeps that operand in place (the filter gradient's accumulator, the filter).
 */
function rowsKernel(): Fn {
  const f = new Fn('rows', ['i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32']);
  const [out, a, b, bytes, count, outStep, aStep, bStep] = [0, 1, 2, 3, 4, 5, 6, 7];
  const advance = (p: number, step: number) => f.get(p).get(step).i32add().set(p);
  f.forRows(
    count,
    bytes,
    (i) => {
      f.get(out).get(i).i32add();
      f.get(out).get(i).i32add().load(0);
      f.get(a).get(i).i32add().load(0);
      f.get(b).get(i).i32add().load(0);
      f.f32x4('mul').f32x4('add').store(0);
    },
    () => {
      advance(out, outStep);
      advance(a, aStep);
      advance(b, bStep);
    },
  );
  return f;
}

/** The kernel bound to the backend's memory, or null (no SIMD in this runtime, or no heap access). */
const rowsOn = heapKernel<Rows>(rowsKernel);

/** Whether the SIMD kernels take this convolution (multiplier 1, channels a multiple of 4). */
export const depthwiseSimdApplies = (c: tf.backend_util.Conv2DInfo): boolean =>
  c.outChannels === c.inChannels && c.inChannels % 4 === 0;

/**
 * For each (batch, output row, filter tap): the run of output columns whose input column is inside the
 * image, as one rows() call. `call(xAt, dyAt, wAt, count)` gets element offsets of the first column.
 */
function forEachRun(
  c: tf.backend_util.Conv2DInfo,
  call: (xAt: number, dyAt: number, wAt: number, count: number) => void,
): void {
  const C = c.inChannels;
  for (let b = 0; b < c.batchSize; b++)
    for (let yR = 0; yR < c.outHeight; yR++)
      for (let wR = 0; wR < c.filterHeight; wR++) {
        const xR = yR * c.strideHeight + wR * c.dilationHeight - c.padInfo.top;
        if (xR < 0 || xR >= c.inHeight) continue;
        for (let wC = 0; wC < c.filterWidth; wC++) {
          const shift = wC * c.dilationWidth - c.padInfo.left; // xC = yC·stride + shift
          const lo = Math.max(0, Math.ceil(-shift / c.strideWidth));
          const hi = Math.min(c.outWidth - 1, Math.floor((c.inWidth - 1 - shift) / c.strideWidth));
          if (hi < lo) continue;
          call(
            ((b * c.inHeight + xR) * c.inWidth + lo * c.strideWidth + shift) * C,
            ((b * c.outHeight + yR) * c.outWidth + lo) * C,
            (wR * c.filterWidth + wC) * C,
            hi - lo + 1,
          );
        }
      }
}

/** A zeroed float32 output tensor and its byte offset. */
function zeroed(w: WasmHeap, shape: number[]): { t: tf.TensorInfo; at: number } {
  const t = w.makeOutput(shape, 'float32');
  const at = offsetOf(w, t);
  new Float32Array(w.wasm.HEAPU8.buffer, at, tf.util.sizeFromShape(shape)).fill(0);
  return { t, at };
}

/** dW[fh, fw, C, 1] = Σ x · dy, or null where the SIMD kernel does not apply. */
export function depthwiseFilterGradSimd(
  w: WasmHeap,
  x: tf.TensorInfo,
  dy: tf.TensorInfo,
  c: tf.backend_util.Conv2DInfo,
  filterShape: number[],
): tf.TensorInfo | null {
  const rows = depthwiseSimdApplies(c) ? rowsOn(w) : null;
  if (!rows) return null;
  const out = zeroed(w, filterShape);
  const [xAt, dyAt] = [offsetOf(w, x), offsetOf(w, dy)];
  const C4 = c.inChannels * 4;
  forEachRun(c, (xo, dyo, wo, count) =>
    rows(out.at + wo * 4, xAt + xo * 4, dyAt + dyo * 4, C4, count, 0, c.strideWidth * C4, C4),
  );
  return out.t;
}

/** dx[B, H, W, C] = Σ dy · w scattered back over the taps, or null where the SIMD kernel does not apply. */
export function depthwiseInputGradSimd(
  w: WasmHeap,
  dy: tf.TensorInfo,
  filter: tf.TensorInfo,
  c: tf.backend_util.Conv2DInfo,
  inputShape: number[],
): tf.TensorInfo | null {
  const rows = depthwiseSimdApplies(c) ? rowsOn(w) : null;
  if (!rows) return null;
  const out = zeroed(w, inputShape);
  const [dyAt, fAt] = [offsetOf(w, dy), offsetOf(w, filter)];
  const C4 = c.inChannels * 4;
  forEachRun(c, (xo, dyo, wo, count) =>
    rows(out.at + xo * 4, dyAt + dyo * 4, fAt + wo * 4, C4, count, c.strideWidth * C4, C4, 0),
  );
  return out.t;
}
