import { attr, type GraphBuilder } from './graph-builder';
import {
  T,
  T_FLOAT,
  emitActivation,
  pair,
  requireChannelsLast,
  staticDims,
  tfPadding,
  unsupported,
  type Emitter,
  type LayerCall,
} from './emit-common';
import { batchNormParams } from './weights';

const NHWC = attr.s('NHWC');
const INT32 = attr.type('DT_INT32');

export const emitActivationLayer: Emitter = (b, call) =>
  emitActivation(b, call.base, call.inputs[0], call.config.activation, call);

export const emitReLU: Emitter = (b, call) => {
  const max = call.config.maxValue;
  if (max === 6) return b.op(`${call.base}/Relu6`, 'Relu6', [call.inputs[0]], T);
  const r = b.op(`${call.base}/Relu`, 'Relu', [call.inputs[0]], T);
  if (max === undefined || max === null) return r;
  if (typeof max !== 'number') throw unsupported(call, `invalid max value ${JSON.stringify(max)}`);
  const c = b.constFloat(`${call.base}/max_value`, [max], []);
  return b.op(`${call.base}/Minimum`, 'Minimum', [r, c], T);
};

export const emitIdentity: Emitter = (_b, call) => call.inputs[0];

function axisOf(call: LayerCall, axis: unknown, rank: number): number {
  const a = typeof axis === 'number' ? axis : -1;
  const n = a < 0 ? a + rank : a;
  if (!Number.isInteger(n) || n < 0 || n >= rank)
    throw unsupported(call, `invalid axis ${String(axis)} for rank ${rank}`);
  return n;
}

export const emitBatchNormalization: Emitter = (b, call) => {
  const rank = call.inputShapes[0].length;
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
    ] as const) {
      inputs.push(b.constFloat(`${call.base}/${name}`, v, [c]));
    }
    return b.op(`${call.base}/FusedBatchNormV3`, 'FusedBatchNormV3', inputs, {
      T: T_FLOAT,
      U: T_FLOAT,
      epsilon: attr.f(bn.epsilon),
      data_format: NHWC,
      is_training: attr.b(false),
    });
  }
  // FusedBatchNorm* require 4-D input; elsewhere use the affine form TensorFlow's own batch_normalization emits.
  const scale = b.constFloat(`${call.base}/scale`, Float32Array.from(bn.scale), [c]);
  const shift = b.constFloat(`${call.base}/shift`, Float32Array.from(bn.shift), [c]);
  const m = b.op(`${call.base}/mul`, 'Mul', [call.inputs[0], scale], T);
  return b.op(`${call.base}/add`, 'AddV2', [m, shift], T);
};

export const emitZeroPadding2D: Emitter = (b, call) => {
  requireChannelsLast(call);
  const p = call.config.padding;
  let rows: [number, number];
  let cols: [number, number];
  if (typeof p === 'number') rows = cols = [p, p];
  else if (Array.isArray(p) && p.length === 2 && p.every((q) => typeof q === 'number')) {
    rows = [p[0], p[0]];
    cols = [p[1], p[1]];
  } else if (Array.isArray(p) && p.length === 2 && p.every((q) => Array.isArray(q) && q.length === 2)) {
    rows = [p[0][0], p[0][1]];
    cols = [p[1][0], p[1][1]];
  } else throw unsupported(call, `invalid padding ${JSON.stringify(p)}`);
  const pads = b.constInt32(
    `${call.base}/paddings`,
    [0, 0, rows[0], rows[1], cols[0], cols[1], 0, 0],
    [4, 2],
  );
  return b.op(`${call.base}/Pad`, 'Pad', [call.inputs[0], pads], { ...T, Tpaddings: INT32 });
};

function pooling(op: 'MaxPool' | 'AvgPool'): Emitter {
  return (b, call) => {
    requireChannelsLast(call);
    const [kh, kw] = pair(call.config.poolSize ?? 2, 'pool size', call);
    const [sh, sw] = pair(call.config.strides ?? [kh, kw], 'strides', call);
    return b.op(`${call.base}/${op}`, op, [call.inputs[0]], {
      T: T_FLOAT,
      ksize: attr.ints([1, kh, kw, 1]),
      strides: attr.ints([1, sh, sw, 1]),
      padding: attr.s(tfPadding(call)),
      data_format: NHWC,
    });
  };
}
export const emitMaxPooling2D = pooling('MaxPool');
export const emitAveragePooling2D = pooling('AvgPool');

function globalPooling(op: 'Mean' | 'Max'): Emitter {
  return (b, call) => {
    requireChannelsLast(call);
    const axes = b.constInt32(`${call.base}/reduction_indices`, [1, 2], [2]);
    return b.op(`${call.base}/${op}`, op, [call.inputs[0], axes], {
      ...T,
      Tidx: INT32,
      keep_dims: attr.b(call.config.keepDims === true),
    });
  };
}
export const emitGlobalAveragePooling2D = globalPooling('Mean');
export const emitGlobalMaxPooling2D = globalPooling('Max');

/** Flatten and Reshape: a Reshape to the layer's static output shape with a free batch dimension. */
export const emitReshape: Emitter = (b, call) => {
  const dims = staticDims(call, call.outputShape, 'output');
  const shape = b.constInt32(`${call.base}/shape`, [-1, ...dims], [dims.length + 1]);
  return b.op(`${call.base}/Reshape`, 'Reshape', [call.inputs[0], shape], { ...T, Tshape: INT32 });
};

function chain(op: 'AddV2' | 'Mul', suffix: string): Emitter {
  return (b, call) => {
    if (call.inputs.length < 2) throw unsupported(call, 'needs at least two inputs');
    // tfjs-layers aligns inputs of different rank Keras-style (not numpy broadcasting): refuse those.
    if (call.inputShapes.some((s) => s.length !== call.inputShapes[0].length))
      throw unsupported(call, 'inputs of different rank are not supported');
    // Pairwise in input order, as tfjs-layers computes it, so the float results match exactly.
    let y = call.inputs[0];
    for (let i = 1; i < call.inputs.length; i++)
      y = b.op(`${call.base}/${suffix}`, op, [y, call.inputs[i]], T);
    return y;
  };
}
export const emitAdd = chain('AddV2', 'add');
export const emitMultiply = chain('Mul', 'mul');

export const emitConcatenate: Emitter = (b, call) => {
  const axis = axisOf(call, call.config.axis, call.outputShape.length);
  const a = b.constInt32(`${call.base}/axis`, [axis], []);
  return b.op(`${call.base}/concat`, 'ConcatV2', [...call.inputs, a], {
    ...T,
    N: attr.i(call.inputs.length),
    Tidx: INT32,
  });
};

/** A Rescaling factor: a scalar, or (as Keras allows, e.g. EfficientNet) one value per channel. */
function rescaleConst(b: GraphBuilder, call: LayerCall, name: string, v: unknown): string | null {
  const channels = call.outputShape[call.outputShape.length - 1];
  if (typeof v === 'number') return b.constFloat(name, [v], []);
  if (Array.isArray(v) && v.every((n) => typeof n === 'number') && (v.length === 1 || v.length === channels))
    return b.constFloat(name, v as number[], [v.length]);
  return null;
}

export const emitRescaling: Emitter = (b, call) => {
  const { scale, offset } = call.config;
  const s = rescaleConst(b, call, `${call.base}/scale`, scale);
  const hasOffset = offset !== undefined && offset !== null && offset !== 0;
  const o = hasOffset ? rescaleConst(b, call, `${call.base}/offset`, offset) : null;
  if (!s || (hasOffset && !o)) {
    throw unsupported(
      call,
      `scale/offset must be numbers or one number per channel, got ${JSON.stringify({ scale, offset })}`,
    );
  }
  const y = b.op(`${call.base}/mul`, 'Mul', [call.inputs[0], s], T);
  return o ? b.op(`${call.base}/add`, 'AddV2', [y, o], T) : y;
};
