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
import { batchNormParams, foldBatchNorm, layerWeights, requireWeight, type Weight } from './weights';

const NHWC = attr.s('NHWC');

function addBias(b: GraphBuilder, base: string, y: string, bias: Float32Array | null): string {
  if (!bias) return y;
  const c = b.constFloat(`${base}/bias`, bias, [bias.length]);
  return b.op(`${base}/BiasAdd`, 'BiasAdd', [y, c], { T: T_FLOAT, data_format: NHWC });
}

/** Kernel + bias of the layer's last (output-channel-producing) stage, with a following BN folded in. */
function finalKernel(
  call: LayerCall,
  kernelName: string,
): { kernel: Weight; bias: Float32Array | null; all: Map<string, Weight> } {
  const all = layerWeights(call.layer);
  let kernel = requireWeight(call.layer, all, kernelName);
  let bias = call.config.useBias === false ? null : requireWeight(call.layer, all, 'bias').values;
  if (call.foldedBn) ({ kernel, bias } = foldBatchNorm(kernel, bias, batchNormParams(call.foldedBn)));
  return { kernel, bias, all };
}

function dilations(call: LayerCall): [number, number] {
  return pair(call.config.dilationRate ?? 1, 'dilation rate', call);
}

export const emitConv2D: Emitter = (b, call) => {
  requireChannelsLast(call);
  const { kernel, bias } = finalKernel(call, 'kernel');
  const [sh, sw] = pair(call.config.strides ?? 1, 'strides', call);
  const [dh, dw] = dilations(call);
  const k = b.constFloat(`${call.base}/kernel`, kernel.values, kernel.shape);
  const y = b.op(`${call.base}/Conv2D`, 'Conv2D', [call.inputs[0], k], {
    T: T_FLOAT,
    strides: attr.ints([1, sh, sw, 1]),
    padding: attr.s(tfPadding(call)),
    data_format: NHWC,
    dilations: attr.ints([1, dh, dw, 1]),
    use_cudnn_on_gpu: attr.b(true),
  });
  return emitActivation(b, call.base, addBias(b, call.base, y, bias), call.config.activation, call);
};

function depthwise(b: GraphBuilder, call: LayerCall, x: string, kernel: Weight, name: string): string {
  const [sh, sw] = pair(call.config.strides ?? 1, 'strides', call);
  const [dh, dw] = dilations(call);
  // TensorFlow's CPU DepthwiseConv2dNative kernel has no dilation support (Keras rewrites those
  // through SpaceToBatchND); refuse rather than write a graph TF cannot run.
  if (dh !== 1 || dw !== 1) throw unsupported(call, 'dilated depthwise convolutions are not supported');
  const k = b.constFloat(`${call.base}/${name}`, kernel.values, kernel.shape);
  return b.op(`${call.base}/depthwise`, 'DepthwiseConv2dNative', [x, k], {
    T: T_FLOAT,
    strides: attr.ints([1, sh, sw, 1]),
    padding: attr.s(tfPadding(call)),
    data_format: NHWC,
    dilations: attr.ints([1, 1, 1, 1]),
  });
}

export const emitDepthwiseConv2D: Emitter = (b, call) => {
  requireChannelsLast(call);
  const { kernel, bias } = finalKernel(call, 'depthwise_kernel');
  const y = depthwise(b, call, call.inputs[0], kernel, 'depthwise_kernel');
  return emitActivation(b, call.base, addBias(b, call.base, y, bias), call.config.activation, call);
};

export const emitSeparableConv2D: Emitter = (b, call) => {
  requireChannelsLast(call);
  const { kernel: pointwise, bias, all } = finalKernel(call, 'pointwise_kernel');
  const dw = depthwise(
    b,
    call,
    call.inputs[0],
    requireWeight(call.layer, all, 'depthwise_kernel'),
    'depthwise_kernel',
  );
  const k = b.constFloat(`${call.base}/pointwise_kernel`, pointwise.values, pointwise.shape);
  const y = b.op(`${call.base}/pointwise`, 'Conv2D', [dw, k], {
    T: T_FLOAT,
    strides: attr.ints([1, 1, 1, 1]),
    padding: attr.s('VALID'),
    data_format: NHWC,
    dilations: attr.ints([1, 1, 1, 1]),
    use_cudnn_on_gpu: attr.b(true),
  });
  return emitActivation(b, call.base, addBias(b, call.base, y, bias), call.config.activation, call);
};

export const emitDense: Emitter = (b, call) => {
  const { kernel, bias } = finalKernel(call, 'kernel');
  const [inDim, units] = kernel.shape;
  const rank = call.inputShapes[0].length;
  let x = call.inputs[0];
  // MatMul is 2-D only: Dense on a higher-rank input maps the last axis, so flatten the rest and restore it.
  if (rank > 2) {
    const shape = b.constInt32(`${call.base}/flatten_shape`, [-1, inDim], [2]);
    x = b.op(`${call.base}/flatten`, 'Reshape', [x, shape], { ...T, Tshape: attr.type('DT_INT32') });
  }
  const k = b.constFloat(`${call.base}/kernel`, kernel.values, kernel.shape);
  let y = b.op(`${call.base}/MatMul`, 'MatMul', [x, k], {
    ...T,
    transpose_a: attr.b(false),
    transpose_b: attr.b(false),
  });
  y = addBias(b, call.base, y, bias);
  if (rank > 2) {
    const dims = staticDims(call, call.outputShape, 'output');
    if (dims[dims.length - 1] !== units)
      throw unsupported(call, `output shape [${dims.join(',')}] does not end in ${units} units`);
    const shape = b.constInt32(`${call.base}/restore_shape`, [-1, ...dims], [dims.length + 1]);
    y = b.op(`${call.base}/restore`, 'Reshape', [y, shape], { ...T, Tshape: attr.type('DT_INT32') });
  }
  return emitActivation(b, call.base, y, call.config.activation, call);
};

export { FOLDABLE } from '../../graph/fold';
