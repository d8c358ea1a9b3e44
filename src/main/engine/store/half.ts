/**
 * IEEE 754 half precision (float16) for stored features. Node 20 has no Float16Array: encode with round to
 * nearest even, decode through a 64k-entry table (fast, exact).
 */

/** Largest finite float16. Vectors with any |value| above it (or NaN/∞) are stored as float32. */
export const HALF_MAX = 65504;

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

export function toHalf(v: number): number {
  f32[0] = v;
  const x = u32[0];
  const sign = (x >>> 16) & 0x8000;
  const e32 = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (e32 === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  const exp = e32 - 127 + 15;
  if (exp >= 0x1f) return sign | 0x7c00;
  if (exp <= 0) {
    // Subnormal half: m × 2^-24.
    if (exp < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - exp;
    let half = mant >>> shift;
    const rem = mant & ((1 << shift) - 1);
    const halfway = 1 << (shift - 1);
    if (rem > halfway || (rem === halfway && half & 1)) half++;
    return sign | half;
  }
  let half = (exp << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  // A carry out of the mantissa correctly bumps the exponent (up to ∞).
  if (rem > 0x1000 || (rem === 0x1000 && half & 1)) half++;
  return sign | half;
}

function halfToNumber(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >>> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 0x1f) return mant ? NaN : sign * Infinity;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}

let table: Float32Array | null = null;
function decodeTable(): Float32Array {
  if (!table) {
    table = new Float32Array(65536);
    for (let h = 0; h < 65536; h++) table[h] = halfToNumber(h);
  }
  return table;
}

/** True when every value is finite and within float16's range. */
export function fitsHalf(v: Float32Array): boolean {
  for (let i = 0; i < v.length; i++) if (!(Math.abs(v[i]) <= HALF_MAX)) return false;
  return true;
}

export function encodeHalf(v: Float32Array, out = new Uint16Array(v.length)): Uint16Array {
  for (let i = 0; i < v.length; i++) out[i] = toHalf(v[i]);
  return out;
}

/** Decode `n` halves starting at `src[srcOffset]` into `out[outOffset…]`. */
export function decodeHalf(
  src: Uint16Array,
  srcOffset: number,
  n: number,
  out: Float32Array,
  outOffset: number,
) {
  const t = decodeTable();
  for (let i = 0; i < n; i++) out[outOffset + i] = t[src[srcOffset + i]];
}
