import type { tf } from '../../tf';
import { KerasBuilder, type ST, type Init } from './builder';

/**
 * `inception_v3.conv2d_bn`: conv (no bias) → BN without scale → relu. InceptionV3's source names none
 * of them, so they are `conv2d_N`, `batch_normalization_N`, `activation_N` in creation order.
 */
function convBn(
  k: KerasBuilder,
  x: ST,
  filters: number,
  rows: number,
  cols: number,
  o: { padding?: 'same' | 'valid'; strides?: number } = {},
): ST {
  x = k.conv2d(x, filters, [rows, cols], {
    strides: o.strides ?? 1,
    padding: o.padding ?? 'same',
    useBias: false,
  });
  x = k.batchNorm(x, { scale: false });
  return k.activation(x, 'relu');
}

const avgPool3 = (k: KerasBuilder, x: ST) => k.averagePooling2d(x, 3, { strides: 1, padding: 'same' });

/** mixed0–2 (35×35): 1×1, 5×5, double 3×3, pool branches. */
function mixed35(k: KerasBuilder, x: ST, poolFilters: number, name: string): ST {
  const b1 = convBn(k, x, 64, 1, 1);
  let b5 = convBn(k, x, 48, 1, 1);
  b5 = convBn(k, b5, 64, 5, 5);
  let b3 = convBn(k, x, 64, 1, 1);
  b3 = convBn(k, b3, 96, 3, 3);
  b3 = convBn(k, b3, 96, 3, 3);
  const bp = convBn(k, avgPool3(k, x), poolFilters, 1, 1);
  return k.concatenate([b1, b5, b3, bp], name);
}

/** mixed4–7 (17×17): factorised 7×7 branches with `c` inner filters. */
function mixed17(k: KerasBuilder, x: ST, c: number, name: string): ST {
  const b1 = convBn(k, x, 192, 1, 1);
  let b7 = convBn(k, x, c, 1, 1);
  b7 = convBn(k, b7, c, 1, 7);
  b7 = convBn(k, b7, 192, 7, 1);
  let bd = convBn(k, x, c, 1, 1);
  bd = convBn(k, bd, c, 7, 1);
  bd = convBn(k, bd, c, 1, 7);
  bd = convBn(k, bd, c, 7, 1);
  bd = convBn(k, bd, 192, 1, 7);
  const bp = convBn(k, avgPool3(k, x), 192, 1, 1);
  return k.concatenate([b1, b7, bd, bp], name);
}

/** mixed9–10 (8×8): expanded filter bank; the inner double-3×3 concatenate is unnamed in Keras. */
function mixed8x8(k: KerasBuilder, x: ST, i: number): ST {
  const b1 = convBn(k, x, 320, 1, 1);
  const b3 = convBn(k, x, 384, 1, 1);
  const b3cat = k.concatenate([convBn(k, b3, 384, 1, 3), convBn(k, b3, 384, 3, 1)], `mixed9_${i}`);
  let bd = convBn(k, x, 448, 1, 1);
  bd = convBn(k, bd, 384, 3, 3);
  const bdcat = k.concatenate([convBn(k, bd, 384, 1, 3), convBn(k, bd, 384, 3, 1)]);
  const bp = convBn(k, avgPool3(k, x), 192, 1, 1);
  return k.concatenate([b1, b3cat, bdcat, bp], `mixed${9 + i}`);
}

/** `InceptionV3(include_top=False)` (`keras/applications/inception_v3.py`), feature layer `mixed10`. */
export function buildInceptionV3(size: [number, number], init: Init = 'random'): tf.LayersModel {
  const k = new KerasBuilder(init);
  const input = k.input(size);
  let x = convBn(k, input, 32, 3, 3, { strides: 2, padding: 'valid' });
  x = convBn(k, x, 32, 3, 3, { padding: 'valid' });
  x = convBn(k, x, 64, 3, 3);
  x = k.maxPooling2d(x, 3, { strides: 2 });
  x = convBn(k, x, 80, 1, 1, { padding: 'valid' });
  x = convBn(k, x, 192, 3, 3, { padding: 'valid' });
  x = k.maxPooling2d(x, 3, { strides: 2 });

  x = mixed35(k, x, 32, 'mixed0');
  x = mixed35(k, x, 64, 'mixed1');
  x = mixed35(k, x, 64, 'mixed2');

  // mixed3: grid reduction 35 → 17.
  const r3 = convBn(k, x, 384, 3, 3, { strides: 2, padding: 'valid' });
  let rd = convBn(k, x, 64, 1, 1);
  rd = convBn(k, rd, 96, 3, 3);
  rd = convBn(k, rd, 96, 3, 3, { strides: 2, padding: 'valid' });
  x = k.concatenate([r3, rd, k.maxPooling2d(x, 3, { strides: 2 })], 'mixed3');

  x = mixed17(k, x, 128, 'mixed4');
  x = mixed17(k, x, 160, 'mixed5');
  x = mixed17(k, x, 160, 'mixed6');
  x = mixed17(k, x, 192, 'mixed7');

  // mixed8: grid reduction 17 → 8.
  let r8 = convBn(k, x, 192, 1, 1);
  r8 = convBn(k, r8, 320, 3, 3, { strides: 2, padding: 'valid' });
  let r7 = convBn(k, x, 192, 1, 1);
  r7 = convBn(k, r7, 192, 1, 7);
  r7 = convBn(k, r7, 192, 7, 1);
  r7 = convBn(k, r7, 192, 3, 3, { strides: 2, padding: 'valid' });
  x = k.concatenate([r8, r7, k.maxPooling2d(x, 3, { strides: 2 })], 'mixed8');

  x = mixed8x8(k, x, 0);
  x = mixed8x8(k, x, 1);
  return k.model(input, x, 'inception_v3');
}
