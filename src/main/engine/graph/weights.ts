import type * as tfTypes from '@tensorflow/tfjs';
import { LayerGraphError } from './errors';

export interface Weight {
  values: Float32Array;
  shape: number[];
}

/** A layer's weights keyed by their short name ("kernel", "bias", "gamma", "moving_mean", …). */
export function layerWeights(layer: tfTypes.layers.Layer): Map<string, Weight> {
  const out = new Map<string, Weight>();
  for (const v of layer.weights) {
    const full = v.originalName ?? v.name;
    const short = full.slice(full.lastIndexOf('/') + 1).replace(/:\d+$/, '');
    const t = v.read();
    if (t.dtype !== 'float32')
      throw new LayerGraphError(`layer "${layer.name}": weight ${full} is ${t.dtype}, expected float32`);
    // Copy: the variable's buffer must not be aliased into the graph we are building.
    out.set(short, { values: Float32Array.from(t.dataSync() as Float32Array), shape: [...t.shape] });
  }
  return out;
}

export function requireWeight(
  layer: tfTypes.layers.Layer,
  weights: Map<string, Weight>,
  name: string,
): Weight {
  const w = weights.get(name);
  if (!w) {
    throw new LayerGraphError(
      `layer "${layer.name}" (${layer.getClassName()}) has no "${name}" weight (has: ${[...weights.keys()].join(', ') || 'none'})`,
    );
  }
  return w;
}

/** Inference-time batch norm as y = x * scale + shift, per channel, computed in float64. */
export interface BnAffine {
  scale: Float64Array;
  shift: Float64Array;
  /** The raw parameters, for FusedBatchNormV3. */
  gamma: Float32Array;
  beta: Float32Array;
  mean: Float32Array;
  variance: Float32Array;
  epsilon: number;
}

export function batchNormParams(layer: tfTypes.layers.Layer): BnAffine {
  const cfg = layer.getConfig();
  const w = layerWeights(layer);
  const mean = requireWeight(layer, w, 'moving_mean').values;
  const variance = requireWeight(layer, w, 'moving_variance').values;
  const c = mean.length;
  const gamma = cfg.scale === false ? new Float32Array(c).fill(1) : requireWeight(layer, w, 'gamma').values;
  const beta = cfg.center === false ? new Float32Array(c) : requireWeight(layer, w, 'beta').values;
  const epsilon = typeof cfg.epsilon === 'number' ? cfg.epsilon : 1e-3;
  const scale = new Float64Array(c);
  const shift = new Float64Array(c);
  for (let i = 0; i < c; i++) {
    scale[i] = gamma[i] / Math.sqrt(variance[i] + epsilon);
    shift[i] = beta[i] - mean[i] * scale[i];
  }
  return { scale, shift, gamma, beta, mean, variance, epsilon };
}

/**
 * Fold a following batch norm into a kernel whose last axis is the output channel (Conv2D
 * [kh,kw,in,out], DepthwiseConv2D [kh,kw,in,mult] whose flattened last two axes are the output channel,
 * pointwise [1,1,in,out], Dense [in,out]) and its bias.
 */
export function foldBatchNorm(
  kernel: Weight,
  bias: Float32Array | null,
  bn: BnAffine,
): { kernel: Weight; bias: Float32Array } {
  const c = bn.scale.length;
  if (kernel.values.length % c !== 0)
    throw new LayerGraphError(
      `cannot fold batch norm of ${c} channels into kernel [${kernel.shape.join(',')}]`,
    );
  const k = new Float32Array(kernel.values.length);
  for (let i = 0; i < k.length; i++) k[i] = kernel.values[i] * bn.scale[i % c];
  const b = new Float32Array(c);
  for (let i = 0; i < c; i++) b[i] = (bias ? bias[i] : 0) * bn.scale[i] + bn.shift[i];
  return { kernel: { values: k, shape: kernel.shape }, bias: b };
}
