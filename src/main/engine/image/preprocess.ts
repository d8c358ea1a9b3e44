import { PREPROCESSING, type Preprocessing } from '@shared/preprocessing';
import type { RgbImage } from './rgb';

export type { Preprocessing } from '@shared/preprocessing';

/** Per output channel, the value of each byte 0–255: 3 × 256 floats, computed once per mode. */
const LUTS = new Map<Preprocessing, { lut: Float32Array; src: [number, number, number] }>();

function lutFor(mode: Preprocessing): { lut: Float32Array; src: [number, number, number] } {
  let t = LUTS.get(mode);
  if (!t) {
    const spec = PREPROCESSING[mode];
    const div = spec.divisor ?? 1;
    const off = spec.offset ?? 0;
    const mean = spec.mean ?? [0, 0, 0];
    const std = spec.std ?? [1, 1, 1];
    const lut = new Float32Array(3 * 256);
    for (let c = 0; c < 3; c++)
      for (let v = 0; v < 256; v++) lut[c * 256 + v] = (v / div - off - mean[c]) / std[c];
    // Source channel for each output channel.
    const src: [number, number, number] = spec.channelOrder === 'BGR' ? [2, 1, 0] : [0, 1, 2];
    t = { lut, src };
    LUTS.set(mode, t);
  }
  return t;
}

/**
 * Write one image, preprocessed by its table row, into `out` at `offset` (floats). HWC order, 3 channels.
 * Absent steps use their identity (÷1, −0, ÷1), which is exact, so every mode computes the same bits
 * as its own formula would. A byte has 256 values: the formula is evaluated once per value (in the same
 * double precision, rounded to float32 the same way), and each pixel is three table look-ups.
 */
export function preprocessInto(img: RgbImage, mode: Preprocessing, out: Float32Array, offset = 0): void {
  const { lut, src: order } = lutFor(mode);
  const src = img.data;
  const n = img.width * img.height * 3;
  const [c0, c1, c2] = order;
  for (let s = 0, d = offset; s < n; s += 3, d += 3) {
    out[d] = lut[src[s + c0]];
    out[d + 1] = lut[256 + src[s + c1]];
    out[d + 2] = lut[512 + src[s + c2]];
  }
}

export function preprocess(img: RgbImage, mode: Preprocessing): Float32Array {
  const out = new Float32Array(img.width * img.height * 3);
  preprocessInto(img, mode, out);
  return out;
}
