import sharp from 'sharp';
import type { ResizeMode } from '@shared/train';
import type { RgbImage } from './rgb';
import { MAX_PIXELS } from '../dataset/scan';
import { CodedError } from '@shared/errors';
import { isSrgbEquivalent, jpegIccProfile } from './icc';
import { applyIccLut, iccLut, mapsBlackToBlack } from './icc-lut';

export class DecodeError extends CodedError {
  override name = 'DecodeError';
  constructor(message: string) {
    super('BAD_REQUEST', message);
  }
}

/** How each resize mode maps to sharp's `fit`: stretch to fill, crop the centre, or pad with black. */
const RESIZE_FIT: Record<ResizeMode, 'fill' | 'cover' | 'contain'> = {
  stretch: 'fill',
  'center-crop': 'cover',
  letterbox: 'contain',
};

/** Keep sharp's own thread pool modest: the tfjs engines need the cores. */
sharp.concurrency(1);
sharp.cache(false);

/**
 * Decode any image sharp reads into `width`×`height` 8-bit RGB: EXIF orientation applied, alpha flattened
 * onto white, grayscale/CMYK/16-bit converted, first frame of animations, embedded ICC profiles applied
 * (converted to sRGB) unless they are sRGB already (image/icc.ts): a JPEG's RGB profile after the resize,
 * by table (image/icc-lut.ts), any other by libvips at full resolution.
 * Any change to the pixels this returns must bump PIXELS_VERSION (image/version.ts).
 */
export async function decodeImage(
  input: string | Buffer,
  width: number,
  height: number,
  mode: ResizeMode,
): Promise<RgbImage> {
  // libvips' error buffer is shared by its threads, so a failure's message can be lost to another
  // decode clearing it ("Unknown error"). Failing files are rare: retry them for a reason the user can act on.
  for (let attempt = 1; ; attempt++) {
    try {
      return await decodeOnce(input, width, height, mode);
    } catch (e) {
      if (attempt >= 3 || !(e instanceof DecodeError) || !/unknown error|^cannot decode: $/i.test(e.message))
        throw e;
    }
  }
}

async function decodeOnce(
  input: string | Buffer,
  width: number,
  height: number,
  mode: ResizeMode,
): Promise<RgbImage> {
  // Embedded ICC profiles are applied (to sRGB): ignoring them all, as PIL does, changed Adobe RGB photos'
  // colours and the reference run's accuracy. A profile that is sRGB already is skipped (no pixel moves).
  const icc = typeof input === 'string' ? null : jpegIccProfile(input);
  const srgb = icc ? await isSrgbEquivalent(icc) : false;
  let lut = icc && !srgb ? await iccLut(icc) : null;
  // Letterbox padding is black in sRGB: a table must leave it black to be applied after the pad.
  if (lut && mode === 'letterbox' && !mapsBlackToBlack(lut)) lut = null;
  const ignoreIcc = srgb || lut !== null;
  try {
    const { data, info } = await sharp(input, {
      limitInputPixels: MAX_PIXELS,
      failOn: 'truncated',
      pages: 1,
      ignoreIcc,
    })
      .rotate()
      .flatten({ background: { r: 255, g: 255, b: 255 } })
      .toColourspace('srgb')
      .resize(width, height, {
        fit: RESIZE_FIT[mode],
        position: 'centre',
        background: { r: 0, g: 0, b: 0 },
      })
      .removeAlpha()
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 3 || info.width !== width || info.height !== height)
      throw new DecodeError(`unexpected decode result ${info.width}×${info.height}×${info.channels}`);
    const rgb = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    if (lut) applyIccLut(lut, rgb);
    return { width, height, data: rgb };
  } catch (e) {
    if (e instanceof DecodeError) throw e;
    throw new DecodeError(`cannot decode: ${String((e as Error).message ?? e).split('\n')[0]}`);
  }
}
