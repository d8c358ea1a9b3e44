/**
 * The arithmetic of a dense head trained on pooled vectors, on plain Float32Arrays: activations and
 * optimizers as tables (the same formulas and constants as tfjs' layers and optimizers), and a matrix
 * product that sends large products to the tfjs backend (wasm/XNNPACK or native) and keeps small ones
 * in JS, where a tfjs op would cost more in dispatch than in arithmetic.
 */
import type { OptimizerName } from '@shared/train';
import { tf } from '../tf';
import { SimdArena, simdShape, type OptimizerKernels } from './dense-simd';

/** Below this many multiply-adds a product runs in JS (a backend call costs ~50 µs of dispatch). */
const BACKEND_MIN_MACS = 1 << 16;

/**
 * out[m×n] = a[m×k] · b[k×n], row-major, into `out` (reused across batches: fresh arrays per batch cost
 * more in allocation and GC than the arithmetic). Large products go to the tfjs backend (never transposed
 * there: its transposed matMul is several times slower on wasm), small ones are computed here.
 */
export function matMul(
  a: Float32Array,
  b: Float32Array,
  m: number,
  k: number,
  n: number,
  out: Float32Array,
): Float32Array {
  const c = out.subarray(0, m * n);
  const arena = n % 4 === 0 ? SimdArena.of(a, b, c) : null;
  if (arena) {
    arena.nn(a, b, c, m, k, n);
    return c;
  }
  if (n < 4 && m * k * n < 1 << 20) {
    // A few output columns (a logits layer's classes): one dot product each, no stores in the inner loop.
    for (let i = 0; i < m; i++)
      for (let j = 0; j < n; j++) {
        let sum = 0;
        for (let p = 0, q = j; p < k; p++, q += n) sum += a[i * k + p] * b[q];
        c[i * n + j] = sum;
      }
    return c;
  }
  if (m * k * n >= BACKEND_MIN_MACS) {
    const ta = tf.tensor2d(a.subarray(0, m * k), [m, k]);
    const tb = tf.tensor2d(b.subarray(0, k * n), [k, n]);
    const tc = tf.matMul(ta, tb);
    try {
      readInto(tc, c);
      return c;
    } finally {
      tf.dispose([ta, tb, tc]);
    }
  }
  c.fill(0);
  for (let i = 0; i < m; i++) {
    const o = i * n;
    for (let p = 0; p < k; p++) {
      const av = a[i * k + p];
      if (av === 0) continue;
      const r = p * n;
      for (let j = 0; j < n; j++) c[o + j] += av * b[r + j];
    }
  }
  return c;
}

/**
 * out[k×n] = a[m×k]ᵀ · b[m×n]: in place by the SIMD kernel when every array is in one arena, else
 * through `scratch` (aᵀ) and matMul.
 */
export function matMulTN(
  a: Float32Array,
  b: Float32Array,
  m: number,
  k: number,
  n: number,
  out: Float32Array,
  scratch: Float32Array,
): Float32Array {
  const c = out.subarray(0, k * n);
  const arena = simdShape(k, n) ? SimdArena.of(a, b, c) : null;
  if (!arena) return matMul(transpose(a, m, k, scratch), b, k, m, n, out);
  arena.tn(a, b, c, m, k, n);
  return c;
}

/** The wasm backend's view of its heap (internals; checked before use, else dataSync). */
interface WasmBackendView {
  wasm?: { HEAPU8: Uint8Array };
  dataIdMap?: { get(id: object): { memoryOffset?: number } | undefined };
}

/**
 * A float32 tensor's values copied into `out`. On wasm straight from its heap: dataSync would allocate a
 * fresh array per call (a 512 KB gradient per batch), and collecting those cost as much as the copy.
 */
function readInto(t: tf.Tensor, out: Float32Array): void {
  const b = tf.getBackend() === 'wasm' ? (tf.backend() as unknown as WasmBackendView) : null;
  const at = b?.dataIdMap?.get(t.dataId)?.memoryOffset;
  if (b?.wasm && at !== undefined && at % 4 === 0 && t.dtype === 'float32')
    out.set(new Float32Array(b.wasm.HEAPU8.buffer, at, t.size));
  else out.set(t.dataSync() as Float32Array);
}

/** aᵀ ([cols×rows]) of a ([rows×cols]) into `out`. */
export function transpose(a: Float32Array, rows: number, cols: number, out: Float32Array): Float32Array {
  const t = out.subarray(0, rows * cols);
  let o = 0;
  for (let j = 0; j < cols; j++) for (let i = 0; i < rows; i++) t[o++] = a[i * cols + j];
  return t;
}

const SELU_SCALE = 1.0507009873554805;
const SELU_ALPHA = 1.6732632423543772;
const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));

/** An activation: its value, and its derivative from the pre-activation z and the value a. */
interface ActivationRow {
  f: (z: number) => number;
  df: (z: number, a: number) => number;
}

/** tfjs' activations by their serialized names (what a Dense layer's config reports). */
export const ACTIVATIONS: Record<string, ActivationRow> = {
  linear: { f: (z) => z, df: () => 1 },
  relu: { f: (z) => (z > 0 ? z : 0), df: (z) => (z > 0 ? 1 : 0) },
  // tfjs' relu6 gradient passes where 0 < z ≤ 6.
  relu6: { f: (z) => (z > 0 ? (z < 6 ? z : 6) : 0), df: (z) => (z > 0 && z <= 6 ? 1 : 0) },
  elu: { f: (z) => (z > 0 ? z : Math.exp(z) - 1), df: (z, a) => (z > 0 ? 1 : a + 1) },
  selu: {
    f: (z) => (z > 0 ? SELU_SCALE * z : SELU_SCALE * SELU_ALPHA * (Math.exp(z) - 1)),
    df: (z) => (z > 0 ? SELU_SCALE : SELU_SCALE * SELU_ALPHA * Math.exp(z)),
  },
  tanh: { f: Math.tanh, df: (_z, a) => 1 - a * a },
  sigmoid: { f: sigmoid, df: (_z, a) => a * (1 - a) },
  swish: {
    f: (z) => z * sigmoid(z),
    df: (z) => {
      const s = sigmoid(z);
      return s + z * s * (1 - s);
    },
  },
};

/** One parameter array's optimizer state and update; `step` changes `w` in place. */
export interface ParamOptimizer {
  step(w: Float32Array, g: Float32Array): void;
  /** Copies of the state arrays (for restoring a snapshot later). */
  readonly state: Float32Array[];
}

/** Per optimizer: a factory of per-parameter updaters, and the per-step bookkeeping shared by all. */
export interface OptimizerRow {
  create(
    lr: number,
    momentum: number,
    epsilon: number,
    /** Where state arrays are allocated (a SIMD arena: updates of arrays all in it run there). */
    alloc?: (size: number) => Float32Array,
  ): {
    param(size: number): ParamOptimizer;
    endStep(): void;
    /** Scalar state, under the field names tfjs' optimizer keeps it (Adam's running β powers). */
    scalars: Record<string, number>;
  };
}

// The update loops are top-level functions with every constant passed in: V8 compiles them to tight
// loops (~4 ns per weight), where closures over mutable step state ran ~3× slower.

function adamStep(
  w: Float32Array,
  g: Float32Array,
  m: Float32Array,
  v: Float32Array,
  lrOverC1: number,
  invC2: number,
  eps: number,
) {
  const b1 = 0.9;
  const b2 = 0.999;
  for (let i = 0; i < w.length; i++) {
    const gi = g[i];
    const mi = b1 * m[i] + (1 - b1) * gi;
    const vi = b2 * v[i] + (1 - b2) * gi * gi;
    m[i] = mi;
    v[i] = vi;
    w[i] -= (lrOverC1 * mi) / (Math.sqrt(vi * invC2) + eps);
  }
}

function momentumStep(w: Float32Array, g: Float32Array, acc: Float32Array, lr: number, momentum: number) {
  for (let i = 0; i < w.length; i++) {
    const a = momentum * acc[i] + g[i];
    acc[i] = a;
    w[i] -= lr * a;
  }
}

function rmspropStep(
  w: Float32Array,
  g: Float32Array,
  ms: Float32Array,
  mom: Float32Array,
  lr: number,
  eps: number,
) {
  const decay = 0.9;
  for (let i = 0; i < w.length; i++) {
    const gi = g[i];
    const s = decay * ms[i] + (1 - decay) * gi * gi;
    ms[i] = s;
    // tf.train.rmsprop's default momentum is 0: the moment is this step's contribution.
    const mo = (gi * lr) / Math.sqrt(s + eps);
    mom[i] = mo;
    w[i] -= mo;
  }
}

const heap = (size: number) => new Float32Array(size);

/** The SIMD updates, when every array is in one arena, of the same length, a whole number of vectors. */
function simdOf(w: Float32Array, ...rest: Float32Array[]): OptimizerKernels | null {
  if (w.length % 4 !== 0 || rest.some((r) => r.length !== w.length)) return null;
  return SimdArena.of(w, ...rest)?.opt ?? null;
}

/** The same updates as tf.train.adam(lr) / momentum(lr, m) / rmsprop(lr) (their default constants). */
export const OPTIMIZERS: Record<OptimizerName, OptimizerRow> = {
  adam: {
    create(lr, _momentum, eps, alloc = heap) {
      // tfjs starts both accumulated powers at beta (so the first step corrects by 1 − beta).
      const acc = { accBeta1: Math.fround(0.9), accBeta2: Math.fround(0.999) };
      return {
        param(size) {
          const m = alloc(size);
          const v = alloc(size);
          return {
            state: [m, v],
            step: (w, g) => {
              const lrC1 = lr / (1 - acc.accBeta1);
              const ic2 = 1 / (1 - acc.accBeta2);
              const simd = simdOf(w, g, m, v);
              if (simd)
                simd.adam(
                  w.byteOffset,
                  g.byteOffset,
                  m.byteOffset,
                  v.byteOffset,
                  w.byteLength,
                  lrC1,
                  ic2,
                  eps,
                );
              else adamStep(w, g, m, v, lrC1, ic2, eps);
            },
          };
        },
        endStep() {
          // As tfjs: the product is rounded to float32 at every step (its accBeta variables).
          acc.accBeta1 = Math.fround(acc.accBeta1 * Math.fround(0.9));
          acc.accBeta2 = Math.fround(acc.accBeta2 * Math.fround(0.999));
        },
        scalars: acc,
      };
    },
  },
  sgd: {
    create(lr, momentum, _eps, alloc = heap) {
      return {
        param(size) {
          const acc = alloc(size);
          return {
            state: [acc],
            step: (w, g) => {
              const simd = simdOf(w, g, acc);
              if (simd) simd.momentum(w.byteOffset, g.byteOffset, acc.byteOffset, w.byteLength, lr, momentum);
              else momentumStep(w, g, acc, lr, momentum);
            },
          };
        },
        endStep() {},
        scalars: {},
      };
    },
  },
  rmsprop: {
    create(lr, _momentum, eps, alloc = heap) {
      return {
        param(size) {
          const ms = alloc(size);
          const mom = alloc(size);
          return {
            state: [ms, mom],
            step: (w, g) => {
              const simd = simdOf(w, g, ms, mom);
              if (simd)
                simd.rmsprop(
                  w.byteOffset,
                  g.byteOffset,
                  ms.byteOffset,
                  mom.byteOffset,
                  w.byteLength,
                  lr,
                  eps,
                );
              else rmspropStep(w, g, ms, mom, lr, eps);
            },
          };
        },
        endStep() {},
        scalars: {},
      };
    },
  },
};

/**
 * Softmax cross-entropy from logits, weighted per sample by its class weight and averaged over the batch
 * (Keras semantics, as weightedCrossEntropy): returns the loss, the number correct (argmax, first max
 * wins) and writes dLoss/dLogits into `grad`.
 */
export function softmaxCrossEntropy(
  logits: Float32Array,
  labels: Int32Array,
  classes: number,
  classWeights: number[] | null,
  grad: Float32Array,
): { loss: number; correct: number } {
  const n = labels.length;
  let loss = 0;
  let correct = 0;
  for (let i = 0; i < n; i++) {
    const o = i * classes;
    let max = -Infinity;
    let arg = 0;
    for (let c = 0; c < classes; c++)
      if (logits[o + c] > max) {
        max = logits[o + c];
        arg = c;
      }
    let sum = 0;
    for (let c = 0; c < classes; c++) sum += Math.exp(logits[o + c] - max);
    const y = labels[i];
    const w = classWeights ? classWeights[y] : 1;
    loss += w * -(logits[o + y] - max - Math.log(sum));
    if (arg === y) correct++;
    for (let c = 0; c < classes; c++)
      grad[o + c] = (w * (Math.exp(logits[o + c] - max) / sum - (c === y ? 1 : 0))) / n;
  }
  return { loss: loss / n, correct };
}
