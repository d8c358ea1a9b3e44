import type { tf } from '../../tf';
import { KerasBuilder, type ST, type Init } from './builder';

/** SeparableConv2D (3×3 same, no bias) → BN, named `${p}` and `${p}_bn` as Xception's source does. */
function sepBn(k: KerasBuilder, x: ST, filters: number, p: string): ST {
  x = k.separableConv2d(x, filters, 3, { padding: 'same', useBias: false, name: p });
  return k.batchNorm(x, { name: `${p}_bn` });
}

/** The unnamed strided 1×1 conv + BN residual of the entry/exit flow blocks. */
function residual(k: KerasBuilder, x: ST, filters: number): ST {
  const r = k.conv2d(x, filters, 1, { strides: 2, padding: 'same', useBias: false });
  return k.batchNorm(r);
}

/**
 * Entry-flow block b (3, 4) and exit block 13: [relu → sepconv → BN] ×2 → 3×3/2 max pool, plus the
 * residual. Block 2 is the same without the first relu.
 */
function downBlock(k: KerasBuilder, x: ST, b: number, filters: [number, number], firstRelu: boolean): ST {
  const r = residual(k, x, filters[1]);
  if (firstRelu) x = k.activation(x, 'relu', `block${b}_sepconv1_act`);
  x = sepBn(k, x, filters[0], `block${b}_sepconv1`);
  x = k.activation(x, 'relu', `block${b}_sepconv2_act`);
  x = sepBn(k, x, filters[1], `block${b}_sepconv2`);
  x = k.maxPooling2d(x, 3, { strides: 2, padding: 'same', name: `block${b}_pool` });
  return k.add([x, r]);
}

/** `Xception(include_top=False)` (`keras/applications/xception.py`), feature layer `block14_sepconv2_act`. */
export function buildXception(size: [number, number], init: Init = 'random'): tf.LayersModel {
  const k = new KerasBuilder(init);
  const input = k.input(size);
  let x = k.conv2d(input, 32, 3, { strides: 2, useBias: false, name: 'block1_conv1' });
  x = k.batchNorm(x, { name: 'block1_conv1_bn' });
  x = k.activation(x, 'relu', 'block1_conv1_act');
  x = k.conv2d(x, 64, 3, { useBias: false, name: 'block1_conv2' });
  x = k.batchNorm(x, { name: 'block1_conv2_bn' });
  x = k.activation(x, 'relu', 'block1_conv2_act');

  x = downBlock(k, x, 2, [128, 128], false);
  x = downBlock(k, x, 3, [256, 256], true);
  x = downBlock(k, x, 4, [728, 728], true);

  // Middle flow: 8 identity-residual blocks of three relu → sepconv → BN.
  for (let b = 5; b <= 12; b++) {
    const r = x;
    for (let i = 1; i <= 3; i++) {
      x = k.activation(x, 'relu', `block${b}_sepconv${i}_act`);
      x = sepBn(k, x, 728, `block${b}_sepconv${i}`);
    }
    x = k.add([x, r]);
  }

  x = downBlock(k, x, 13, [728, 1024], true);
  x = sepBn(k, x, 1536, 'block14_sepconv1');
  x = k.activation(x, 'relu', 'block14_sepconv1_act');
  x = sepBn(k, x, 2048, 'block14_sepconv2');
  x = k.activation(x, 'relu', 'block14_sepconv2_act');
  return k.model(input, x, 'xception');
}
