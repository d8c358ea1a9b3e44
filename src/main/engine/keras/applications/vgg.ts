import type { tf } from '../../tf';
import { KerasBuilder, type Init } from './builder';

/** Convolutions per block: VGG16 and VGG19 differ only in blocks 3–5 (`keras/applications/vgg16.py`, `vgg19.py`). */
const VGG_BLOCKS = {
  vgg16: [2, 2, 3, 3, 3],
  vgg19: [2, 2, 4, 4, 4],
} as const;
const VGG_FILTERS = [64, 128, 256, 512, 512];

/** `VGG16/VGG19(include_top=False)`: block{b}_conv{i} (3×3 same, relu) then block{b}_pool (2×2). */
export function buildVgg(
  variant: keyof typeof VGG_BLOCKS,
  size: [number, number],
  init: Init = 'random',
): tf.LayersModel {
  const k = new KerasBuilder(init);
  const input = k.input(size);
  let x = input;
  VGG_BLOCKS[variant].forEach((convs, b) => {
    for (let i = 1; i <= convs; i++)
      x = k.conv2d(x, VGG_FILTERS[b], 3, {
        activation: 'relu',
        padding: 'same',
        name: `block${b + 1}_conv${i}`,
      });
    x = k.maxPooling2d(x, 2, { strides: 2, name: `block${b + 1}_pool` });
  });
  return k.model(input, x, variant);
}
