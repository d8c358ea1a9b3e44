import { describe, expect, it } from 'vitest';
import { decodeHalf, encodeHalf, fitsHalf, toHalf } from './half';

const decode1 = (h: number) => {
  const out = new Float32Array(1);
  decodeHalf(Uint16Array.of(h), 0, 1, out, 0);
  return out[0];
};

describe('float16', () => {
  it('round-trips every finite half exactly', () => {
    const wrong: number[] = [];
    for (let h = 0; h < 65536; h++) {
      const v = decode1(h);
      if (!Number.isFinite(v)) continue;
      const back = toHalf(v);
      // ±0 both decode to 0; everything else must come back bit-identical.
      if (v === 0 ? (back & 0x7fff) !== 0 : back !== h) wrong.push(h);
    }
    expect(wrong).toEqual([]);
  });

  it('rounds to nearest, ties to even, and reports values it cannot hold', () => {
    expect(toHalf(1)).toBe(0x3c00);
    expect(decode1(toHalf(1 + 2 ** -11))).toBe(1); // tie → even mantissa
    expect(decode1(toHalf(1 + 3 * 2 ** -11))).toBe(1 + 2 ** -9); // tie → even (up)
    expect(decode1(toHalf(6.0001))).toBe(6);
    expect(decode1(toHalf(65504))).toBe(65504);
    expect(decode1(toHalf(1e6))).toBe(Infinity);
    expect(decode1(toHalf(2 ** -24))).toBe(2 ** -24); // smallest subnormal
    expect(decode1(toHalf(2 ** -26))).toBe(0);
    expect(Number.isNaN(decode1(toHalf(NaN)))).toBe(true);
    expect(fitsHalf(Float32Array.of(0, 1, -65504))).toBe(true);
    expect(fitsHalf(Float32Array.of(0, 70000))).toBe(false);
    expect(fitsHalf(Float32Array.of(NaN))).toBe(false);
  });

  it('keeps ReLU6-range features within 2^-11 relative error', () => {
    const v = Float32Array.from({ length: 10000 }, (_, i) => ((i * 7919) % 10007) / 1667.9);
    const out = new Float32Array(v.length);
    decodeHalf(encodeHalf(v), 0, v.length, out, 0);
    let worst = 0;
    v.forEach((x, i) => x > 1e-4 && (worst = Math.max(worst, Math.abs(out[i] - x) / x)));
    expect(worst).toBeLessThanOrEqual(2 ** -11);
    expect(worst).toBeGreaterThan(0);
  });
});
