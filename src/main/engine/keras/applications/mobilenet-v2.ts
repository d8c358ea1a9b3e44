import type { tf } from '../../tf';
import { KerasBuilder, channels, correctPad, type ST, type Init } from './builder';

/** `mobilenet_v2._make_divisible`. */
function makeDivisible(v: number, divisor = 8): number {
  let n = Math.max(divisor, Math.floor(Math.trunc(v + divisor / 2) / divisor) * divisor);
  if (n < 0.9 * v) n += divisor;
  return n;
}

const bn = (k: KerasBuilder, x: ST, name: string) => k.batchNorm(x, { epsilon: 1e-3, momentum: 0.999, name });

/** `mobilenet_v2._inverted_res_block`. */
function invertedRes(
  k: KerasBuilder,
  inputs: ST,
  expansion: number,
  stride: number,
  alpha: number,
  filters: number,
  id: number,
): ST {
  const inChannels = channels(inputs);
  const pointwise = makeDivisible(Math.trunc(filters * alpha), 8);
  let x = inputs;
  let prefix = `block_${id}_`;
  if (id) {
    x = k.conv2d(x, expansion * inChannels, 1, { padding: 'same', useBias: false, name: `${prefix}expand` });
    x = bn(k, x, `${prefix}expand_BN`);
    x = k.relu(x, 6, `${prefix}expand_relu`);
  } else prefix = 'expanded_conv_';
  if (stride === 2) x = k.zeroPadding2d(x, correctPad(x, 3), `${prefix}pad`);
  x = k.depthwiseConv2d(x, 3, {
    strides: stride,
    useBias: false,
    padding: stride === 1 ? 'same' : 'valid',
    name: `${prefix}depthwise`,
  });
  x = bn(k, x, `${prefix}depthwise_BN`);
  x = k.relu(x, 6, `${prefix}depthwise_relu`);
  x = k.conv2d(x, pointwise, 1, { padding: 'same', useBias: false, name: `${prefix}project` });
  x = bn(k, x, `${prefix}project_BN`);
  if (inChannels === pointwise && stride === 1) return k.add([inputs, x], `${prefix}add`);
  return x;
}

/** (filters, stride, expansion) of blocks 0–16. */
const BLOCKS: [number, number, number][] = [
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

/**
 * `MobileNetV2(alpha, include_top=False)` as tf.keras 2.x builds it (`keras/applications/mobilenet_v2.py`):
 * the first conv is 'same' with stride 2 — the older keras-applications build had a `Conv1_pad` layer
 * and a 'valid' conv, which computes the same thing at even input sizes. Feature layer `out_relu`.
 */
export function buildMobileNetV2(
  alpha: number,
  size: [number, number],
  init: Init = 'random',
): tf.LayersModel {
  const k = new KerasBuilder(init);
  const input = k.input(size);
  let x = k.conv2d(input, makeDivisible(32 * alpha, 8), 3, {
    strides: 2,
    padding: 'same',
    useBias: false,
    name: 'Conv1',
  });
  x = bn(k, x, 'bn_Conv1');
  x = k.relu(x, 6, 'Conv1_relu');
  BLOCKS.forEach(([filters, stride, expansion], id) => {
    x = invertedRes(k, x, expansion, stride, alpha, filters, id);
  });
  const last = alpha > 1.0 ? makeDivisible(1280 * alpha, 8) : 1280;
  x = k.conv2d(x, last, 1, { useBias: false, name: 'Conv_1' });
  x = bn(k, x, 'Conv_1_bn');
  x = k.relu(x, 6, 'out_relu');
  return k.model(input, x, `mobilenetv2_${alpha.toFixed(2)}_${size[0]}`);
}
