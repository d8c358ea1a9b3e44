/** RGB pixels and image files → small JPEG data URLs for the renderer. */
import sharp from 'sharp';
import type { RgbImage } from '../../engine/image/rgb';

export async function rgbToDataUrl(img: RgbImage, quality = 82): Promise<string> {
  const jpeg = await sharp(Buffer.from(img.data.buffer, img.data.byteOffset, img.data.byteLength), {
    raw: { width: img.width, height: img.height, channels: 3 },
  })
    .jpeg({ quality })
    .toBuffer();
  return `data:image/jpeg;base64,${jpeg.toString('base64')}`;
}

/** A square thumbnail of an encoded image, or null when it does not decode. */
export async function thumbDataUrl(bytes: Uint8Array, size = 112): Promise<string | null> {
  try {
    const jpeg = await sharp(bytes, { failOn: 'truncated', pages: 1 })
      .rotate()
      .resize(size, size, { fit: 'cover' })
      .flatten({ background: '#ffffff' })
      .jpeg({ quality: 75 })
      .toBuffer();
    return `data:image/jpeg;base64,${jpeg.toString('base64')}`;
  } catch {
    return null;
  }
}
