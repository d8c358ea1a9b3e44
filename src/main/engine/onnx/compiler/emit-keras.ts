/**
 * Keras preprocessing layers inside the Keras applications (EfficientNet's stem): Normalization and a
 * per-channel Rescaling. Per-channel constants broadcast over the channel axis: [C, 1, 1] against an
 * NCHW image tensor, [C] against Keras' channels-last layout otherwise.
 */
import { unsupported, type Emitter, type LayerCall } from '../../graph/layer-call';
import { layerWeights, requireWeight } from '../../graph/weights';
import type { OnnxBuilder } from './builder';

type OnnxEmitter = Emitter<OnnxBuilder>;

/** Keras `backend.epsilon()`: Normalization divides by max(sqrt(variance), this). */
const KERAS_EPSILON = 1e-7;

/** A per-channel constant shaped to broadcast over the channel axis of `call`'s input. */
function channelConst(b: OnnxBuilder, call: LayerCall, name: string, values: Float32Array | number[]) {
  const dims = call.inputShapes[0].length === 4 ? [values.length, 1, 1] : [values.length];
  return b.constFloat(name, values, dims);
}

/**
 * (x − mean) / max(√variance, 1e-7) over the last (channel) axis. The denominator is computed here in
 * float32 as the layer computes it, so the graph matches the tfjs layer (and the SavedModel's).
 */
export const emitNormalization: OnnxEmitter = (b, call) => {
  const w = layerWeights(call.layer);
  const mean = requireWeight(call.layer, w, 'mean');
  const variance = requireWeight(call.layer, w, 'variance');
  const rank = call.outputShape.length;
  const c = call.outputShape[rank - 1];
  const axis = call.config.axis;
  if ((axis !== undefined && axis !== -1 && axis !== rank - 1) || mean.values.length !== c)
    throw unsupported(
      call,
      `only per-channel normalization over the last axis is supported (axis ${String(axis)})`,
    );
  const std = Float32Array.from(variance.values, (v) => Math.max(Math.fround(Math.sqrt(v)), KERAS_EPSILON));
  const centred = b.op(`${call.base}/sub`, 'Sub', [
    call.inputs[0],
    channelConst(b, call, `${call.base}/mean`, mean.values),
  ]);
  return b.op(`${call.base}/div`, 'Div', [centred, channelConst(b, call, `${call.base}/std`, std)]);
};

/** A Rescaling factor: a scalar, or (as Keras allows, e.g. EfficientNet) one value per channel. */
function rescaleConst(b: OnnxBuilder, call: LayerCall, name: string, v: unknown): string | null {
  const channels = call.outputShape[call.outputShape.length - 1];
  if (typeof v === 'number') return b.scalar(v);
  if (Array.isArray(v) && v.every((n) => typeof n === 'number')) {
    if (v.length === 1) return b.scalar(v[0] as number);
    if (v.length === channels) return channelConst(b, call, name, v as number[]);
  }
  return null;
}

/** x · scale + offset, each a number or one per channel. */
export const emitRescaling: OnnxEmitter = (b, call) => {
  const { scale, offset } = call.config;
  const s = rescaleConst(b, call, `${call.base}/scale`, scale);
  const hasOffset = offset !== undefined && offset !== null && offset !== 0;
  const o = hasOffset ? rescaleConst(b, call, `${call.base}/offset`, offset) : null;
  if (!s || (hasOffset && !o))
    throw unsupported(
      call,
      `scale/offset must be numbers or one number per channel, got ${JSON.stringify({ scale, offset })}`,
    );
  const y = b.op(`${call.base}/mul`, 'Mul', [call.inputs[0], s]);
  return o ? b.op(`${call.base}/add`, 'Add', [y, o]) : y;
};
