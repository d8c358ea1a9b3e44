/**
 * Seeded image augmentation with Keras `ImageDataGenerator` semantics (get_random_transform +
 * apply_transform), as a pure function over raw RGB bytes (no tfjs/sharp). The engine makes the UI's
 * previews with this same function, so a preview shows exactly what training sees for the same seed.
 *
 * Pipeline (Keras order, plus contrast last): one affine warp about the image centre (rotation,
 * shift, shear, zoom; bilinear = Keras' order-1 spline) → flips → brightness multiplier (clip 255)
 * → contrast around the per-channel mean → clip and round once.
 *
 * Deliberate differences from keras_preprocessing 1.1.2, each for correctness:
 * - Centre is ((w-1)/2, (h-1)/2), the true pixel-grid centre; 1.1.2 used h/2+0.5, a one-pixel
 *   off-by-one that later Keras fixed. This makes a 90° turn an exact pixel permutation.
 * - 'wrap' is periodic with period n (Keras' documented a b c d | a b c d), i.e. scipy 'grid-wrap',
 *   not scipy's legacy 'wrap' whose period is n-1.
 * - Brightness multiplies the bytes directly; Keras first min-max rescales the image to 0..255 via
 *   array_to_img(scale=True) and truncates through PIL.
 * - Shift ranges are always fractions of the size (Keras switches to pixels for ranges >= 1).
 * - Every random value is drawn on every call in a fixed order (Keras skips draws for disabled
 *   options), so turning one option on or off never changes the others' draws for a given seed.
 */
import type { AugmentSpec } from '@shared/augment';
import { hashString, mixSeed, mulberry32 } from '@shared/random';
import { composeAffine, finishToBytes, flipCopy, flipGain, warpBilinear, type Affine } from './warp';

/** RGB interleaved, row-major, `data.length === width * height * 3`. */
export interface RgbImage {
  width: number;
  height: number;
  data: Uint8Array;
}

/**
 * One concrete draw. Coordinates: x = column (right), y = row (down); the geometric part maps each
 * output pixel to the input position it samples (Keras' convention), composed R·T·Sh·Z about the centre.
 */
export interface AugmentParams {
  /** Rotation in degrees. Output (x, y) samples the input rotated by +theta, i.e. content turns clockwise on screen. */
  theta: number;
  /** Horizontal shift in pixels (Keras' `ty`, from width_shift_range). Output x samples input x + tx: positive moves content left. */
  tx: number;
  /** Vertical shift in pixels (Keras' `tx`, from height_shift_range). Positive moves content up. */
  ty: number;
  /** Shear angle in degrees (Keras' shear matrix [[1, -sin], [0, cos]] in row/column order). */
  shear: number;
  /** Horizontal zoom: output x samples input at zx·x about the centre, so > 1 zooms out. */
  zx: number;
  /** Vertical zoom, as zx. */
  zy: number;
  /** Mirror left-right (applied after the warp, an exact permutation). */
  flipH: boolean;
  /** Mirror top-bottom. */
  flipV: boolean;
  /** Multiplier on pixel values, >= 0 (1 = unchanged). */
  brightness: number;
  /** Contrast factor around each channel's mean (1 = unchanged). */
  contrast: number;
}

export const IDENTITY_PARAMS: Readonly<AugmentParams> = Object.freeze({
  theta: 0,
  tx: 0,
  ty: 0,
  shear: 0,
  zx: 1,
  zy: 1,
  flipH: false,
  flipV: false,
  brightness: 1,
  contrast: 1,
});

/** Separates the augmentation stream from other users of the same seed (shuffles, splits). */
const AUGMENT_STREAM = hashString('augment');

/**
 * Draw one set of parameters, Keras get_random_transform style: rotation uniform in [-r, r] degrees,
 * shifts uniform in [-r, r]·size pixels, shear uniform in [-r, r] degrees, zx and zy independently
 * uniform in [1-r, 1+r], each flip with p = 0.5 when enabled, brightness uniform in [lo, hi],
 * contrast uniform in [1-r, 1+r]. A disabled option yields exactly its identity value.
 */
export function sampleAugmentParams(
  spec: AugmentSpec,
  width: number,
  height: number,
  seed: number,
): AugmentParams {
  assertSize(width, height);
  if (!Number.isFinite(seed)) throw new Error(`augment: seed must be a finite number, got ${seed}`);
  const rand = mulberry32(mixSeed(seed, AUGMENT_STREAM));
  // lo + (hi - lo)·u is exactly lo when lo === hi, so a zero range gives exactly 0 (or 1).
  const uniform = (lo: number, hi: number): number => lo + (hi - lo) * rand();
  const theta = uniform(-spec.rotationRange, spec.rotationRange);
  // Keras draws the height shift first (its tx, rows), then the width shift (its ty, columns).
  const ty = uniform(-spec.heightShiftRange, spec.heightShiftRange) * height;
  const tx = uniform(-spec.widthShiftRange, spec.widthShiftRange) * width;
  const shear = uniform(-spec.shearRange, spec.shearRange);
  // Keras' zx scales rows, zy columns: our zy, zx.
  const zy = uniform(1 - spec.zoomRange, 1 + spec.zoomRange);
  const zx = uniform(1 - spec.zoomRange, 1 + spec.zoomRange);
  const flipHDraw = rand();
  const flipVDraw = rand();
  const [bLo, bHi] = spec.brightnessRange ?? [1, 1];
  const brightness = uniform(bLo, bHi);
  const contrast = uniform(1 - spec.contrastRange, 1 + spec.contrastRange);
  return {
    theta: theta + 0, // + 0 turns a -0 from a zero range into 0
    tx: tx + 0,
    ty: ty + 0,
    shear: shear + 0,
    zx,
    zy,
    flipH: spec.horizontalFlip && flipHDraw < 0.5,
    flipV: spec.verticalFlip && flipVDraw < 0.5,
    brightness,
    contrast,
  };
}

export function isGeometricIdentity(p: AugmentParams): boolean {
  return p.theta === 0 && p.tx === 0 && p.ty === 0 && p.shear === 0 && p.zx === 1 && p.zy === 1;
}

/**
 * The output→input pixel map of the geometric part, flips included: Keras'
 * transform_matrix_offset_center(R·T·Sh·Z) followed by the flips, in (x = column, y = row) order.
 */
export function augmentMatrix(p: AugmentParams, width: number, height: number): Affine {
  const t = (p.theta * Math.PI) / 180;
  const s = (p.shear * Math.PI) / 180;
  const cos = Math.cos(t);
  const sin = Math.sin(t);
  // Keras' row/column matrices conjugated by the x↔y swap (M' = P·M·P).
  const rotate: Affine = [cos, sin, 0, -sin, cos, 0];
  const shift: Affine = [1, 0, p.tx, 0, 1, p.ty];
  const shear: Affine = [Math.cos(s), 0, 0, -Math.sin(s), 1, 0];
  const zoom: Affine = [p.zx, 0, 0, 0, p.zy, 0];
  let m = composeAffine(composeAffine(rotate, shift), composeAffine(shear, zoom));
  const cx = (width - 1) / 2;
  const cy = (height - 1) / 2;
  m = composeAffine([1, 0, cx, 0, 1, cy], composeAffine(m, [1, 0, -cx, 0, 1, -cy]));
  // Flips happen after the warp, so output (x, y) reads warped (w-1-x, y): precompose the mirror.
  const flip: Affine = [
    p.flipH ? -1 : 1,
    0,
    p.flipH ? width - 1 : 0,
    0,
    p.flipV ? -1 : 1,
    p.flipV ? height - 1 : 0,
  ];
  return composeAffine(m, flip);
}

/**
 * Reused float work buffer: one image at a time in this thread, so training images (224×224) need no
 * per-call 600 kB allocation. Capped so one large preview image does not pin its buffer forever.
 */
const SCRATCH_MAX = 1024 * 1024 * 3;
let scratch = new Float32Array(0);
const scratchSums = new Float64Array(3);

/** Apply concrete parameters; fill mode and cval come from `spec`. Output size equals input size. */
export function applyAugment(img: RgbImage, p: AugmentParams, spec: AugmentSpec): RgbImage {
  assertImage(img);
  assertParams(p);
  const { width, height, data } = img;
  const n = width * height * 3;
  const geometric = !isGeometricIdentity(p);
  const photometric = p.brightness !== 1 || p.contrast !== 1;
  if (!geometric && !photometric) {
    // Pure permutation (or copy): bytes are moved, never recomputed, so identity is bit-exact.
    const out = p.flipH || p.flipV ? flipCopy(data, width, height, p.flipH, p.flipV) : new Uint8Array(data);
    return { width, height, data: out };
  }
  if (scratch.length < n && n <= SCRATCH_MAX) scratch = new Float32Array(n);
  const buf = n <= SCRATCH_MAX ? scratch : new Float32Array(n);
  if (geometric) {
    const m = augmentMatrix(p, width, height);
    warpBilinear(data, width, height, m, spec.fillMode, spec.cval, p.brightness, buf, scratchSums);
  } else {
    flipGain(data, width, height, p.flipH, p.flipV, p.brightness, buf, scratchSums);
  }
  return { width, height, data: finishToBytes(buf, n, p.contrast, scratchSums) };
}

/** Sample with `seed` and apply: same image + spec + seed ⇒ identical bytes. */
export function augment(img: RgbImage, spec: AugmentSpec, seed: number): RgbImage {
  return applyAugment(img, sampleAugmentParams(spec, img.width, img.height, seed), spec);
}

function assertSize(width: number, height: number): void {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new Error(`augment: image size must be positive integers, got ${width}×${height}`);
  }
}

function assertImage(img: RgbImage): void {
  assertSize(img.width, img.height);
  if (!(img.data instanceof Uint8Array))
    throw new Error('augment: image data must be a Uint8Array of RGB bytes');
  const expected = img.width * img.height * 3;
  if (img.data.length !== expected) {
    throw new Error(
      `augment: image data has ${img.data.length} bytes, expected ${img.width}×${img.height}×3 = ${expected} (RGB, no alpha)`,
    );
  }
}

function assertParams(p: AugmentParams): void {
  for (const key of ['theta', 'tx', 'ty', 'shear', 'zx', 'zy', 'brightness', 'contrast'] as const) {
    if (!Number.isFinite(p[key])) throw new Error(`augment: parameter ${key} must be finite, got ${p[key]}`);
  }
  if (p.brightness < 0) throw new Error(`augment: brightness must be >= 0, got ${p.brightness}`);
}
