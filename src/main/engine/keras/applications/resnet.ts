import type { tf } from '../../tf';
import { KerasBuilder, type ST, type Init } from './builder';

/** Keras' ResNet batch-norm epsilon (`keras/applications/resnet.py`). */
const EPS = 1.001e-5;

/** `resnet.block1`: the v1 bottleneck (stride on the first 1×1), BN after every conv, add, relu. */
function block1(
  k: KerasBuilder,
  x: ST,
  filters: number,
  stride: number,
  convShortcut: boolean,
  name: string,
): ST {
  let shortcut = x;
  if (convShortcut) {
    shortcut = k.conv2d(x, 4 * filters, 1, { strides: stride, name: `${name}_0_conv` });
    shortcut = k.batchNorm(shortcut, { epsilon: EPS, name: `${name}_0_bn` });
  }
  x = k.conv2d(x, filters, 1, { strides: stride, name: `${name}_1_conv` });
  x = k.batchNorm(x, { epsilon: EPS, name: `${name}_1_bn` });
  x = k.activation(x, 'relu', `${name}_1_relu`);
  x = k.conv2d(x, filters, 3, { padding: 'same', name: `${name}_2_conv` });
  x = k.batchNorm(x, { epsilon: EPS, name: `${name}_2_bn` });
  x = k.activation(x, 'relu', `${name}_2_relu`);
  x = k.conv2d(x, 4 * filters, 1, { name: `${name}_3_conv` });
  x = k.batchNorm(x, { epsilon: EPS, name: `${name}_3_bn` });
  x = k.add([shortcut, x], `${name}_add`);
  return k.activation(x, 'relu', `${name}_out`);
}

function stack1(k: KerasBuilder, x: ST, filters: number, blocks: number, stride1: number, name: string): ST {
  x = block1(k, x, filters, stride1, true, `${name}_block1`);
  for (let i = 2; i <= blocks; i++) x = block1(k, x, filters, 1, false, `${name}_block${i}`);
  return x;
}

/**
 * `resnet.block2`: the v2 pre-activation bottleneck. The stride sits on the 3×3 conv of the last block
 * of a stack; its identity shortcut is then an unnamed 1×1 max pooling with that stride.
 */
function block2(
  k: KerasBuilder,
  x: ST,
  filters: number,
  stride: number,
  convShortcut: boolean,
  name: string,
): ST {
  let preact = k.batchNorm(x, { epsilon: EPS, name: `${name}_preact_bn` });
  preact = k.activation(preact, 'relu', `${name}_preact_relu`);
  const shortcut = convShortcut
    ? k.conv2d(preact, 4 * filters, 1, { strides: stride, name: `${name}_0_conv` })
    : stride > 1
      ? k.maxPooling2d(x, 1, { strides: stride })
      : x;
  let y = k.conv2d(preact, filters, 1, { strides: 1, useBias: false, name: `${name}_1_conv` });
  y = k.batchNorm(y, { epsilon: EPS, name: `${name}_1_bn` });
  y = k.activation(y, 'relu', `${name}_1_relu`);
  y = k.zeroPadding2d(
    y,
    [
      [1, 1],
      [1, 1],
    ],
    `${name}_2_pad`,
  );
  y = k.conv2d(y, filters, 3, { strides: stride, useBias: false, name: `${name}_2_conv` });
  y = k.batchNorm(y, { epsilon: EPS, name: `${name}_2_bn` });
  y = k.activation(y, 'relu', `${name}_2_relu`);
  y = k.conv2d(y, 4 * filters, 1, { name: `${name}_3_conv` });
  return k.add([shortcut, y], `${name}_out`);
}

function stack2(k: KerasBuilder, x: ST, filters: number, blocks: number, stride1: number, name: string): ST {
  x = block2(k, x, filters, 1, true, `${name}_block1`);
  for (let i = 2; i < blocks; i++) x = block2(k, x, filters, 1, false, `${name}_block${i}`);
  return block2(k, x, filters, stride1, false, `${name}_block${blocks}`);
}

/** ResNet50's stacks: (filters, blocks, first stride). ResNet50V2 uses the same counts, its stride last. */
const STACKS50: [number, number, number][] = [
  [64, 3, 1],
  [128, 4, 2],
  [256, 6, 2],
  [512, 3, 2],
];

/** `resnet.ResNet` stem (7×7/2 conv, 3×3/2 max pool), the stacks, and for v2 the final BN + relu. */
export function buildResNet(
  version: 'v1' | 'v2',
  size: [number, number],
  init: Init = 'random',
): tf.LayersModel {
  const k = new KerasBuilder(init);
  const preact = version === 'v2';
  const input = k.input(size);
  let x = k.zeroPadding2d(
    input,
    [
      [3, 3],
      [3, 3],
    ],
    'conv1_pad',
  );
  x = k.conv2d(x, 64, 7, { strides: 2, useBias: true, name: 'conv1_conv' });
  if (!preact) {
    x = k.batchNorm(x, { epsilon: EPS, name: 'conv1_bn' });
    x = k.activation(x, 'relu', 'conv1_relu');
  }
  x = k.zeroPadding2d(
    x,
    [
      [1, 1],
      [1, 1],
    ],
    'pool1_pad',
  );
  x = k.maxPooling2d(x, 3, { strides: 2, name: 'pool1_pool' });
  STACKS50.forEach(([filters, blocks, stride], i) => {
    const name = `conv${i + 2}`;
    // v2 puts the downsampling at the end of stacks 2–4 (stack2's stride1 defaults to 2, conv5 passes 1).
    x = preact
      ? stack2(k, x, filters, blocks, i < 3 ? 2 : 1, name)
      : stack1(k, x, filters, blocks, stride, name);
  });
  if (preact) {
    x = k.batchNorm(x, { epsilon: EPS, name: 'post_bn' });
    x = k.activation(x, 'relu', 'post_relu');
  }
  return k.model(input, x, preact ? 'resnet50v2' : 'resnet50');
}
