import { describe, expect, it } from 'vitest';
import { AugmentSpec } from './augment';

const brightness = (r: unknown) => AugmentSpec.safeParse({ brightnessRange: r });

describe('AugmentSpec.brightnessRange', () => {
  it('accepts Keras-style multipliers, off (null) and the bounds', () => {
    for (const r of [[0.5, 1.5], [0.8, 1.2], [1, 1], [0, 3], null])
      expect(brightness(r).success, JSON.stringify(r)).toBe(true);
  });

  it('refuses values outside [0, 3], lo > hi and malformed ranges, naming the field', () => {
    for (const r of [[1e9, 1e10], [5, 0], [1.5, 0.5], [-0.1, 1], [1, 3.01], [Number.NaN, 1], [1], 'bright'])
      expect(brightness(r).success, JSON.stringify(r)).toBe(false);
    const e = brightness([1.5, 0.5]);
    expect(e.success || e.error.issues[0]).toMatchObject({
      path: ['brightnessRange'],
      message: expect.stringMatching(/lo must not exceed hi/),
    });
  });
});
