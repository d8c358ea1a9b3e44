import type { tf } from '../../tf';
import { KerasBuilder, channels, type ST, type Init } from './builder';

/** Keras' DenseNet batch-norm epsilon (`keras/applications/densenet.py`). */
const EPS = 1.001e-5;
const GROWTH = 32;

/** `densenet.conv_block`: BN → relu → 1×1 (4·growth) → BN → relu → 3×3 (growth), concatenated to the input. */
function convBlock(k: KerasBuilder, x: ST, name: string): ST {
  let y = k.batchNorm(x, { epsilon: EPS, name: `${name}_0_bn` });
  y = k.activation(y, 'relu', `${name}_0_relu`);
  y = k.conv2d(y, 4 * GROWTH, 1, { useBias: false, name: `${name}_1_conv` });
  y = k.batchNorm(y, { epsilon: EPS, name: `${name}_1_bn` });
  y = k.activation(y, 'relu', `${name}_1_relu`);
  y = k.conv2d(y, GROWTH, 3, { padding: 'same', useBias: false, name: `${name}_2_conv` });
  return k.concatenate([x, y], `${name}_concat`);
}

function denseBlock(k: KerasBuilder, x: ST, blocks: number, name: string): ST {
  for (let i = 1; i <= blocks; i++) x = convBlock(k, x, `${name}_block${i}`);
  return x;
}

/** `densenet.transition_block`: BN → relu → 1×1 conv halving the channels → 2×2 average pool. */
function transition(k: KerasBuilder, x: ST, name: string): ST {
  x = k.batchNorm(x, { epsilon: EPS, name: `${name}_bn` });
  x = k.activation(x, 'relu', `${name}_relu`);
  x = k.conv2d(x, Math.floor(channels(x) * 0.5), 1, { useBias: false, name: `${name}_conv` });
  return k.averagePooling2d(x, 2, { strides: 2, name: `${name}_pool` });
}

/**
 * `DenseNet121(include_top=False)`, feature layer `relu`. Stem layer names keep the `conv1/conv` form of
 * the Keras 2 source the weight files were saved from (Keras 3 renamed them `conv1_conv`).
 */
export function buildDenseNet121(size: [number, number], init: Init = 'random'): tf.LayersModel {
  const k = new KerasBuilder(init);
  const input = k.input(size);
  let x = k.zeroPadding2d(input, [
    [3, 3],
    [3, 3],
  ]);
  x = k.conv2d(x, 64, 7, { strides: 2, useBias: false, name: 'conv1/conv' });
  x = k.batchNorm(x, { epsilon: EPS, name: 'conv1/bn' });
  x = k.activation(x, 'relu', 'conv1/relu');
  x = k.zeroPadding2d(x, [
    [1, 1],
    [1, 1],
  ]);
  x = k.maxPooling2d(x, 3, { strides: 2, name: 'pool1' });
  const blocks = [6, 12, 24, 16];
  blocks.forEach((n, i) => {
    x = denseBlock(k, x, n, `conv${i + 2}`);
    if (i < blocks.length - 1) x = transition(k, x, `pool${i + 2}`);
  });
  x = k.batchNorm(x, { epsilon: EPS, name: 'bn' });
  x = k.activation(x, 'relu', 'relu');
  return k.model(input, x, 'densenet121');
}
