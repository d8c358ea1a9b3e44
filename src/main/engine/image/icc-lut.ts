import { createHash } from 'node:crypto';
import { crc32, deflateSync } from 'node:zlib';
import sharp from 'sharp';

/**
 * An embedded colour profile applied after the resize, through a 3-D look-up table, instead of libvips'
 * colour transform at full resolution. lcms builds and runs that transform per image (~6 ms for a
 * 500×375 photo here, more than the decode itself; a 12-megapixel phone photo in Display P3 far more);
 * the table is built once per profile by libvips' own transform of a colour lattice, and costs well
 * under a millisecond per 224×224 output. Converting after the resize instead of before moves pixels by
 * a step or two at most: a change of the decoder's pixels (PIXELS_VERSION 5).
 */

/** Lattice spacing in 8-bit steps: 0, 5, …, 255 (52 nodes per axis, all integers, 255 = 51 × 5). */
export const LUT_STEP = 5;
const STEP = LUT_STEP;
const NODES = 255 / STEP + 1;

/** A profile's table: the sRGB colour (0–255) of each lattice point of the profile, red-major. */
export interface IccLut {
  readonly table: Float32Array;
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

function pngChunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(data, crc32(head.subarray(4, 8))) >>> 0, 0);
  return Buffer.concat([head, data, crc]);
}

/** A PNG `png` with `icc` embedded as its iCCP chunk (after IHDR), so decoding it applies the profile. */
export function withIccChunk(png: Buffer, icc: Buffer): Buffer {
  if (!png.subarray(0, 8).equals(PNG_SIGNATURE)) throw new Error('not a PNG');
  const ihdrEnd = 8 + 12 + png.readUInt32BE(8);
  const data = Buffer.concat([Buffer.from('icc\0\0', 'latin1'), deflateSync(icc)]);
  return Buffer.concat([png.subarray(0, ihdrEnd), pngChunk('iCCP', data), png.subarray(ihdrEnd)]);
}

/** Every lattice colour, 8-bit RGB, red-major. */
function lattice(): Buffer {
  const out = Buffer.alloc(NODES ** 3 * 3);
  let o = 0;
  for (let r = 0; r < NODES; r++)
    for (let g = 0; g < NODES; g++)
      for (let b = 0; b < NODES; b++) {
        out[o++] = r * STEP;
        out[o++] = g * STEP;
        out[o++] = b * STEP;
      }
  return out;
}

async function build(icc: Buffer): Promise<IccLut> {
  const n = NODES ** 3;
  // 8 bits in and out, as a JPEG's pixels take the same transform (libvips' 16-bit path differs).
  const png = await sharp(lattice(), { raw: { width: n, height: 1, channels: 3 } })
    .png({ compressionLevel: 0 })
    .toBuffer();
  const { data, info } = await sharp(withIccChunk(png, icc))
    .toColourspace('srgb')
    .raw()
    .toBuffer({ resolveWithObject: true });
  if (info.channels !== 3 || info.width !== n || info.height !== 1 || data.byteLength !== n * 3)
    throw new Error(`unexpected colour table ${info.width}×${info.height}×${info.channels}`);
  return { table: Float32Array.from(data) };
}

const tables = new Map<string, Promise<IccLut | null>>();
/** Tables kept at once: each is 1.7 MB; a dataset rarely has more than a handful of profiles. */
const MAX_TABLES = 16;

/**
 * The table for `icc`, built once per profile (by content) and cached; null when the profile is not an
 * RGB one or libvips cannot use it (the caller then lets libvips handle the image at full resolution).
 */
export function iccLut(icc: Buffer): Promise<IccLut | null> {
  // Only RGB profiles: a CMYK or gray JPEG's profile describes other channels (libvips applies those).
  if (icc.length < 20 || icc.subarray(16, 20).toString('latin1') !== 'RGB ') return Promise.resolve(null);
  const key = createHash('sha1').update(icc).digest('hex');
  let t = tables.get(key);
  if (!t) {
    if (tables.size >= MAX_TABLES) tables.delete(tables.keys().next().value!);
    t = build(icc).catch(() => null);
    tables.set(key, t);
  }
  return t;
}

/** Whether the profile's black is sRGB's black (then padding added before the table stays black). */
export function mapsBlackToBlack(lut: IccLut): boolean {
  return lut.table[0] === 0 && lut.table[1] === 0 && lut.table[2] === 0;
}

/**
 * Converts 8-bit RGB pixels in place through `lut`: tetrahedral interpolation between the lattice's
 * nodes (lcms' own method for 3-D tables), rounded to 8 bits.
 */
export function applyIccLut(lut: IccLut, rgb: Uint8Array): void {
  const t = lut.table;
  const sR = NODES * NODES * 3;
  const sG = NODES * 3;
  for (let i = 0; i < rgb.length; i += 3) {
    const r = rgb[i];
    const g = rgb[i + 1];
    const b = rgb[i + 2];
    // Lattice cell and position inside it; a value of 255 sits on the last node (fraction 0).
    const ri = r === 255 ? NODES - 2 : (r / STEP) | 0;
    const gi = g === 255 ? NODES - 2 : (g / STEP) | 0;
    const bi = b === 255 ? NODES - 2 : (b / STEP) | 0;
    const fr = (r - ri * STEP) / STEP;
    const fg = (g - gi * STEP) / STEP;
    const fb = (b - bi * STEP) / STEP;
    const c000 = ri * sR + gi * sG + bi * 3;
    const c111 = c000 + sR + sG + 3;
    // The tetrahedron that holds the point: order the fractions; walk from c000 to c111 along the axes
    // in that order (weights are the differences of successive fractions).
    let c1: number, c2: number, w1: number, w2: number, w3: number;
    if (fr >= fg) {
      if (fg >= fb) {
        c1 = c000 + sR;
        c2 = c1 + sG;
        w1 = fr - fg;
        w2 = fg - fb;
        w3 = fb;
      } else if (fr >= fb) {
        c1 = c000 + sR;
        c2 = c1 + 3;
        w1 = fr - fb;
        w2 = fb - fg;
        w3 = fg;
      } else {
        c1 = c000 + 3;
        c2 = c1 + sR;
        w1 = fb - fr;
        w2 = fr - fg;
        w3 = fg;
      }
    } else if (fb >= fg) {
      c1 = c000 + 3;
      c2 = c1 + sG;
      w1 = fb - fg;
      w2 = fg - fr;
      w3 = fr;
    } else if (fb >= fr) {
      c1 = c000 + sG;
      c2 = c1 + 3;
      w1 = fg - fb;
      w2 = fb - fr;
      w3 = fr;
    } else {
      c1 = c000 + sG;
      c2 = c1 + sR;
      w1 = fg - fr;
      w2 = fr - fb;
      w3 = fb;
    }
    const w0 = 1 - w1 - w2 - w3;
    for (let c = 0; c < 3; c++) {
      const v = w0 * t[c000 + c] + w1 * t[c1 + c] + w2 * t[c2 + c] + w3 * t[c111 + c];
      rgb[i + c] = Math.round(v);
    }
  }
}
