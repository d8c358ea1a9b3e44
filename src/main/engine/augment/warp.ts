/**
 * Pixel loops for the augmentation: affine warp (bilinear, scipy.ndimage-style boundary modes),
 * exact flips, and the final contrast/round pass. Plain TypeScript over typed arrays, no per-pixel
 * allocation, so it is fast enough to run on every training image and importable by the renderer.
 */

export type FillMode = 'nearest' | 'reflect' | 'constant' | 'wrap';

/**
 * 2-D affine map stored row-major as [a, b, c, d, e, f]:
 * x' = a·x + b·y + c,  y' = d·x + e·y + f   (x = column, y = row, pixel centres at integers).
 */
export type Affine = readonly [number, number, number, number, number, number];

/** A ∘ B: apply `b` first, then `a`. */
export function composeAffine(a: Affine, b: Affine): Affine {
  return [
    a[0] * b[0] + a[1] * b[3],
    a[0] * b[1] + a[1] * b[4],
    a[0] * b[2] + a[1] * b[5] + a[2],
    a[3] * b[0] + a[4] * b[3],
    a[3] * b[1] + a[4] * b[4],
    a[3] * b[2] + a[4] * b[5] + a[5],
  ];
}

/**
 * 'constant' follows scipy >= 1.6: no interpolation beyond the edges, a sample whose coordinate lies
 * outside [0, n-1] is cval. The tolerance absorbs trig round-off (cos 90° ≈ 6e-17) so an exact quarter
 * turn does not lose its border pixels to cval.
 */
const CONSTANT_EPS = 1e-6;

const MODE_NEAREST = 0;
const MODE_REFLECT = 1;
const MODE_WRAP = 2;
const MODE_CONSTANT = 3;

function modeCode(mode: FillMode): number {
  switch (mode) {
    case 'nearest':
      return MODE_NEAREST;
    case 'reflect':
      return MODE_REFLECT;
    case 'wrap':
      return MODE_WRAP;
    case 'constant':
      return MODE_CONSTANT;
    default:
      throw new Error(
        `augment: unknown fill mode ${JSON.stringify(mode)} (expected nearest, reflect, constant or wrap)`,
      );
  }
}

/**
 * Index of the input sample standing in for integer position `i` outside [0, n).
 * reflect = half-sample symmetric (d c b a | a b c d | d c b a), scipy 'reflect' / 'grid-mirror';
 * wrap = periodic with period n (a b c d | a b c d), Keras' documented 'wrap' (scipy 'grid-wrap');
 * nearest and constant clamp (constant only reaches here within CONSTANT_EPS of the edge).
 */
function extendIndex(i: number, n: number, mode: number): number {
  if (i >= 0 && i < n) return i;
  if (mode === MODE_REFLECT) {
    const period = 2 * n;
    let k = i % period;
    if (k < 0) k += period;
    return k < n ? k : period - 1 - k;
  }
  if (mode === MODE_WRAP) {
    const k = i % n;
    return k < 0 ? k + n : k;
  }
  return i < 0 ? 0 : n - 1;
}

/**
 * Inverse-mapped bilinear warp: output pixel (x, y) takes the input at `m(x, y)`. Each value is
 * multiplied by `gain` (brightness) and clipped to 255, written as float into `dst`; per-channel
 * sums of the written values go into `sums` (for contrast). Rounding happens later, once.
 */
export function warpBilinear(
  src: Uint8Array,
  width: number,
  height: number,
  m: Affine,
  fillMode: FillMode,
  cval: number,
  gain: number,
  dst: Float32Array,
  sums: Float64Array,
): void {
  const mode = modeCode(fillMode);
  const [a, b, c, d, e, f] = m;
  const stride = width * 3;
  const xMax = width - 1;
  const yMax = height - 1;
  const fill = Math.min(255, cval * gain);
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let o = 0;
  for (let y = 0; y < height; y++) {
    // Direct a·x + rowConst per pixel (not an incremental sum) so round-off does not drift along a row.
    const rowX = b * y + c;
    const rowY = e * y + f;
    for (let x = 0; x < width; x++, o += 3) {
      const sx = a * x + rowX;
      const sy = d * x + rowY;
      let v0: number;
      let v1: number;
      let v2: number;
      if (sx >= 0 && sy >= 0 && sx < xMax && sy < yMax) {
        // Interior: all four neighbours exist (truncation is floor here). Lerp form keeps integer
        // positions exact (fx = 0 ⇒ p00).
        const x0 = sx | 0;
        const y0 = sy | 0;
        const fx = sx - x0;
        const fy = sy - y0;
        const i00 = y0 * stride + x0 * 3;
        const i01 = i00 + stride;
        let t = src[i00] + fx * (src[i00 + 3] - src[i00]);
        v0 = t + fy * (src[i01] + fx * (src[i01 + 3] - src[i01]) - t);
        t = src[i00 + 1] + fx * (src[i00 + 4] - src[i00 + 1]);
        v1 = t + fy * (src[i01 + 1] + fx * (src[i01 + 4] - src[i01 + 1]) - t);
        t = src[i00 + 2] + fx * (src[i00 + 5] - src[i00 + 2]);
        v2 = t + fy * (src[i01 + 2] + fx * (src[i01 + 5] - src[i01 + 2]) - t);
      } else if (
        mode === MODE_CONSTANT &&
        (sx < -CONSTANT_EPS || sy < -CONSTANT_EPS || sx > xMax + CONSTANT_EPS || sy > yMax + CONSTANT_EPS)
      ) {
        dst[o] = fill;
        dst[o + 1] = fill;
        dst[o + 2] = fill;
        s0 += fill;
        s1 += fill;
        s2 += fill;
        continue;
      } else {
        // Border: neighbours come from the extended (padded) input, as scipy interpolates the extension.
        const x0 = Math.floor(sx);
        const y0 = Math.floor(sy);
        const fx = sx - x0;
        const fy = sy - y0;
        const cx0 = extendIndex(x0, width, mode) * 3;
        const cx1 = extendIndex(x0 + 1, width, mode) * 3;
        const r0 = extendIndex(y0, height, mode) * stride;
        const r1 = extendIndex(y0 + 1, height, mode) * stride;
        let t = src[r0 + cx0] + fx * (src[r0 + cx1] - src[r0 + cx0]);
        v0 = t + fy * (src[r1 + cx0] + fx * (src[r1 + cx1] - src[r1 + cx0]) - t);
        t = src[r0 + cx0 + 1] + fx * (src[r0 + cx1 + 1] - src[r0 + cx0 + 1]);
        v1 = t + fy * (src[r1 + cx0 + 1] + fx * (src[r1 + cx1 + 1] - src[r1 + cx0 + 1]) - t);
        t = src[r0 + cx0 + 2] + fx * (src[r0 + cx1 + 2] - src[r0 + cx0 + 2]);
        v2 = t + fy * (src[r1 + cx0 + 2] + fx * (src[r1 + cx1 + 2] - src[r1 + cx0 + 2]) - t);
      }
      if (gain !== 1) {
        v0 = Math.min(255, v0 * gain);
        v1 = Math.min(255, v1 * gain);
        v2 = Math.min(255, v2 * gain);
      }
      dst[o] = v0;
      dst[o + 1] = v1;
      dst[o + 2] = v2;
      s0 += v0;
      s1 += v1;
      s2 += v2;
    }
  }
  sums[0] = s0;
  sums[1] = s1;
  sums[2] = s2;
}

/** Exact flips (a pixel permutation, never resampled) straight into bytes. */
export function flipCopy(
  src: Uint8Array,
  width: number,
  height: number,
  flipH: boolean,
  flipV: boolean,
): Uint8Array {
  const out = new Uint8Array(src.length);
  const stride = width * 3;
  for (let y = 0; y < height; y++) {
    const inRow = (flipV ? height - 1 - y : y) * stride;
    const outRow = y * stride;
    if (!flipH) {
      out.set(src.subarray(inRow, inRow + stride), outRow);
      continue;
    }
    for (let x = 0, i = inRow + stride - 3; x < stride; x += 3, i -= 3) {
      out[outRow + x] = src[i];
      out[outRow + x + 1] = src[i + 1];
      out[outRow + x + 2] = src[i + 2];
    }
  }
  return out;
}

/** Flips (exact) plus brightness gain into the float buffer, with per-channel sums like warpBilinear. */
export function flipGain(
  src: Uint8Array,
  width: number,
  height: number,
  flipH: boolean,
  flipV: boolean,
  gain: number,
  dst: Float32Array,
  sums: Float64Array,
): void {
  const stride = width * 3;
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let o = 0;
  for (let y = 0; y < height; y++) {
    const inRow = (flipV ? height - 1 - y : y) * stride;
    for (let x = 0; x < width; x++, o += 3) {
      const i = inRow + (flipH ? width - 1 - x : x) * 3;
      const v0 = Math.min(255, src[i] * gain);
      const v1 = Math.min(255, src[i + 1] * gain);
      const v2 = Math.min(255, src[i + 2] * gain);
      dst[o] = v0;
      dst[o + 1] = v1;
      dst[o + 2] = v2;
      s0 += v0;
      s1 += v1;
      s2 += v2;
    }
  }
  sums[0] = s0;
  sums[1] = s1;
  sums[2] = s2;
}

/**
 * Final pass: optional contrast around each channel's mean (tf.image.adjust_contrast semantics:
 * (v - mean_c)·k + mean_c), then clip to 0..255 and round to nearest (ties to even) — the only
 * rounding in the pipeline. Uint8ClampedArray does clip + round in one native conversion.
 */
export function finishToBytes(
  buf: Float32Array,
  n: number,
  contrast: number,
  sums: Float64Array,
): Uint8Array {
  const out = new Uint8Array(n);
  const clamped = new Uint8ClampedArray(out.buffer, out.byteOffset, n);
  if (contrast === 1) {
    for (let i = 0; i < n; i++) clamped[i] = buf[i];
    return out;
  }
  const pixels = n / 3;
  const m0 = sums[0] / pixels;
  const m1 = sums[1] / pixels;
  const m2 = sums[2] / pixels;
  for (let i = 0; i < n; i += 3) {
    clamped[i] = (buf[i] - m0) * contrast + m0;
    clamped[i + 1] = (buf[i + 1] - m1) * contrast + m1;
    clamped[i + 2] = (buf[i + 2] - m2) * contrast + m2;
  }
  return out;
}
