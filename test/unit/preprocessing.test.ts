/** The preprocessing table reproduces each mode's own formula to the last bit, for every pixel value. */
import { describe, expect, it } from 'vitest';
import { PREPROCESSING, Preprocessing } from '@shared/preprocessing';
import { preprocess } from '../../src/main/engine/image/preprocess';

// Each mode as Keras writes it, independently of the table (float64, stored to float32 once).
const CAFFE_BGR_MEAN = [103.939, 116.779, 123.68];
const TORCH_MEAN = [0.485, 0.456, 0.406];
const TORCH_STD = [0.229, 0.224, 0.225];
const formula: Record<Preprocessing, (rgb: number[], c: number) => number> = {
  tf: (rgb, c) => rgb[c] / 127.5 - 1,
  caffe: (rgb, c) => rgb[2 - c] - CAFFE_BGR_MEAN[c],
  torch: (rgb, c) => (rgb[c] / 255 - TORCH_MEAN[c]) / TORCH_STD[c],
  none: (rgb, c) => rgb[c],
};

describe('preprocessing table', () => {
  // Every value 0–255 in every channel, each pixel's channels different.
  const data = Uint8Array.from({ length: 256 * 3 }, (_, i) => (i % 3 === 0 ? i / 3 : (i * 7 + 13) % 256));
  const img = { width: 256, height: 1, data };

  it('declares exactly the modes the enum names', () => {
    expect(Preprocessing.options).toEqual(Object.keys(PREPROCESSING));
  });

  it.each(Preprocessing.options)('%s: bit-identical to its formula', (mode) => {
    const out = preprocess(img, mode);
    const expected = new Float32Array(data.length);
    for (let p = 0; p < 256; p++) {
      const rgb = [data[p * 3], data[p * 3 + 1], data[p * 3 + 2]];
      for (let c = 0; c < 3; c++) expected[p * 3 + c] = formula[mode](rgb, c);
    }
    expect(Buffer.from(out.buffer).equals(Buffer.from(expected.buffer))).toBe(true);
  });
});
