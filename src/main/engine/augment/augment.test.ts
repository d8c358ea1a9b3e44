/** augment's geometry on real photos: determinism, flips, sizes, rotation, the Keras reference, fill modes. */
import { beforeAll, describe, expect, it } from 'vitest';
import { NO_AUGMENT, type AugmentSpec, type AugmentSpecInput } from '@shared/augment';
import { applyAugment, augment, type RgbImage } from './augment';
import { ANT, BEE, FULL, kerasReference, load, maxAbsDiff, params, px, spec } from './augment-fixtures';

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
