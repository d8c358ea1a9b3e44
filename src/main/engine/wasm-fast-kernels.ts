/**
 * wasm kernels replaced by faster equivalents where training (fine-tuning a base's top on wasm) spends
 * its time: the same values, fewer copies and passes. Heap views are taken after every allocation
 * (which may grow, and so detach, the heap). Measured per call on a [32, 7, 7, 336] activation.
 * - Identity: shares the input's data (a reference count, as the cpu backend does) instead of copying
 *   it. The engine clones every tensor a gradient saves, so each training step copied its activations.
 * - Sum over every axis but the last (BatchNorm's scale and offset gradients): pooled over H×W by
 *   XNNPACK, then B×C adds; wasm's Sum transposes the whole tensor first (fresh tensor: 1.5 → 0.35 ms;
 *   [32, 7, 7, 1280]: 5 → 1 ms).
 * - Slice of contiguous rows (`predict` batching): copies those rows; wasm's first copies all of x
 *   (7 → 0.1 ms).
 * - FusedBatchNorm (inference statistics, channels-last): wasm/batchnorm-simd.ts, bit-identical to wasm's
 *   own (a re-associated x·a + b moved MobileNet v1-0.25's layers-model features by 1.5e-4 relative
 *   to the folded graph's, over the 1e-4 that lets devices share cached features).
 */
import { tf } from './tf';
import { batchNormSimd, type BatchNormInputs } from './wasm/batchnorm-simd';
import { offsetOf, type WasmHeap } from './wasm/tfjs-heap';

type TensorInfo = tf.TensorInfo;

/** tfjs' wasm backend (tensors are offsets into the module's heap), with reference counting. */
interface WasmBackend extends WasmHeap {
  incRef(dataId: object): void;
}

/** A float32 tensor's values, as a view of the heap. */
const view = (w: WasmBackend, t: TensorInfo) =>
  new Float32Array(w.wasm.HEAPU8.buffer, offsetOf(w, t), tf.util.sizeFromShape(t.shape));

/** Run another wasm kernel on tensor infos (its output is the caller's to free). */
function run(w: WasmBackend, name: string, inputs: Record<string, TensorInfo>, attrs: object = {}) {
  const k = tf.getKernel(name, 'wasm');
  if (!k) throw new Error(`wasm ${name} kernel missing`);
  return k.kernelFunc({ inputs, attrs, backend: w } as never) as TensorInfo;
}

const free = (w: WasmBackend, ...ts: TensorInfo[]) => ts.forEach((t) => w.disposeData(t.dataId));

/** A new float32 tensor of `shape` holding `values`. */
function filled(w: WasmBackend, shape: number[], values: Float32Array | number): TensorInfo {
  const t = w.makeOutput(shape, 'float32');
  const v = view(w, t);
  if (typeof values === 'number') v.fill(values);
  else v.set(values);
  return t;
}

/**
 * Σ over every axis but the last. An NHWC activation is first average-pooled over its whole H×W
 * (XNNPACK's pooling, whose operator tfjs caches by shape), leaving B×C values to add up here. A matrix
 * product with ones is fast only for a reused operand: tfjs packs a fresh one on every call.
 */
function sumLeading(w: WasmBackend, x: TensorInfo, axis: number | number[], keepDims: boolean) {
  const rank = x.shape.length;
  if (x.dtype !== 'float32' || rank < 2) return null;
  const axes = tf.util.parseAxisParam(axis, x.shape).sort((a, b) => a - b);
  if (axes.length !== rank - 1 || axes.some((a, i) => a !== i)) return null;
  const c = x.shape[rank - 1];
  if (!c || !tf.util.sizeFromShape(x.shape)) return null;
  const [, h, wd] = x.shape;
  const pooled =
    rank === 4 && h * wd > 1
      ? run(w, 'AvgPool', { x }, { filterSize: [h, wd], strides: [h, wd], pad: 'valid' })
      : null;
  const rows = pooled ? view(w, pooled) : view(w, x);
  const acc = new Float64Array(c);
  for (let at = 0; at < rows.length; at += c) for (let k = 0; k < c; k++) acc[k] += rows[at + k];
  if (pooled) {
    for (let k = 0; k < c; k++) acc[k] *= h * wd;
    free(w, pooled);
  }
  return filled(w, keepDims ? x.shape.map((d, i) => (i < rank - 1 ? 1 : d)) : [c], Float32Array.from(acc));
}

/** A contiguous slice (a batch of rows): one copy of just those values. */
function sliceRows(w: WasmBackend, x: TensorInfo, begin: number | number[], size?: number | number[]) {
  if (x.dtype !== 'float32') return null;
  const [b, s] = tf.slice_util.parseSliceParams(x as tf.Tensor, begin, size);
  if (!tf.slice_util.isSliceContinous(x.shape, b, s)) return null;
  const at = tf.slice_util.computeFlatOffset(b, tf.util.computeStrides(x.shape));
  const out = w.makeOutput(s, 'float32');
  view(w, out).set(view(w, x).subarray(at, at + tf.util.sizeFromShape(s)));
  return out;
}

type KernelArgs = Parameters<tf.KernelFunc>[0];
type Inputs = Record<string, TensorInfo>;

/** Each replacement returns null to leave the call to wasm's own kernel. */
const KERNELS: Record<string, (w: WasmBackend, a: KernelArgs) => TensorInfo | null> = {
  Identity: (w, { inputs }) => {
    const { x } = inputs as Inputs;
    if (x.dtype === 'string') return null;
    w.incRef(x.dataId);
    return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
  },
  Sum: (w, { inputs, attrs }) => {
    const { axis, keepDims } = attrs as { axis: number | number[]; keepDims: boolean };
    return sumLeading(w, (inputs as Inputs).x, axis, keepDims);
  },
  FusedBatchNorm: (w, { inputs, attrs }) => {
    const { varianceEpsilon } = attrs as { varianceEpsilon: number };
    return batchNormSimd(w, inputs as unknown as BatchNormInputs, varianceEpsilon);
  },
  Slice: (w, { inputs, attrs }) => {
    const { begin, size } = attrs as { begin: number | number[]; size?: number | number[] };
    return sliceRows(w, (inputs as Inputs).x, begin, size);
  },
};

/** Install the kernels above on wasm (once; wasm's own serve what they decline); returns their names. */
export function installWasmFastKernels(): string[] {
  const installed: string[] = [];
  for (const [name, fn] of Object.entries(KERNELS)) {
    const original = tf.getKernel(name, 'wasm');
    if (!original || (original.kernelFunc as { fast?: boolean }).fast) continue;
    const kernelFunc: tf.KernelFunc = (args) =>
      fn(args.backend as unknown as WasmBackend, args) ?? (original.kernelFunc(args) as TensorInfo);
    Object.assign(kernelFunc, { fast: true });
    tf.unregisterKernel(name, 'wasm');
    tf.registerKernel({ ...original, kernelFunc });
    installed.push(`${name} (fast)`);
  }
  return installed;
}
