import sharp from 'sharp';
import { MAX_PIXELS } from '../dataset/scan';
import { mapLimit } from '../../util/concurrency';
import { QualityStoppedError } from './errors';

/**
 * Perceptual hash (pHash, as the `imagehash` library defines it): the image as 32×32 grayscale, its 2-D
 * DCT-II, the 8×8 lowest frequencies, one bit per coefficient: above their median. Re-encodes, resizes,
 * small edits and mild colour changes keep most bits; it needs no model, so it works before any base is
 * loaded. A horizontal flip multiplies horizontal frequency v by (−1)^v, so the mirrored image's hash
 * comes from the same DCT for free.
 */
export interface PerceptualHash {
  /** 64 bits as 16 hex digits. */
  hash: string;
  /** The hash of the horizontally mirrored image. */
  mirrored: string;
}

const N = 32;
const K = 8;
/** COS[u * N + x] = cos(π (2x + 1) u / 2N): DCT-II basis (unnormalised: only signs and order matter). */
const COS = (() => {
  const t = new Float64Array(K * N);
  for (let u = 0; u < K; u++)
    for (let x = 0; x < N; x++) t[u * N + x] = Math.cos((Math.PI * (2 * x + 1) * u) / (2 * N));
  return t;
})();

/** The 8×8 low-frequency DCT coefficients of a 32×32 grayscale image, [u (vertical) * 8 + v]. */
export function lowDct(gray: Uint8Array | Float64Array): Float64Array {
  if (gray.length !== N * N) throw new Error(`pHash needs ${N}×${N} pixels, got ${gray.length}`);
  // Separable: rows first (horizontal frequency v), then columns (vertical frequency u).
  const rows = new Float64Array(N * K);
  for (let y = 0; y < N; y++)
    for (let v = 0; v < K; v++) {
      let s = 0;
      for (let x = 0; x < N; x++) s += gray[y * N + x] * COS[v * N + x];
      rows[y * K + v] = s;
    }
  const out = new Float64Array(K * K);
  for (let u = 0; u < K; u++)
    for (let v = 0; v < K; v++) {
      let s = 0;
      for (let y = 0; y < N; y++) s += rows[y * K + v] * COS[u * N + y];
      out[u * K + v] = s;
    }
  return out;
}

function bitsAboveMedian(c: Float64Array): string {
  const sorted = Array.from(c).sort((a, b) => a - b);
  const median = (sorted[31] + sorted[32]) / 2;
  let hex = '';
  for (let i = 0; i < 64; i += 4) {
    let nibble = 0;
    for (let b = 0; b < 4; b++) nibble = (nibble << 1) | (c[i + b] > median ? 1 : 0);
    hex += nibble.toString(16);
  }
  return hex;
}

export function hashFromGray(gray: Uint8Array): PerceptualHash {
  const c = lowDct(gray);
  const m = new Float64Array(64);
  for (let u = 0; u < K; u++) for (let v = 0; v < K; v++) m[u * K + v] = v % 2 ? -c[u * K + v] : c[u * K + v];
  return { hash: bitsAboveMedian(c), mirrored: bitsAboveMedian(m) };
}

/** Decode (EXIF-oriented, alpha on white, first frame) to 32×32 grayscale and hash it. */
export async function perceptualHash(input: string | Buffer): Promise<PerceptualHash> {
  const { data, info } = await sharp(input, { limitInputPixels: MAX_PIXELS, pages: 1 })
    .rotate()
    .flatten({ background: { r: 255, g: 255, b: 255 } })
    .greyscale()
    .resize(N, N, { fit: 'fill' })
    .raw({ depth: 'uchar' })
    .toBuffer({ resolveWithObject: true });
  if (info.channels !== 1 || info.width !== N || info.height !== N)
    throw new Error(`unexpected grayscale decode ${info.width}×${info.height}×${info.channels}`);
  return hashFromGray(new Uint8Array(data.buffer, data.byteOffset, N * N));
}

/** 64-bit hash as two uint32 words [hi, lo]. */
export function hashWords(hex: string): [number, number] {
  if (!/^[0-9a-f]{16}$/.test(hex)) throw new Error(`not a 64-bit hex hash: ${hex}`);
  return [parseInt(hex.slice(0, 8), 16) >>> 0, parseInt(hex.slice(8), 16) >>> 0];
}

export function popcount32(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  x = (x + (x >>> 4)) & 0x0f0f0f0f;
  return Math.imul(x, 0x01010101) >>> 24;
}

export function hammingHex(a: string, b: string): number {
  const [ah, al] = hashWords(a);
  const [bh, bl] = hashWords(b);
  return popcount32(ah ^ bh) + popcount32(al ^ bl);
}

/**
 * Perceptual hashes of many files, a few at a time (sharp decodes on its own threads); a file that cannot
 * be decoded gets null (the scan reports it elsewhere), never an exception for the whole batch.
 */
export async function perceptualHashes(
  paths: readonly string[],
  o: { concurrency?: number; signal?: AbortSignal; onProgress?: (done: number, total: number) => void } = {},
): Promise<(PerceptualHash | null)[]> {
  let done = 0;
  return mapLimit(paths, o.concurrency ?? 4, async (p) => {
    if (o.signal?.aborted) throw new QualityStoppedError();
    const h = await perceptualHash(p).catch(() => null);
    o.onProgress?.(++done, paths.length);
    return h;
  });
}
