import type { tf } from '../../tf';
import { KerasBuilder, correctPad, type ST, type Init } from './builder';

interface BlockArgs {
  kernel: number;
  repeats: number;
  filtersIn: number;
  filtersOut: number;
  expandRatio: number;
  strides: number;
}

/** `efficientnet.DEFAULT_BLOCKS_ARGS` (every block has id_skip and se_ratio 0.25). */
const BLOCKS: readonly BlockArgs[] = [
  { kernel: 3, repeats: 1, filtersIn: 32, filtersOut: 16, expandRatio: 1, strides: 1 },
  { kernel: 3, repeats: 2, filtersIn: 16, filtersOut: 24, expandRatio: 6, strides: 2 },
  { kernel: 5, repeats: 2, filtersIn: 24, filtersOut: 40, expandRatio: 6, strides: 2 },
  { kernel: 3, repeats: 3, filtersIn: 40, filtersOut: 80, expandRatio: 6, strides: 2 },
  { kernel: 5, repeats: 3, filtersIn: 80, filtersOut: 112, expandRatio: 6, strides: 1 },
  { kernel: 5, repeats: 4, filtersIn: 112, filtersOut: 192, expandRatio: 6, strides: 2 },
  { kernel: 3, repeats: 1, filtersIn: 192, filtersOut: 320, expandRatio: 6, strides: 1 },
];
const SE_RATIO = 0.25;
const DROP_CONNECT_RATE = 0.2;
const DEPTH_DIVISOR = 8;
const IMAGENET_STDDEV_RGB = [0.229, 0.224, 0.225];

/** (width coefficient, depth coefficient) per variant, from `EfficientNetB0…B3`. */
export const EFFICIENTNET_VARIANTS = {
  b0: [1.0, 1.0],
  b1: [1.0, 1.1],
  b2: [1.1, 1.2],
  b3: [1.2, 1.4],
} as const;

/** Python's `int(a) // b` on non-negative floats. */
const floorDiv = (a: number, b: number) => Math.floor(Math.trunc(a) / b);

function roundFilters(filters: number, width: number): number {
  const f = filters * width;
  let n = Math.max(DEPTH_DIVISOR, floorDiv(f + DEPTH_DIVISOR / 2, DEPTH_DIVISOR) * DEPTH_DIVISOR);
  if (n < 0.9 * f) n += DEPTH_DIVISOR;
  return n;
}

/** `efficientnet.block`: expand → depthwise → squeeze-excite → project (+ drop-connect and add). */
function block(k: KerasBuilder, inputs: ST, a: BlockArgs, dropRate: number, name: string): ST {
  const filters = a.filtersIn * a.expandRatio;
  let x = inputs;
  if (a.expandRatio !== 1) {
    x = k.conv2d(x, filters, 1, { padding: 'same', useBias: false, name: `${name}expand_conv` });
    x = k.batchNorm(x, { name: `${name}expand_bn` });
    x = k.activation(x, 'swish', `${name}expand_activation`);
  }
  let pad: 'same' | 'valid' = 'same';
  if (a.strides === 2) {
    x = k.zeroPadding2d(x, correctPad(x, a.kernel), `${name}dwconv_pad`);
    pad = 'valid';
  }
  x = k.depthwiseConv2d(x, a.kernel, {
    strides: a.strides,
    padding: pad,
    useBias: false,
    name: `${name}dwconv`,
  });
  x = k.batchNorm(x, { name: `${name}bn` });
  x = k.activation(x, 'swish', `${name}activation`);

  const filtersSe = Math.max(1, Math.trunc(a.filtersIn * SE_RATIO));
  let se = k.globalAveragePooling2d(x, `${name}se_squeeze`);
  se = k.reshape(se, [1, 1, filters], `${name}se_reshape`);
  se = k.conv2d(se, filtersSe, 1, { padding: 'same', activation: 'swish', name: `${name}se_reduce` });
  se = k.conv2d(se, filters, 1, { padding: 'same', activation: 'sigmoid', name: `${name}se_expand` });
  x = k.multiply([x, se], `${name}se_excite`);

  x = k.conv2d(x, a.filtersOut, 1, { padding: 'same', useBias: false, name: `${name}project_conv` });
  x = k.batchNorm(x, { name: `${name}project_bn` });
  if (a.strides === 1 && a.filtersIn === a.filtersOut) {
    if (dropRate > 0) x = k.dropout(x, dropRate, { noiseShape: [null, 1, 1, 1], name: `${name}drop` });
    x = k.add([x, inputs], `${name}add`);
  }
  return x;
}

/**
 * `EfficientNetB0…B3(include_top=False, weights='imagenet')` as tf.keras 2.x builds it
 * (`keras/applications/efficientnet.py`): the stem normalises inside the model — `rescaling` (1/255),
 * `normalization` (ImageNet mean/variance, weights from the file) and, for ImageNet weights, `rescaling_1`
 * (1/√std per channel: the file's variance holds the std, see tensorflow/tensorflow#49930) — so the base
 * takes raw 0–255 pixels. Feature layer `top_activation`.
 */
export function buildEfficientNet(
  variant: keyof typeof EFFICIENTNET_VARIANTS,
  size: [number, number],
  init: Init = 'random',
): tf.LayersModel {
  const [width, depth] = EFFICIENTNET_VARIANTS[variant];
  const k = new KerasBuilder(init);
  const input = k.input(size);
  let x = k.rescaling(input, 1 / 255);
  x = k.normalization(x);
  x = k.rescaling(
    x,
    IMAGENET_STDDEV_RGB.map((s) => 1 / Math.sqrt(s)),
  );
  x = k.zeroPadding2d(x, correctPad(x, 3), 'stem_conv_pad');
  x = k.conv2d(x, roundFilters(32, width), 3, {
    strides: 2,
    padding: 'valid',
    useBias: false,
    name: 'stem_conv',
  });
  x = k.batchNorm(x, { name: 'stem_bn' });
  x = k.activation(x, 'swish', 'stem_activation');

  const repeats = (r: number) => Math.ceil(depth * r);
  const total = BLOCKS.reduce((s, a) => s + repeats(a.repeats), 0);
  let b = 0;
  BLOCKS.forEach((args, i) => {
    const filtersIn = roundFilters(args.filtersIn, width);
    const filtersOut = roundFilters(args.filtersOut, width);
    for (let j = 0; j < repeats(args.repeats); j++) {
      const a: BlockArgs =
        j === 0
          ? { ...args, filtersIn, filtersOut }
          : { ...args, filtersIn: filtersOut, filtersOut, strides: 1 };
      x = block(k, x, a, (DROP_CONNECT_RATE * b) / total, `block${i + 1}${String.fromCharCode(97 + j)}_`);
      b++;
    }
  });

  x = k.conv2d(x, roundFilters(1280, width), 1, { padding: 'same', useBias: false, name: 'top_conv' });
  x = k.batchNorm(x, { name: 'top_bn' });
  x = k.activation(x, 'swish', 'top_activation');
  return k.model(input, x, `efficientnet${variant}`);
}
