import path from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  AugmentSpec,
  KERAS_RECIPE_AUGMENT,
  NO_AUGMENT,
  type AugmentSpecInput,
} from '../../../shared/augment';
import {
  IDENTITY_PARAMS,
  applyAugment,
  augment,
  sampleAugmentParams,
  type AugmentParams,
  type RgbImage,
} from './augment';

const here = path.dirname(fileURLToPath(import.meta.url));
const DATA = path.resolve(here, '../../../../../shared/datasets/hymenoptera_data');
const ANT = path.join(DATA, 'train/ants/0013035.jpg');
const BEE = path.join(DATA, 'val/bees/1032546534_06907fe3b3.jpg');

async function load(file: string, width: number, height: number): Promise<RgbImage> {
  const { data, info } = await sharp(file)
    .resize(width, height, { fit: 'fill' })
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  expect(info.channels).toBe(3);
  return { width: info.width, height: info.height, data: new Uint8Array(data) };
}

const spec = (input: AugmentSpecInput): AugmentSpec => AugmentSpec.parse(input);
const params = (p: Partial<AugmentParams>): AugmentParams => ({ ...IDENTITY_PARAMS, ...p });
const px = (img: RgbImage, x: number, y: number, c: number): number => img.data[(y * img.width + x) * 3 + c];

const FULL = spec({
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
function kerasReference(img: RgbImage, p: AugmentParams): Float64Array {
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

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]));
  return max;
}

describe('augment (real photos, 224×224 RGB)', () => {
  let ant: RgbImage;
  let bee: RgbImage;
  let wide: RgbImage; // non-square
  beforeAll(async () => {
    [ant, bee, wide] = await Promise.all([load(ANT, 224, 224), load(BEE, 224, 224), load(BEE, 200, 130)]);
  });

  it('is deterministic: same image + spec + seed gives identical bytes', () => {
    for (const seed of [0, 1, 42, 0xffffffff]) {
      const a = augment(ant, FULL, seed);
      const b = augment(ant, FULL, seed);
      expect(Buffer.from(a.data).equals(Buffer.from(b.data))).toBe(true);
    }
  });

  it('different seeds give different bytes', () => {
    const outs = [1, 2, 3, 4, 5].map((s) => Buffer.from(augment(ant, FULL, s).data).toString('base64'));
    expect(new Set(outs).size).toBe(outs.length);
    for (const o of outs) expect(o).not.toBe(Buffer.from(ant.data).toString('base64'));
  });

  it('identity spec returns equal bytes in a fresh buffer', () => {
    for (const img of [ant, wide]) {
      const out = augment(img, NO_AUGMENT, 7);
      expect(out.width).toBe(img.width);
      expect(out.height).toBe(img.height);
      expect(Buffer.from(out.data).equals(Buffer.from(img.data))).toBe(true);
      expect(out.data === img.data).toBe(false);
    }
  });

  it('horizontal and vertical flips are exact mirrors and self-inverse', () => {
    for (const img of [ant, wide]) {
      const h = applyAugment(img, params({ flipH: true }), NO_AUGMENT);
      for (const [x, y] of [
        [0, 0],
        [5, 17],
        [img.width - 1, img.height - 1],
      ]) {
        for (let c = 0; c < 3; c++) expect(px(h, x, y, c)).toBe(px(img, img.width - 1 - x, y, c));
      }
      const hh = applyAugment(h, params({ flipH: true }), NO_AUGMENT);
      expect(Buffer.from(hh.data).equals(Buffer.from(img.data))).toBe(true);

      const v = applyAugment(img, params({ flipV: true }), NO_AUGMENT);
      for (const [x, y] of [
        [0, 0],
        [9, 3],
        [img.width - 1, img.height - 1],
      ]) {
        for (let c = 0; c < 3; c++) expect(px(v, x, y, c)).toBe(px(img, x, img.height - 1 - y, c));
      }
      const vv = applyAugment(v, params({ flipV: true }), NO_AUGMENT);
      expect(Buffer.from(vv.data).equals(Buffer.from(img.data))).toBe(true);
      expect(Buffer.from(h.data).equals(Buffer.from(img.data))).toBe(false);
    }
  });

  it('keeps the output size for every option and fill mode, square and non-square', () => {
    const options: AugmentSpecInput[] = [
      { rotationRange: 90 },
      { widthShiftRange: 0.5 },
      { heightShiftRange: 0.5 },
      { shearRange: 45 },
      { zoomRange: 0.9 },
      { horizontalFlip: true },
      { verticalFlip: true },
      { brightnessRange: [0.2, 2] },
      { contrastRange: 1 },
    ];
    for (const img of [ant, wide]) {
      for (const opt of options) {
        for (const fillMode of ['nearest', 'reflect', 'constant', 'wrap'] as const) {
          const out = augment(img, spec({ ...opt, fillMode, cval: 128 }), 3);
          expect([out.width, out.height, out.data.length]).toEqual([
            img.width,
            img.height,
            img.width * img.height * 3,
          ]);
        }
      }
    }
  });

  it('rotation by 90° on a square image is a pixel rotation', () => {
    const out = applyAugment(ant, params({ theta: 90 }), NO_AUGMENT);
    const n = ant.width;
    let max = 0;
    for (let y = 0; y < n; y++) {
      for (let x = 0; x < n; x++) {
        // +90° samples input (x', y') = (y, n-1-x): clockwise on screen.
        for (let c = 0; c < 3; c++)
          max = Math.max(max, Math.abs(px(out, x, y, c) - px(ant, y, n - 1 - x, c)));
      }
    }
    expect(max).toBeLessThanOrEqual(1);
    // And it is a real change, not a copy.
    expect(maxAbsDiff(out.data, ant.data)).toBeGreaterThan(50);
  });

  it('matches an independent Keras (row, column) reference for a composed warp', () => {
    for (const img of [bee, wide]) {
      const p = params({ theta: 17.3, tx: 12.6, ty: -7.2, shear: 11, zx: 0.83, zy: 1.14 });
      const ours = applyAugment(img, p, NO_AUGMENT); // fillMode nearest
      expect(maxAbsDiff(ours.data, kerasReference(img, p))).toBeLessThanOrEqual(0.5 + 1e-6);
    }
  });

  it('constant fill puts cval in the corners after a large shift', () => {
    const cval = 77;
    const out = applyAugment(
      ant,
      params({ tx: 0.6 * 224, ty: 0.6 * 224 }),
      spec({ fillMode: 'constant', cval }),
    );
    for (const [x, y] of [
      [223, 223],
      [223, 0],
      [0, 223],
      [150, 150],
    ]) {
      for (let c = 0; c < 3; c++) expect(px(out, x, y, c)).toBe(cval);
    }
    // The unshifted part still shows the photo: out(0,0) reads input (134.4, 134.4).
    expect(px(out, 0, 0, 0)).not.toBe(cval);
  });

  it('fill modes follow scipy semantics at the borders after an integer shift', () => {
    const k = 10;
    const shifted = (fillMode: AugmentSpec['fillMode']) =>
      applyAugment(ant, params({ tx: -k }), spec({ fillMode, cval: 5 })); // content moves right by k
    const nearest = shifted('nearest');
    const reflect = shifted('reflect');
    const wrap = shifted('wrap');
    const constant = shifted('constant');
    const w = ant.width;
    for (const y of [0, 100, 223]) {
      for (let x = 0; x < w; x++) {
        for (let c = 0; c < 3; c++) {
          if (x >= k) {
            const v = px(ant, x - k, y, c);
            expect([
              px(nearest, x, y, c),
              px(reflect, x, y, c),
              px(wrap, x, y, c),
              px(constant, x, y, c),
            ]).toEqual([v, v, v, v]);
          } else {
            expect(px(nearest, x, y, c)).toBe(px(ant, 0, y, c)); // a a a | a b c
            expect(px(reflect, x, y, c)).toBe(px(ant, k - 1 - x, y, c)); // c b a | a b c
            expect(px(wrap, x, y, c)).toBe(px(ant, w - k + x, y, c)); // b c d | a b c d
            expect(px(constant, x, y, c)).toBe(5);
          }
        }
      }
    }
    expect(maxAbsDiff(nearest.data, reflect.data)).toBeGreaterThan(0);
  });

  it('brightness 0.5 halves every value (±1)', () => {
    const out = applyAugment(bee, params({ brightness: 0.5 }), NO_AUGMENT);
    expect(
      maxAbsDiff(
        out.data,
        Array.from(bee.data, (v) => v / 2),
      ),
    ).toBeLessThanOrEqual(1);
    const bright = applyAugment(bee, params({ brightness: 3 }), NO_AUGMENT);
    expect(
      maxAbsDiff(
        bright.data,
        Array.from(bee.data, (v) => Math.min(255, v * 3)),
      ),
    ).toBeLessThanOrEqual(1);
    // With a flip (no warp) the values are the same, just mirrored.
    const flippedDim = applyAugment(bee, params({ brightness: 0.5, flipH: true }), NO_AUGMENT);
    const dimFlipped = applyAugment(out, params({ flipH: true }), NO_AUGMENT);
    expect(Buffer.from(flippedDim.data).equals(Buffer.from(dimFlipped.data))).toBe(true);
  });

  it('contrast scales deviations from each channel mean', () => {
    const means = [0, 1, 2].map((c) => {
      let s = 0;
      for (let i = c; i < bee.data.length; i += 3) s += bee.data[i];
      return s / (bee.width * bee.height);
    });
    const flat = applyAugment(bee, params({ contrast: 0 }), NO_AUGMENT);
    expect(
      maxAbsDiff(
        flat.data,
        Array.from(flat.data, (_, i) => means[i % 3]),
      ),
    ).toBeLessThanOrEqual(0.5);
    const k = 1.4;
    const punchy = applyAugment(bee, params({ contrast: k }), NO_AUGMENT);
    const expected = Array.from(bee.data, (v, i) =>
      Math.min(255, Math.max(0, (v - means[i % 3]) * k + means[i % 3])),
    );
    expect(maxAbsDiff(punchy.data, expected)).toBeLessThanOrEqual(1);
  });

  it('sampled parameters stay within their ranges over 1000 seeds and cover them', () => {
    const s = spec({
      rotationRange: 30,
      widthShiftRange: 0.2,
      heightShiftRange: 0.1,
      shearRange: 15,
      zoomRange: 0.25,
      horizontalFlip: true,
      brightnessRange: [0.6, 1.5],
      contrastRange: 0.4,
    });
    const W = 200;
    const H = 130;
    const ranges: Record<
      'theta' | 'tx' | 'ty' | 'shear' | 'zx' | 'zy' | 'brightness' | 'contrast',
      [number, number]
    > = {
      theta: [-30, 30],
      tx: [-0.2 * W, 0.2 * W],
      ty: [-0.1 * H, 0.1 * H],
      shear: [-15, 15],
      zx: [0.75, 1.25],
      zy: [0.75, 1.25],
      brightness: [0.6, 1.5],
      contrast: [0.6, 1.4],
    };
    const seen = Object.fromEntries(Object.keys(ranges).map((k) => [k, [Infinity, -Infinity]])) as Record<
      keyof typeof ranges,
      [number, number]
    >;
    let flipsH = 0;
    for (let seed = 0; seed < 1000; seed++) {
      const p = sampleAugmentParams(s, W, H, seed);
      for (const key of Object.keys(ranges) as (keyof typeof ranges)[]) {
        const [lo, hi] = ranges[key];
        expect(p[key]).toBeGreaterThanOrEqual(lo);
        expect(p[key]).toBeLessThanOrEqual(hi);
        seen[key] = [Math.min(seen[key][0], p[key]), Math.max(seen[key][1], p[key])];
      }
      expect(p.flipV).toBe(false);
      if (p.flipH) flipsH++;
    }
    for (const key of Object.keys(ranges) as (keyof typeof ranges)[]) {
      const [lo, hi] = ranges[key];
      const span = hi - lo;
      expect(seen[key][0]).toBeLessThan(lo + 0.02 * span);
      expect(seen[key][1]).toBeGreaterThan(hi - 0.02 * span);
    }
    expect(flipsH).toBeGreaterThan(430);
    expect(flipsH).toBeLessThan(570);
  });

  it('a disabled option samples exactly its identity value', () => {
    for (let seed = 0; seed < 50; seed++) {
      expect(sampleAugmentParams(NO_AUGMENT, 224, 224, seed)).toEqual(IDENTITY_PARAMS);
      const p = sampleAugmentParams(KERAS_RECIPE_AUGMENT, 224, 224, seed);
      expect([p.theta, p.tx, p.ty, p.brightness, p.contrast, p.flipV]).toEqual([0, 0, 0, 1, 1, false]);
    }
  });

  it('rejects malformed input with a specific error', () => {
    expect(() => augment({ width: 224, height: 224, data: new Uint8Array(224 * 224 * 4) }, FULL, 1)).toThrow(
      /expected 224×224×3 = 150528/,
    );
    expect(() => augment({ width: 0, height: 10, data: new Uint8Array(0) }, FULL, 1)).toThrow(
      /positive integers/,
    );
    expect(() => applyAugment(ant, params({ theta: NaN }), NO_AUGMENT)).toThrow(/theta must be finite/);
    expect(() =>
      applyAugment(ant, params({ theta: 1 }), { ...NO_AUGMENT, fillMode: 'mirror' as 'reflect' }),
    ).toThrow(/unknown fill mode "mirror"/);
  });
});
