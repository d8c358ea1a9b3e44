import {
  axisOf,
  kerasPadding,
  pair,
  requireChannelsLast,
  staticDims,
  unsupported,
  zeroPadding,
  type Emitter,
  type LayerCall,
} from '../../graph/layer-call';
import { batchNormParams } from '../../graph/weights';
import { clip, emitActivation } from './activations';
import { attr, type AttrValue, type OnnxBuilder } from './builder';
import { nchwAxis, toNchw, toNhwc } from './layout';

type OnnxEmitter = Emitter<OnnxBuilder>;
const rankOf = (call: LayerCall, i = 0) => call.inputShapes[i].length;

export const emitActivationLayer: OnnxEmitter = (b, call) =>
  emitActivation(b, call, call.inputs[0], call.config.activation, rankOf(call));

export const emitReLU: OnnxEmitter = (b, call) => {
  const max = call.config.maxValue;
  if (max === undefined || max === null) return b.op(`${call.base}/Relu`, 'Relu', [call.inputs[0]]);
  if (typeof max !== 'number') throw unsupported(call, `invalid max value ${JSON.stringify(max)}`);
  return clip(b, call.base, call.inputs[0], 0, max);
};

export const emitIdentity: OnnxEmitter = (_b, call) => call.inputs[0];

/** Unfolded batch norm: BatchNormalization on NCHW (channel axis 1), else the per-channel affine form. */
export const emitBatchNormalization: OnnxEmitter = (b, call) => {
  const rank = rankOf(call);
  const axis =
    Array.isArray(call.config.axis) && call.config.axis.length === 1 ? call.config.axis[0] : call.config.axis;
  if (axisOf(call, axis, rank) !== rank - 1)
    throw unsupported(
      call,
      `batch normalization over axis ${String(axis)} (only the channel/last axis is supported)`,
    );
  const bn = batchNormParams(call.layer);
  const c = bn.mean.length;
  if (rank === 4) {
    const inputs = [call.inputs[0]];
    for (const [name, v] of [
      ['gamma', bn.gamma],
      ['beta', bn.beta],
      ['moving_mean', bn.mean],
      ['moving_variance', bn.variance],
    ] as const)
      inputs.push(b.constFloat(`${call.base}/${name}`, v, [c]));
    return b.op(`${call.base}/BatchNormalization`, 'BatchNormalization', inputs, {
      epsilon: attr.f(bn.epsilon),
    });
  }
  const scale = b.constFloat(`${call.base}/scale`, Float32Array.from(bn.scale), [c]);
  const shift = b.constFloat(`${call.base}/shift`, Float32Array.from(bn.shift), [c]);
  const m = b.op(`${call.base}/mul`, 'Mul', [call.inputs[0], scale]);
  return b.op(`${call.base}/add`, 'Add', [m, shift]);
};

export const emitZeroPadding2D: OnnxEmitter = (b, call) => {
  requireChannelsLast(call);
  const [[top, bottom], [left, right]] = zeroPadding(call);
  const pads = b.constInt64(`${call.base}/pads`, [0, 0, top, left, 0, 0, bottom, right], [8]);
  return b.op(`${call.base}/Pad`, 'Pad', [call.inputs[0], pads], { mode: attr.s('constant') });
};

function pooling(op: 'MaxPool' | 'AveragePool'): OnnxEmitter {
  return (b, call) => {
    requireChannelsLast(call);
    const [kh, kw] = pair(call.config.poolSize ?? 2, 'pool size', call);
    const [sh, sw] = pair(call.config.strides ?? [kh, kw], 'strides', call);
    const attrs: Record<string, AttrValue> = {
      kernel_shape: attr.ints([kh, kw]),
      strides: attr.ints([sh, sw]),
    };
    // TF's SAME pooling ignores the padded cells (max of real values, average over real values only).
    if (op === 'AveragePool') attrs.count_include_pad = attr.i(0);
    // auto_pad, not explicit pads: SAME_UPPER is TF's SAME (odd pixel after), and ORT's PadFusion only
    // rewrites pools with explicit pads; it would fold a preceding ZeroPadding2D's zeros into the
    // pool's pads, which MaxPool ignores (wrong wherever a window's real values are all negative).
    attrs.auto_pad = attr.s(kerasPadding(call) === 'same' ? 'SAME_UPPER' : 'VALID');
    return b.op(`${call.base}/${op}`, op, [call.inputs[0]], attrs);
  };
}
export const emitMaxPooling2D = pooling('MaxPool');
export const emitAveragePooling2D = pooling('AveragePool');

function globalPooling(op: 'GlobalAveragePool' | 'GlobalMaxPool'): OnnxEmitter {
  return (b, call) => {
    requireChannelsLast(call);
    const y = b.op(`${call.base}/${op}`, op, [call.inputs[0]]);
    // [N, C, 1, 1] is exactly Keras' keepDims [N, 1, 1, C] in NCHW; otherwise drop the 1×1.
    if (call.config.keepDims === true) return y;
    return b.op(`${call.base}/Flatten`, 'Flatten', [y], { axis: attr.i(1) });
  };
}
export const emitGlobalAveragePooling2D = globalPooling('GlobalAveragePool');
export const emitGlobalMaxPooling2D = globalPooling('GlobalMaxPool');

/**
 * Flatten and Reshape work on Keras' NHWC element order: an image tensor goes back to NHWC first, and
 * a rank-4 result comes back to NCHW.
 */
export const emitReshape: OnnxEmitter = (b, call) => {
  const dims = staticDims(call, call.outputShape, 'output');
  let x = call.inputs[0];
  if (rankOf(call) === 4) x = toNhwc(b, `${call.base}/to_nhwc`, x);
  const shape = b.constInt64(`${call.base}/shape`, [-1, ...dims], [dims.length + 1]);
  const y = b.op(`${call.base}/Reshape`, 'Reshape', [x, shape]);
  return dims.length === 3 ? toNchw(b, `${call.base}/to_nchw`, y) : y;
};

function chain(op: 'Add' | 'Mul', suffix: string): OnnxEmitter {
  return (b, call) => {
    if (call.inputs.length < 2) throw unsupported(call, 'needs at least two inputs');
    // tfjs-layers aligns inputs of different rank Keras-style (not numpy broadcasting): refuse those.
    if (call.inputShapes.some((s) => s.length !== call.inputShapes[0].length))
      throw unsupported(call, 'inputs of different rank are not supported');
    // Pairwise in input order, as tfjs-layers computes it, so the float results match.
    let y = call.inputs[0];
    for (let i = 1; i < call.inputs.length; i++) y = b.op(`${call.base}/${suffix}`, op, [y, call.inputs[i]]);
    return y;
  };
}
export const emitAdd = chain('Add', 'add');
export const emitMultiply = chain('Mul', 'mul');

export const emitConcatenate: OnnxEmitter = (b, call) => {
  const rank = call.outputShape.length;
  const axis = axisOf(call, call.config.axis, rank);
  return b.op(`${call.base}/Concat`, 'Concat', call.inputs, {
    axis: attr.i(rank === 4 ? nchwAxis(axis) : axis),
  });
};
