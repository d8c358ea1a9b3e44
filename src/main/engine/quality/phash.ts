import { readFile } from 'node:fs/promises';
import { mapLimit } from '../../util/concurrency';
import type { ResizeMode } from '@shared/train';
import { decodeImage } from '../image/decode';
import type { RgbImage } from '../image/rgb';
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

export function hashFromGray(gray: Uint8Array | Float64Array): PerceptualHash {
  const c = lowDct(gray);
  const m = new Float64Array(64);
  for (let u = 0; u < K; u++) for (let v = 0; v < K; v++) m[u * K + v] = v % 2 ? -c[u * K + v] : c[u * K + v];
  return { hash: bitsAboveMedian(c), mirrored: bitsAboveMedian(m) };
}

/**
 * The image the hash is taken of: the file decoded as feature extraction decodes it at 224×224,
 * stretched (EXIF-oriented, alpha on white, colour-managed, first frame), so extraction's own decode
 * gives the same hash without decoding the file again (`PHASH_SOURCE`).
 */
export const PHASH_SOURCE = { width: 224, height: 224, resize: 'stretch' } as const;

/** The hash of an extraction decode made with `resize`, when it is the image hashes are taken of. */
export function phashOfDecode(img: RgbImage, resize: ResizeMode): PerceptualHash | null {
  const s = PHASH_SOURCE;
  return img.width === s.width && img.height === s.height && resize === s.resize ? hashFromRgb(img) : null;
}

/** The hash of a decoded RGB image: luma (ITU-R 601), averaged over a 32×32 grid of cells. */
export function hashFromRgb(img: RgbImage): PerceptualHash {
  const { width, height, data } = img;
  const gray = new Float64Array(N * N);
  for (let gy = 0; gy < N; gy++) {
    const y0 = Math.floor((gy * height) / N);
    const y1 = Math.max(y0 + 1, Math.floor(((gy + 1) * height) / N));
    for (let gx = 0; gx < N; gx++) {
      const x0 = Math.floor((gx * width) / N);
      const x1 = Math.max(x0 + 1, Math.floor(((gx + 1) * width) / N));
      let s = 0;
      for (let y = y0; y < y1; y++)
        for (let x = x0, i = (y * width + x0) * 3; x < x1; x++, i += 3)
          s += 0.299 * data[i] + 0.587 * data[i + 1] + 0.114 * data[i + 2];
      gray[gy * N + gx] = s / ((y1 - y0) * (x1 - x0));
    }
  }
  return hashFromGray(gray);
}

/** Decode `input` as extraction does (PHASH_SOURCE) and hash it. */
export async function perceptualHash(input: string | Buffer): Promise<PerceptualHash> {
  // Bytes, not a path: decodeImage's colour-profile shortcut looks at the bytes, as extraction's does.
  const bytes = typeof input === 'string' ? await readFile(input) : input;
  const { width, height, resize } = PHASH_SOURCE;
  return hashFromRgb(await decodeImage(bytes, width, height, resize));
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
