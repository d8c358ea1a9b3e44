/**
 * Keras' MobileNetV2 architecture (keras.applications.mobilenet_v2, include_top=False, 224×224) built
 * in tfjs with random weights: no MobileNetV2-1.0 weights are mirrored here, and speed depends only on
 * the architecture. Layer names follow Keras' (Conv1, block_N_expand/depthwise/project, Conv_1, out_relu).
 */
import * as tf from '@tensorflow/tfjs';

type ST = tf.SymbolicTensor;
const L = tf.layers;
const ap = (layer: tf.layers.Layer, x: ST | ST[]): ST => layer.apply(x) as ST;

/** keras.applications' _make_divisible. */
function makeDivisible(v: number, divisor = 8): number {
  let n = Math.max(divisor, Math.floor((v + divisor / 2) / divisor) * divisor);
  if (n < 0.9 * v) n += divisor;
  return n;
}

const bnRelu6 = (x: ST, name: string, relu = true): ST => {
  const y = ap(L.batchNormalization({ name: `${name}_BN`, epsilon: 1e-3, momentum: 0.999 }), x);
  return relu ? ap(L.reLU({ name: `${name}_relu`, maxValue: 6 }), y) : y;
};

function invertedResidual(
  x: ST,
  expansion: number,
  stride: number,
  alpha: number,
  filters: number,
  id: number,
): ST {
  const inChannels = x.shape[3] as number;
  const pointwise = makeDivisible(Math.floor(filters * alpha), 8);
  const prefix = id ? `block_${id}_` : 'expanded_conv_';
  let y = x;
  if (id) {
    y = ap(
      L.conv2d({
        name: `${prefix}expand`,
        filters: expansion * inChannels,
        kernelSize: 1,
        padding: 'same',
        useBias: false,
      }),
      y,
    );
    y = bnRelu6(y, `${prefix}expand`);
  }
  if (stride === 2)
    y = ap(
      L.zeroPadding2d({
        name: `${prefix}pad`,
        padding: [
          [0, 1],
          [0, 1],
        ],
      }),
      y,
    ); // correct_pad at even sizes
  y = ap(
    L.depthwiseConv2d({
      name: `${prefix}depthwise`,
      kernelSize: 3,
      strides: stride,
      useBias: false,
      padding: stride === 1 ? 'same' : 'valid',
    }),
    y,
  );
  y = bnRelu6(y, `${prefix}depthwise`);
  y = ap(
    L.conv2d({
      name: `${prefix}project`,
      filters: pointwise,
      kernelSize: 1,
      padding: 'same',
      useBias: false,
    }),
    y,
  );
  y = bnRelu6(y, `${prefix}project`, false);
  return inChannels === pointwise && stride === 1 ? ap(L.add({ name: `${prefix}add` }), [x, y]) : y;
}

/** MobileNetV2 feature extractor (output `out_relu`, [7, 7, 1280] at alpha ≤ 1), seeded random weights. */
export function mobilenetV2(alpha: number, seed = 1): tf.LayersModel {
  const inp = tf.input({ shape: [224, 224, 3], name: 'input_1' });
  let x = ap(
    L.zeroPadding2d({
      name: 'Conv1_pad',
      padding: [
        [0, 1],
        [0, 1],
      ],
    }),
    inp,
  );
  x = ap(
    L.conv2d({
      name: 'Conv1',
      filters: makeDivisible(32 * alpha, 8),
      kernelSize: 3,
      strides: 2,
      padding: 'valid',
      useBias: false,
      kernelInitializer: tf.initializers.glorotUniform({ seed }),
    }),
    x,
  );
  x = bnRelu6(x, 'bn_Conv1');
  const blocks: [number, number, number][] = [
    // [filters, stride, expansion]
    [16, 1, 1],
    [24, 2, 6],
    [24, 1, 6],
    [32, 2, 6],
    [32, 1, 6],
    [32, 1, 6],
    [64, 2, 6],
    [64, 1, 6],
    [64, 1, 6],
    [64, 1, 6],
    [96, 1, 6],
    [96, 1, 6],
    [96, 1, 6],
    [160, 2, 6],
    [160, 1, 6],
    [160, 1, 6],
    [320, 1, 6],
  ];
  blocks.forEach(
    ([filters, stride, expansion], id) => (x = invertedResidual(x, expansion, stride, alpha, filters, id)),
  );
  const last = alpha > 1 ? makeDivisible(1280 * alpha, 8) : 1280;
  x = ap(L.conv2d({ name: 'Conv_1', filters: last, kernelSize: 1, useBias: false }), x);
  x = ap(L.batchNormalization({ name: 'Conv_1_bn', epsilon: 1e-3, momentum: 0.999 }), x);
  x = ap(L.reLU({ name: 'out_relu', maxValue: 6 }), x);
  return tf.model({ inputs: inp, outputs: x, name: `mobilenetv2_${alpha.toFixed(2)}_224` });
}
