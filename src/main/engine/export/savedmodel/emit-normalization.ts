import { T, unsupported, type Emitter } from './emit-common';
import { layerWeights, requireWeight } from './weights';

/** Keras `backend.epsilon()`: Normalization divides by max(sqrt(variance), this). */
const KERAS_EPSILON = 1e-7;

/**
 * Keras' `Normalization` layer (EfficientNet's stem): (x − mean) / max(√variance, 1e-7) over the last
 * axis. The denominator is computed here in float32 exactly as the layer computes it (√ of a float32
 * is correctly rounded either way), so the graph matches the tfjs layer bit for bit.
 */
export const emitNormalization: Emitter = (b, call) => {
  const w = layerWeights(call.layer);
  const mean = requireWeight(call.layer, w, 'mean');
  const variance = requireWeight(call.layer, w, 'variance');
  const c = call.outputShape[call.outputShape.length - 1];
  const axis = call.config.axis;
  if ((axis !== undefined && axis !== -1 && axis !== call.outputShape.length - 1) || mean.values.length !== c)
    throw unsupported(
      call,
      `only per-channel normalization over the last axis is supported (axis ${String(axis)})`,
    );
  const std = Float32Array.from(variance.values, (v) => Math.max(Math.fround(Math.sqrt(v)), KERAS_EPSILON));
  const m = b.constFloat(`${call.base}/mean`, mean.values, [c]);
  const d = b.constFloat(`${call.base}/std`, std, [c]);
  const centred = b.op(`${call.base}/sub`, 'Sub', [call.inputs[0], m], T);
  return b.op(`${call.base}/truediv`, 'RealDiv', [centred, d], T);
};
