import {
  kerasPadding,
  pair,
  requireChannelsLast,
  staticDims,
  unsupported,
  type Emitter,
  type LayerCall,
} from '../../graph/layer-call';
import {
  batchNormParams,
  foldBatchNorm,
  layerWeights,
  requireWeight,
  type Weight,
} from '../../graph/weights';
import { emitActivation } from './activations';
import { attr, type AttrValue, type OnnxBuilder } from './builder';
import { samePads } from './layout';

type OnnxEmitter = Emitter<OnnxBuilder>;

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

/** Keras conv kernel [kh, kw, in, out] → ONNX Conv weight [out, in, kh, kw]. */
export function convWeight(k: Weight): { values: Float32Array; dims: number[] } {
  const [kh, kw, cin, cout] = k.shape;
  const out = new Float32Array(k.values.length);
  for (let y = 0; y < kh; y++)
    for (let x = 0; x < kw; x++)
      for (let i = 0; i < cin; i++)
        for (let o = 0; o < cout; o++)
          out[((o * cin + i) * kh + y) * kw + x] = k.values[((y * kw + x) * cin + i) * cout + o];
  return { values: out, dims: [cout, cin, kh, kw] };
}

/**
 * Keras depthwise kernel [kh, kw, in, mult] → grouped Conv weight [in·mult, 1, kh, kw] (group = in):
 * output channel g·mult + m reads input channel g, TensorFlow's depthwise channel order.
 */
export function depthwiseWeight(k: Weight): { values: Float32Array; dims: number[] } {
  const [kh, kw, cin, mult] = k.shape;
  const out = new Float32Array(k.values.length);
  for (let y = 0; y < kh; y++)
    for (let x = 0; x < kw; x++)
      for (let g = 0; g < cin; g++)
        for (let m = 0; m < mult; m++)
          out[((g * mult + m) * kh + y) * kw + x] = k.values[((y * kw + x) * cin + g) * mult + m];
  return { values: out, dims: [cin * mult, 1, kh, kw] };
}

interface ConvGeometry {
  strides: [number, number];
  dilations: [number, number];
}

/** Conv attributes with Keras padding made explicit (TF's SAME puts the odd pixel after). */
function convAttrs(
  call: LayerCall,
  kernel: [number, number],
  g: ConvGeometry,
  group: number,
): Record<string, AttrValue> {
  const attrs: Record<string, AttrValue> = {
    kernel_shape: attr.ints(kernel),
    strides: attr.ints(g.strides),
    dilations: attr.ints(g.dilations),
    group: attr.i(group),
  };
  if (kerasPadding(call) === 'same') {
    const [, h, w] = call.inputShapes[0];
    if (h && w) {
      const [t, bt] = samePads(h, kernel[0], g.strides[0], g.dilations[0]);
      const [l, r] = samePads(w, kernel[1], g.strides[1], g.dilations[1]);
      attrs.pads = attr.ints([t, l, bt, r]);
    } else attrs.auto_pad = attr.s('SAME_UPPER'); // unknown size: SAME_UPPER is TF's SAME
  } else attrs.pads = attr.ints([0, 0, 0, 0]);
  return attrs;
}

function geometry(call: LayerCall): ConvGeometry {
  return {
    strides: pair(call.config.strides ?? 1, 'strides', call),
    dilations: pair(call.config.dilationRate ?? 1, 'dilation rate', call),
  };
}

/**
 * tfjs-layers' DepthwiseConv2D ignores its dilation rate (it convolves undilated), so no graph can
 * match both it and Keras: refuse, as the SavedModel export does, rather than disagree with one.
 */
function undilated(call: LayerCall): ConvGeometry {
  const g = geometry(call);
  if (g.dilations[0] !== 1 || g.dilations[1] !== 1)
    throw unsupported(call, 'dilated depthwise convolutions are not supported');
  return g;
}

function conv(
  b: OnnxBuilder,
  call: LayerCall,
  name: string,
  x: string,
  w: { values: Float32Array; dims: number[] },
  bias: Float32Array | null,
  attrs: Record<string, AttrValue>,
): string {
  const inputs = [x, b.constFloat(`${call.base}/${name}_W`, w.values, w.dims)];
  if (bias) inputs.push(b.constFloat(`${call.base}/${name}_B`, bias, [bias.length]));
  return b.op(`${call.base}/${name}`, 'Conv', inputs, attrs);
}

export const emitConv2D: OnnxEmitter = (b, call) => {
  requireChannelsLast(call);
  const { kernel, bias } = finalKernel(call, 'kernel');
  const w = convWeight(kernel);
  const y = conv(
    b,
    call,
    'Conv',
    call.inputs[0],
    w,
    bias,
    convAttrs(call, [w.dims[2], w.dims[3]], geometry(call), 1),
  );
  return emitActivation(b, call, y, call.config.activation, 4);
};

export const emitDepthwiseConv2D: OnnxEmitter = (b, call) => {
  requireChannelsLast(call);
  const { kernel, bias } = finalKernel(call, 'depthwise_kernel');
  const w = depthwiseWeight(kernel);
  const attrs = convAttrs(call, [w.dims[2], w.dims[3]], undilated(call), kernel.shape[2]);
  const y = conv(b, call, 'depthwise', call.inputs[0], w, bias, attrs);
  return emitActivation(b, call, y, call.config.activation, 4);
};

export const emitSeparableConv2D: OnnxEmitter = (b, call) => {
  requireChannelsLast(call);
  const { kernel: pointwise, bias, all } = finalKernel(call, 'pointwise_kernel');
  const dk = requireWeight(call.layer, all, 'depthwise_kernel');
  const dw = depthwiseWeight(dk);
  const dwAttrs = convAttrs(call, [dw.dims[2], dw.dims[3]], undilated(call), dk.shape[2]);
  const d = conv(b, call, 'depthwise', call.inputs[0], dw, null, dwAttrs);
  const pw = convWeight(pointwise);
  const y = conv(b, call, 'pointwise', d, pw, bias, {
    kernel_shape: attr.ints([1, 1]),
    strides: attr.ints([1, 1]),
    dilations: attr.ints([1, 1]),
    group: attr.i(1),
    pads: attr.ints([0, 0, 0, 0]),
  });
  return emitActivation(b, call, y, call.config.activation, 4);
};

/**
 * Dense: Gemm on [batch, in]; on an image tensor (NCHW here) the same map of the channel axis is a 1×1
 * Conv; on rank 3 a MatMul (which broadcasts over the middle axis) plus the bias.
 */
export const emitDense: OnnxEmitter = (b, call) => {
  const { kernel, bias } = finalKernel(call, 'kernel');
  const [inDim, units] = kernel.shape;
  const rank = call.inputShapes[0].length;
  const x = call.inputs[0];
  let y: string;
  if (rank === 2) {
    const inputs = [x, b.constFloat(`${call.base}/kernel`, kernel.values, kernel.shape)];
    if (bias) inputs.push(b.constFloat(`${call.base}/bias`, bias, [units]));
    y = b.op(`${call.base}/Gemm`, 'Gemm', inputs, {
      alpha: attr.f(1),
      beta: attr.f(1),
      transA: attr.i(0),
      transB: attr.i(0),
    });
  } else if (rank === 4) {
    const w = convWeight({ values: kernel.values, shape: [1, 1, inDim, units] });
    y = conv(b, call, 'Conv', x, w, bias, {
      kernel_shape: attr.ints([1, 1]),
      strides: attr.ints([1, 1]),
      dilations: attr.ints([1, 1]),
      group: attr.i(1),
      pads: attr.ints([0, 0, 0, 0]),
    });
  } else if (rank === 3) {
    staticDims(call, call.outputShape, 'output');
    y = b.op(`${call.base}/MatMul`, 'MatMul', [
      x,
      b.constFloat(`${call.base}/kernel`, kernel.values, kernel.shape),
    ]);
    if (bias) y = b.op(`${call.base}/add`, 'Add', [y, b.constFloat(`${call.base}/bias`, bias, [units])]);
  } else throw unsupported(call, `Dense on a rank-${rank} input is not supported`);
  return emitActivation(b, call, y, call.config.activation, rank);
};
