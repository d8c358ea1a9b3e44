/** Shared by the augment tests: real photos, spec/param shorthands and an independent Keras reference. */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { expect } from 'vitest';
import { AugmentSpec, type AugmentSpecInput } from '@shared/augment';
import { IDENTITY_PARAMS, type AugmentParams, type RgbImage } from './augment';

const here = path.dirname(fileURLToPath(import.meta.url));
const DATA = path.resolve(here, '../../../../../shared/datasets/hymenoptera_data');
export const ANT = path.join(DATA, 'train/ants/0013035.jpg');
export const BEE = path.join(DATA, 'val/bees/1032546534_06907fe3b3.jpg');

export async function load(file: string, width: number, height: number): Promise<RgbImage> {
  const { data, info } = await sharp(file)
    .resize(width, height, { fit: 'fill' })
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  expect(info.channels).toBe(3);
  return { width: info.width, height: info.height, data: new Uint8Array(data) };
}

export const spec = (input: AugmentSpecInput): AugmentSpec => AugmentSpec.parse(input);
export const params = (p: Partial<AugmentParams>): AugmentParams => ({ ...IDENTITY_PARAMS, ...p });
export const px = (img: RgbImage, x: number, y: number, c: number): number =>
  img.data[(y * img.width + x) * 3 + c];

export const FULL = spec({
  rotationRange: 25,
  widthShiftRange: 0.15,
  heightShiftRange: 0.1,
  shearRange: 10,
  zoomRange: 0.2,
  horizontalFlip: true,
  verticalFlip: true,
  brightnessRange: [0.7, 1.3],
  contrastRange: 0.3,
  fillMode: 'reflect',
});

/**
 * Independent reference: keras_preprocessing 1.1.2's matrices, literally in (row, column) order
 * (tx = row shift, zx = row zoom), the centre fixed to (n-1)/2, bilinear over a 'nearest' extension.
 */
export function kerasReference(img: RgbImage, p: AugmentParams): Float64Array {
  type M = number[][];
  const mul = (a: M, b: M): M =>
    a.map((row) => b[0].map((_, j) => row.reduce((s, v, k) => s + v * b[k][j], 0)));
  const t = (p.theta * Math.PI) / 180;
  const sh = (p.shear * Math.PI) / 180;
  const rot: M = [
    [Math.cos(t), -Math.sin(t), 0],
    [Math.sin(t), Math.cos(t), 0],
    [0, 0, 1],
  ];
  const shift: M = [
    [1, 0, p.ty],
    [0, 1, p.tx],
    [0, 0, 1],
  ];
  const shear: M = [
    [1, -Math.sin(sh), 0],
    [0, Math.cos(sh), 0],
    [0, 0, 1],
  ];
  const zoom: M = [
    [p.zy, 0, 0],
    [0, p.zx, 0],
    [0, 0, 1],
  ];
  const or = (img.height - 1) / 2;
  const oc = (img.width - 1) / 2;
  const m = mul(
    mul(
      [
        [1, 0, or],
        [0, 1, oc],
        [0, 0, 1],
      ],
      mul(mul(mul(rot, shift), shear), zoom),
    ),
    [
      [1, 0, -or],
      [0, 1, -oc],
      [0, 0, 1],
    ],
  );
  const clampPx = (r: number, c: number, ch: number): number =>
    px(img, Math.min(img.width - 1, Math.max(0, c)), Math.min(img.height - 1, Math.max(0, r)), ch);
  const out = new Float64Array(img.width * img.height * 3);
  for (let r = 0; r < img.height; r++) {
    for (let c = 0; c < img.width; c++) {
      const ir = m[0][0] * r + m[0][1] * c + m[0][2];
      const ic = m[1][0] * r + m[1][1] * c + m[1][2];
      const r0 = Math.floor(ir);
      const c0 = Math.floor(ic);
      const fr = ir - r0;
      const fc = ic - c0;
      for (let ch = 0; ch < 3; ch++) {
        out[(r * img.width + c) * 3 + ch] =
          (1 - fr) * ((1 - fc) * clampPx(r0, c0, ch) + fc * clampPx(r0, c0 + 1, ch)) +
          fr * ((1 - fc) * clampPx(r0 + 1, c0, ch) + fc * clampPx(r0 + 1, c0 + 1, ch));
      }
    }
  }
  return out;
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]));
  return max;
}
