import { describe, expect, it } from 'vitest';
import { LUT_STEP, applyIccLut, mapsBlackToBlack, type IccLut } from './icc-lut';

const NODES = 255 / LUT_STEP + 1;

/** A table holding `f` at every lattice node (red-major, as the module builds them). */
function tableOf(f: (rgb: [number, number, number]) => [number, number, number]): IccLut {
  const table = new Float32Array(NODES ** 3 * 3);
  let o = 0;
  for (let r = 0; r < NODES; r++)
    for (let g = 0; g < NODES; g++)
      for (let b = 0; b < NODES; b++)
        for (const v of f([r * LUT_STEP, g * LUT_STEP, b * LUT_STEP])) table[o++] = v;
  return { table };
}

/** Every colour whose channels are in `values`, as one pixel row. */
function colours(values: number[]): Uint8Array {
  const out: number[] = [];
  for (const r of values) for (const g of values) for (const b of values) out.push(r, g, b);
  return Uint8Array.from(out);
}

describe('applyIccLut: tetrahedral interpolation', () => {
  // Any affine map is reproduced exactly by every tetrahedron, so a wrong corner or weight shows.
  const values = [0, 1, 4, 5, 6, 37, 128, 199, 250, 254, 255];

  it('an identity table leaves every pixel as it is', () => {
    const px = colours(values);
    const out = Uint8Array.from(px);
    applyIccLut(
      tableOf((c) => c),
      out,
    );
    expect([...out]).toEqual([...px]);
  });

  it('an affine table that mixes channels is applied exactly, in all six orderings of the fractions', () => {
    const f = ([r, g, b]: [number, number, number]): [number, number, number] => [
      0.5 * r + 0.25 * g + 0.25 * b,
      255 - g,
      0.2 * r + 0.3 * g + 0.5 * b,
    ];
    const px = colours(values);
    const out = Uint8Array.from(px);
    applyIccLut(tableOf(f), out);
    for (let i = 0; i < px.length; i += 3) {
      const want = f([px[i], px[i + 1], px[i + 2]]);
      // Rounded to 8 bits: within half a step of the exact value (plus float32's own rounding).
      for (let c = 0; c < 3; c++) expect(Math.abs(out[i + c] - want[c])).toBeLessThanOrEqual(0.5 + 1e-3);
    }
  });

  it('knows whether black stays black', () => {
    expect(mapsBlackToBlack(tableOf((c) => c))).toBe(true);
    expect(mapsBlackToBlack(tableOf(([r, g, b]) => [r + 1, g, b]))).toBe(false);
  });
});
