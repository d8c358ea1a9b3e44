/** augment's colour changes and parameter sampling, on a real photo. */
import { beforeAll, describe, expect, it } from 'vitest';
import { KERAS_RECIPE_AUGMENT, NO_AUGMENT } from '@shared/augment';
import { IDENTITY_PARAMS, applyAugment, sampleAugmentParams, type RgbImage } from './augment';
import { BEE, load, maxAbsDiff, params, spec } from './augment-fixtures';

describe('augment colour and sampling (real photo, 224×224 RGB)', () => {
  let bee: RgbImage;
  beforeAll(async () => {
    bee = await load(BEE, 224, 224);
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
});
