import { PREPROCESSING, type Preprocessing } from '@shared/preprocessing';
import type { RgbImage } from './rgb';

export type { Preprocessing } from '@shared/preprocessing';

/**
 * Write one image, preprocessed by its table row, into `out` at `offset` (floats). HWC order, 3 channels.
 * Absent steps use their identity (÷1, −0, ÷1), which is exact, so every mode computes the same bits
 * as its own formula would.
 */
export function preprocessInto(img: RgbImage, mode: Preprocessing, out: Float32Array, offset = 0): void {
  const spec = PREPROCESSING[mode];
  const src = img.data;
  const n = img.width * img.height;
  const div = spec.divisor ?? 1;
  const off = spec.offset ?? 0;
  const [m0, m1, m2] = spec.mean ?? [0, 0, 0];
  const [s0, s1, s2] = spec.std ?? [1, 1, 1];
  // Source channel for each output channel.
  const [c0, c1, c2] = spec.channelOrder === 'BGR' ? [2, 1, 0] : [0, 1, 2];
  for (let p = 0; p < n; p++) {
    const s = p * 3;
    const d = offset + s;
    out[d] = (src[s + c0] / div - off - m0) / s0;
    out[d + 1] = (src[s + c1] / div - off - m1) / s1;
    out[d + 2] = (src[s + c2] / div - off - m2) / s2;
  }
}

export function preprocess(img: RgbImage, mode: Preprocessing): Float32Array {
  const out = new Float32Array(img.width * img.height * 3);
  preprocessInto(img, mode, out);
  return out;
}
