/**
 * A head's layers after global pooling (Dense and Dropout only) as plain arrays, with a training-mode
 * forward and backward pass. Heads with any other layer (BatchNormalization) are not a dense stack and
 * train through tfjs as before.
 */
import { tf } from '../tf';
import { ACTIVATIONS, matMul, matMulTN, transpose } from './dense-math';
import { SimdArena } from './dense-simd';

export interface DenseLayer {
  kind: 'dense';
  layer: tf.layers.Layer;
  inputs: number;
  units: number;
  /** [inputs × units] row-major, as tfjs stores a Dense kernel. */
  kernel: Float32Array;
  bias: Float32Array | null;
  activation: string;
  /** Keras l2 factor on the kernel (loss += l2 · Σ w²), 0 for none. */
  l2: number;
}

export interface DropoutLayer {
  kind: 'dropout';
  rate: number;
}

export type StackLayer = DenseLayer | DropoutLayer;

/** What a forward pass keeps for the backward pass, per layer (views into the workspace). */
interface Trace {
  input: Float32Array;
  z: Float32Array;
  output: Float32Array;
  /** Dropout: 0 or 1/keep per element; null: the layer passed its input through. */
  mask: Float32Array | null;
}

/** Per layer, buffers for a batch of up to `rows` samples, allocated once per training phase. */
interface LayerBuffers {
  z: Float32Array;
  out: Float32Array;
  mask: Float32Array;
  dz: Float32Array;
  /** Gradient w.r.t. this layer's input. */
  dIn: Float32Array;
  inT: Float32Array;
  kernelT: Float32Array;
  gKernel: Float32Array;
  gBias: Float32Array;
}

export class Workspace {
  readonly layers: LayerBuffers[];
  constructor(
    stack: StackLayer[],
    readonly inputs: number,
    rows: number,
    /** Where the buffers live (a SIMD arena lets the products run in place). */
    alloc: (size: number) => Float32Array = (size) => new Float32Array(size),
  ) {
    let width = inputs;
    this.layers = stack.map((s) => {
      const inW = width;
      const outW = s.kind === 'dense' ? s.units : width;
      width = outW;
      const dense = s.kind === 'dense';
      return {
        z: alloc(dense ? rows * outW : 0),
        out: alloc(rows * outW),
        mask: alloc(dense ? 0 : rows * outW),
        dz: alloc(dense ? rows * outW : 0),
        dIn: alloc(rows * inW),
        inT: alloc(dense ? rows * inW : 0),
        kernelT: alloc(dense ? inW * outW : 0),
        gKernel: alloc(dense ? inW * outW : 0),
        gBias: alloc(dense ? outW : 0),
      };
    });
  }
}

function l2Of(layer: tf.layers.Layer): number | null {
  const reg = (
    layer.getConfig() as { kernelRegularizer?: { className: string; config: Record<string, number> } }
  ).kernelRegularizer;
  if (!reg) return 0;
  if (reg.className !== 'L1L2' || (reg.config.l1 ?? 0) !== 0) return null;
  return reg.config.l2 ?? 0;
}

/**
 * The layers of a logits model on pooled vectors as a dense stack (weights copied out), or why it is not
 * one. The model must be a plain chain: input → (Dense | Dropout)* ending in the logits Dense.
 */
export function denseStackOf(logits: tf.LayersModel): { stack: StackLayer[] } | { reason: string } {
  const layers = logits.layers.filter((l) => l.getClassName() !== 'InputLayer');
  const stack: StackLayer[] = [];
  let width = logits.inputs[0].shape[1];
  if (logits.inputs[0].shape.length !== 2 || width == null) return { reason: 'input is not a vector' };
  for (const l of layers) {
    const cls = l.getClassName();
    if (cls === 'Dropout') {
      stack.push({ kind: 'dropout', rate: (l.getConfig() as { rate: number }).rate });
      continue;
    }
    if (cls !== 'Dense') return { reason: `layer ${l.name} is ${cls}` };
    const cfg = l.getConfig() as { activation: string; units: number; useBias?: boolean };
    const l2 = l2Of(l);
    if (!ACTIVATIONS[cfg.activation]) return { reason: `activation ${cfg.activation} of ${l.name}` };
    if (l2 === null) return { reason: `regularizer of ${l.name}` };
    const ws = l.getWeights();
    stack.push({
      kind: 'dense',
      layer: l,
      inputs: width,
      units: cfg.units,
      kernel: Float32Array.from(ws[0].dataSync()),
      bias: ws.length > 1 ? Float32Array.from(ws[1].dataSync()) : null,
      activation: cfg.activation,
      l2,
    });
    width = cfg.units;
  }
  if (stack[stack.length - 1]?.kind !== 'dense') return { reason: 'does not end in a Dense layer' };
  return { stack };
}

/** Writes the stack's weights into its tfjs layers (for evaluation, export and checkpoints). */
export function writeStack(stack: StackLayer[]): void {
  for (const s of stack) {
    if (s.kind !== 'dense') continue;
    const ts = [tf.tensor2d(s.kernel, [s.inputs, s.units]), ...(s.bias ? [tf.tensor1d(s.bias)] : [])];
    s.layer.setWeights(ts);
    tf.dispose(ts);
  }
}

/** The weight regularisation term of the loss (Σ l2 · Σ w²). */
export function regularization(stack: StackLayer[]): number {
  let r = 0;
  for (const s of stack) {
    if (s.kind !== 'dense' || !s.l2) continue;
    const simd = s.kernel.length % 4 === 0 ? SimdArena.of(s.kernel) : null;
    let sq = 0;
    if (simd) sq = simd.opt.sumSquares(s.kernel.byteOffset, s.kernel.byteLength);
    else for (let i = 0; i < s.kernel.length; i++) sq += s.kernel[i] * s.kernel[i];
    r += s.l2 * sq;
  }
  return r;
}

/**
 * A dropout layer's multipliers in training mode, drawn exactly as tfjs' seeded dropout draws them
 * (uniform noise from its seeded generator, keep where ⌊u + keep⌋ = 1, scaled by 1/keep in float32), so
 * a step seeds the same masks on either training path.
 */
function dropoutMultipliers(out: Float32Array, rate: number, seed: number): Float32Array {
  const u = tf.tidy(() => tf.randomUniform([out.length], 0, 1, 'float32', seed).dataSync() as Float32Array);
  const keep = Math.fround(1 - rate);
  const scale = Math.fround(1 / keep);
  for (let i = 0; i < out.length; i++) out[i] = Math.floor(Math.fround(u[i] + keep)) >= 1 ? scale : 0;
  return out;
}

/**
 * Forward in training mode (dropout masks from `seed`), or in inference mode (seed null: dropout passes
 * its input through): logits [n × classes] and the trace.
 */
export function forward(
  stack: StackLayer[],
  ws: Workspace,
  x: Float32Array,
  n: number,
  seed: number | null,
): { logits: Float32Array; traces: Trace[] } {
  const traces: Trace[] = [];
  let a = x.subarray(0, n * ws.inputs);
  stack.forEach((s, li) => {
    const buf = ws.layers[li];
    if (s.kind === 'dropout') {
      if (seed === null || !(s.rate > 0 && s.rate < 1)) {
        traces.push({ input: a, z: a, output: a, mask: null });
        return;
      }
      const mask = dropoutMultipliers(buf.mask.subarray(0, a.length), s.rate, seed);
      const out = buf.out.subarray(0, a.length);
      for (let i = 0; i < a.length; i++) out[i] = a[i] * mask[i];
      traces.push({ input: a, z: a, output: out, mask });
      a = out;
      return;
    }
    const z = matMul(a, s.kernel, n, s.inputs, s.units, buf.z);
    const out = buf.out.subarray(0, n * s.units);
    if (s.bias) for (let r = 0; r < n; r++) for (let u = 0; u < s.units; u++) z[r * s.units + u] += s.bias[u];
    // The default heads' activations inline (a call per element through the table cost more than the rest).
    if (s.activation === 'relu') for (let i = 0; i < z.length; i++) out[i] = z[i] > 0 ? z[i] : 0;
    else if (s.activation === 'linear') out.set(z);
    else {
      const f = ACTIVATIONS[s.activation].f;
      for (let i = 0; i < z.length; i++) out[i] = f(z[i]);
    }
    traces.push({ input: a, z, output: out, mask: null });
    a = out;
  });
  return { logits: a, traces };
}

export interface DenseGrads {
  kernel: Float32Array;
  bias: Float32Array | null;
}

/** Gradients of every Dense layer (in stack order, dropout layers skipped) from dLoss/dLogits. */
export function backward(
  stack: StackLayer[],
  ws: Workspace,
  traces: Trace[],
  dLogits: Float32Array,
  n: number,
): DenseGrads[] {
  const grads: DenseGrads[] = [];
  // Nothing below the first Dense layer has weights: no gradient is propagated past it.
  const firstDense = stack.findIndex((s) => s.kind === 'dense');
  let d = dLogits;
  for (let li = stack.length - 1; li >= firstDense; li--) {
    const s = stack[li];
    const t = traces[li];
    const buf = ws.layers[li];
    if (s.kind === 'dropout') {
      if (!t.mask) continue;
      const out = buf.dIn.subarray(0, d.length);
      for (let i = 0; i < d.length; i++) out[i] = d[i] * t.mask[i];
      d = out;
      continue;
    }
    const dz = buf.dz.subarray(0, d.length);
    if (s.activation === 'relu') for (let i = 0; i < d.length; i++) dz[i] = t.z[i] > 0 ? d[i] : 0;
    else if (s.activation === 'linear') dz.set(d);
    else {
      const df = ACTIVATIONS[s.activation].df;
      for (let i = 0; i < d.length; i++) dz[i] = d[i] * df(t.z[i], t.output[i]);
    }
    const kernel = matMulTN(t.input, dz, n, s.inputs, s.units, buf.gKernel, buf.inT);
    if (s.l2) {
      const simd = kernel.length % 4 === 0 ? SimdArena.of(kernel, s.kernel) : null;
      if (simd) simd.opt.axpy(kernel.byteOffset, s.kernel.byteOffset, kernel.byteLength, 2 * s.l2);
      else for (let i = 0; i < kernel.length; i++) kernel[i] += 2 * s.l2 * s.kernel[i];
    }
    let bias: Float32Array | null = null;
    if (s.bias) {
      bias = buf.gBias.fill(0);
      for (let r = 0; r < n; r++) for (let u = 0; u < s.units; u++) bias[u] += dz[r * s.units + u];
    }
    grads.unshift({ kernel, bias });
    if (li > firstDense)
      d = matMul(dz, transpose(s.kernel, s.inputs, s.units, buf.kernelT), n, s.units, s.inputs, buf.dIn);
  }
  return grads;
}
