/** Decode + preprocess on real photos and on images with a known pattern (made with sharp). */
import path from 'node:path';
import zlib from 'node:zlib';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { DecodeError, decodeImage } from '../../src/main/engine/image/decode';
import { preprocess, preprocessInto } from '../../src/main/engine/image/preprocess';
import type { RgbImage } from '../../src/main/engine/image/rgb';
import { HYMENOPTERA } from '../helpers/bad-dataset';

/** 768×512, landscape 3:2. */
const PHOTO = path.join(HYMENOPTERA, 'train', 'ants', '0013035.jpg');

const px = (img: RgbImage, x: number, y: number) => {
  const i = (y * img.width + x) * 3;
  return [img.data[i], img.data[i + 1], img.data[i + 2]];
};
const rowMax = (img: RgbImage, y: number) =>
  Math.max(...img.data.subarray(y * img.width * 3, (y + 1) * img.width * 3));
const colMax = (img: RgbImage, x: number) => {
  let m = 0;
  for (let y = 0; y < img.height; y++) m = Math.max(m, ...px(img, x, y));
  return m;
};
function meanAbsDiff(a: RgbImage, b: RgbImage): number {
  expect([a.width, a.height]).toEqual([b.width, b.height]);
  let s = 0;
  for (let i = 0; i < a.data.length; i++) s += Math.abs(a.data[i] - b.data[i]);
  return s / a.data.length;
}
/** Solid-colour bands left to right, as a PNG. */
async function bands(
  width: number,
  height: number,
  colours: [number, number, number, number][],
): Promise<Buffer> {
  const data = Buffer.alloc(width * height * 4);
  const bandW = width / colours.length;
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) data.set(colours[Math.floor(x / bandW)], (y * width + x) * 4);
  return sharp(data, { raw: { width, height, channels: 4 } })
    .png()
    .toBuffer();
}

describe('decodeImage: resize modes on a non-square real photo', () => {
  it.each(['stretch', 'center-crop', 'letterbox'] as const)(
    '%s gives the requested size, 3 channels',
    async (mode) => {
      for (const [w, h] of [
        [224, 224],
        [160, 96],
        [90, 150],
      ]) {
        const img = await decodeImage(PHOTO, w, h, mode);
        expect([img.width, img.height]).toEqual([w, h]);
        expect(img.data).toBeInstanceOf(Uint8Array);
        expect(img.data.length).toBe(w * h * 3);
      }
    },
  );

  it('the three modes differ, and stretch keeps the whole frame', async () => {
    const [s, c, l] = await Promise.all(
      (['stretch', 'center-crop', 'letterbox'] as const).map((m) => decodeImage(PHOTO, 224, 224, m)),
    );
    expect(meanAbsDiff(s, c)).toBeGreaterThan(5);
    expect(meanAbsDiff(s, l)).toBeGreaterThan(5);
    // Stretch = the photo squeezed to 224×224, as a plain sharp resize does it.
    const ref = await sharp(PHOTO).resize(224, 224, { fit: 'fill' }).removeAlpha().raw().toBuffer();
    expect(meanAbsDiff(s, { width: 224, height: 224, data: new Uint8Array(ref) })).toBeLessThan(1);
  });

  it('letterbox puts black bars above and below a landscape photo', async () => {
    const img = await decodeImage(PHOTO, 224, 224, 'letterbox');
    // 768×512 scaled to width 224 is ≈149 rows tall: ≈37 black rows each side.
    const content = Math.round((224 * 512) / 768);
    let top = 0;
    while (rowMax(img, top) === 0) top++;
    let bottom = 0;
    while (rowMax(img, 223 - bottom) === 0) bottom++;
    expect(top + bottom).toBeGreaterThanOrEqual(224 - content - 1);
    expect(top + bottom).toBeLessThanOrEqual(224 - content + 1);
    expect(Math.abs(top - bottom)).toBeLessThanOrEqual(1);
    // The columns are all photo: no bars on the sides.
    expect(colMax(img, 0)).toBeGreaterThan(0);
    expect(colMax(img, 223)).toBeGreaterThan(0);
    // The band between the bars is the photo, resized to fit.
    const mid = await decodeImage(PHOTO, 224, content, 'stretch');
    const band: RgbImage = {
      width: 224,
      height: content,
      data: img.data.subarray(top * 224 * 3, (top + content) * 224 * 3),
    };
    expect(meanAbsDiff(band, mid)).toBeLessThan(4);
  });

  it('letterbox puts the bars left and right of a portrait photo', async () => {
    const portrait = await sharp(PHOTO).rotate(90).jpeg({ quality: 95 }).toBuffer();
    const img = await decodeImage(portrait, 224, 224, 'letterbox');
    let left = 0;
    while (colMax(img, left) === 0) left++;
    let right = 0;
    while (colMax(img, 223 - right) === 0) right++;
    expect(left).toBeGreaterThanOrEqual(35);
    expect(right).toBeGreaterThanOrEqual(35);
    expect(rowMax(img, 0)).toBeGreaterThan(0);
  });

  it('center-crop keeps the centre of a known pattern', async () => {
    // 300×100: red | green | blue thirds. A centred square crop is exactly the green third.
    const png = await bands(300, 100, [
      [255, 0, 0, 255],
      [0, 255, 0, 255],
      [0, 0, 255, 255],
    ]);
    const crop = await decodeImage(png, 50, 50, 'center-crop');
    for (let y = 0; y < 50; y++)
      for (let x = 0; x < 50; x++) {
        const [r, g, b] = px(crop, x, y);
        expect(g).toBeGreaterThan(230);
        // Only the outermost columns may pick up a trace of the neighbours through the resize kernel.
        if (x > 1 && x < 48) expect(Math.max(r, b)).toBeLessThan(10);
      }
    // Stretch of the same keeps all three bands.
    const full = await decodeImage(png, 60, 20, 'stretch');
    expect(px(full, 2, 10)).toEqual([255, 0, 0]);
    expect(px(full, 30, 10)).toEqual([0, 255, 0]);
    expect(px(full, 57, 10)).toEqual([0, 0, 255]);
  });
});

describe('decodeImage: colour handling', () => {
  it('flattens alpha onto white', async () => {
    // Transparent black | half-transparent black | opaque red.
    const png = await bands(36, 12, [
      [0, 0, 0, 0],
      [0, 0, 0, 128],
      [255, 0, 0, 255],
    ]);
    expect((await sharp(png).metadata()).channels).toBe(4);
    const img = await decodeImage(png, 36, 12, 'stretch');
    expect(img.data.length).toBe(36 * 12 * 3);
    for (let y = 0; y < 12; y++) {
      expect(px(img, 5, y)).toEqual([255, 255, 255]);
      for (const v of px(img, 17, y)) expect(Math.abs(v - 127)).toBeLessThanOrEqual(2);
      expect(px(img, 30, y)).toEqual([255, 0, 0]);
    }
  });

  it('a real RGBA photo: transparent part white, opaque part the photo', async () => {
    const { data, info } = await sharp(PHOTO)
      .resize(120, 80, { fit: 'fill' })
      .ensureAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
    for (let y = 0; y < 80; y++) for (let x = 0; x < 40; x++) data[(y * 120 + x) * 4 + 3] = 0;
    const png = await sharp(data, { raw: { width: info.width, height: info.height, channels: 4 } })
      .png()
      .toBuffer();
    const img = await decodeImage(png, 120, 80, 'stretch');
    const plain = await decodeImage(PHOTO, 120, 80, 'stretch');
    for (let y = 0; y < 80; y++) {
      expect(px(img, 10, y)).toEqual([255, 255, 255]);
      expect(px(img, 80, y)).toEqual(px(plain, 80, y));
    }
  });

  it('grayscale → three equal channels, close to the colour photo’s luminance', async () => {
    const gray = await sharp(PHOTO).toColourspace('b-w').jpeg({ quality: 95 }).toBuffer();
    expect((await sharp(gray).metadata()).channels).toBe(1);
    const img = await decodeImage(gray, 96, 64, 'stretch');
    for (let i = 0; i < img.data.length; i += 3) {
      expect(img.data[i + 1]).toBe(img.data[i]);
      expect(img.data[i + 2]).toBe(img.data[i]);
    }
    const colour = await decodeImage(PHOTO, 96, 64, 'stretch');
    let diff = 0;
    for (let i = 0; i < colour.data.length; i += 3) {
      const luma = 0.2126 * colour.data[i] + 0.7152 * colour.data[i + 1] + 0.0722 * colour.data[i + 2];
      diff += Math.abs(luma - img.data[i]);
    }
    expect(diff / (colour.data.length / 3)).toBeLessThan(12);
  });

  it('CMYK jpeg → RGB close to the original', async () => {
    const cmyk = await sharp(PHOTO).toColourspace('cmyk').jpeg({ quality: 95 }).toBuffer();
    expect((await sharp(cmyk).metadata()).space).toBe('cmyk');
    const img = await decodeImage(cmyk, 96, 64, 'stretch');
    const ref = await decodeImage(PHOTO, 96, 64, 'stretch');
    // Without an ICC profile the round trip is approximate, but channels are neither inverted nor swapped.
    expect(meanAbsDiff(img, ref)).toBeLessThan(20);
  });

  it('16-bit PNG → the same 8-bit pixels', async () => {
    const deep = await sharp(PHOTO).toColourspace('rgb16').png().toBuffer();
    expect((await sharp(deep).metadata()).depth).toBe('ushort');
    const img = await decodeImage(deep, 96, 64, 'stretch');
    const ref = await decodeImage(PHOTO, 96, 64, 'stretch');
    expect(meanAbsDiff(img, ref)).toBeLessThan(1.5);
  });

  it('applies EXIF orientation: same pixels as a physically rotated copy', async () => {
    const stored = await sharp(PHOTO).resize(192, 128, { fit: 'fill' }).jpeg({ quality: 95 }).toBuffer();
    const tagged = await sharp(stored).withMetadata({ orientation: 6 }).jpeg({ quality: 95 }).toBuffer();
    expect((await sharp(tagged).metadata()).orientation).toBe(6);
    // The tagged file's own stored pixels, turned 90° clockwise (what orientation 6 asks for).
    const upright = await sharp(await sharp(tagged).png().toBuffer())
      .rotate(90)
      .png()
      .toBuffer();
    expect((await sharp(upright).metadata()).width).toBe(128);
    const a = await decodeImage(tagged, 128, 192, 'stretch');
    const b = await decodeImage(upright, 128, 192, 'stretch');
    expect(meanAbsDiff(a, b)).toBeLessThan(1);
    // Guard: ignoring the tag (or turning the other way) would look very different.
    const wrongWay = await decodeImage(
      await sharp(await sharp(tagged).png().toBuffer())
        .rotate(270)
        .png()
        .toBuffer(),
      128,
      192,
      'stretch',
    );
    expect(meanAbsDiff(a, wrongWay)).toBeGreaterThan(20);
  });

  it('takes the first frame of an animated GIF', async () => {
    const frame = (hex: string) =>
      sharp({ create: { width: 40, height: 30, channels: 3, background: hex } })
        .png()
        .toBuffer();
    const gif = await sharp(await Promise.all([frame('#ff0000'), frame('#0000ff')]), {
      join: { animated: true },
    })
      .gif()
      .toBuffer();
    expect((await sharp(gif).metadata()).pages).toBe(2);
    const img = await decodeImage(gif, 20, 20, 'stretch');
    for (let i = 0; i < img.data.length; i += 3)
      expect([img.data[i], img.data[i + 1], img.data[i + 2]]).toEqual([255, 0, 0]);
  });

  it('webp and tiff decode like the jpeg they came from', async () => {
    const ref = await decodeImage(PHOTO, 96, 64, 'stretch');
    for (const buf of [
      await sharp(PHOTO).webp({ quality: 95 }).toBuffer(),
      await sharp(PHOTO).tiff().toBuffer(),
    ]) {
      expect(meanAbsDiff(await decodeImage(buf, 96, 64, 'stretch'), ref)).toBeLessThan(3);
    }
  });
});

describe('decodeImage: failures', () => {
  it('garbage, empty and truncated input → DecodeError with a reason', async () => {
    const jpeg = await sharp(PHOTO).jpeg().toBuffer();
    const cases: [Buffer, RegExp][] = [
      [Buffer.from('not an image at all'), /unsupported image format/i],
      [Buffer.alloc(0), /cannot decode/],
      [jpeg.subarray(0, Math.floor(jpeg.length * 0.6)), /premature end/i],
    ];
    for (const [buf, reason] of cases) {
      const err = await decodeImage(buf, 32, 32, 'stretch').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DecodeError);
      expect((err as Error).message).toMatch(reason);
    }
  });

  it('refuses an image claiming more pixels than MAX_PIXELS', async () => {
    const png = Buffer.from(
      await sharp({ create: { width: 8, height: 8, channels: 3, background: '#808080' } })
        .png()
        .toBuffer(),
    );
    png.writeUInt32BE(20000, 16);
    png.writeUInt32BE(20000, 20);
    png.writeUInt32BE(zlib.crc32(png.subarray(12, 29)), 29);
    const err = await decodeImage(png, 32, 32, 'stretch').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DecodeError);
    expect((err as Error).message).toMatch(/pixel limit/i);
  });
});

describe('preprocess', () => {
  // Two pixels: (R,G,B) = (0,128,255) and (10,20,30).
  let img: RgbImage;
  beforeAll(() => {
    img = { width: 2, height: 1, data: Uint8Array.from([0, 128, 255, 10, 20, 30]) };
  });

  it('tf: x/127.5 − 1', () => {
    const out = preprocess(img, 'tf');
    const expected = [-1, 0.00392157, 1, -0.92156863, -0.84313725, -0.76470588];
    expected.forEach((v, i) => expect(out[i]).toBeCloseTo(v, 5));
  });

  it('caffe: BGR order minus the ImageNet BGR mean', () => {
    const out = preprocess(img, 'caffe');
    // Pixel 0: B=255, G=128, R=0; pixel 1: B=30, G=20, R=10.
    const expected = [151.061, 11.221, -123.68, -73.939, -96.779, -113.68];
    expected.forEach((v, i) => expect(out[i]).toBeCloseTo(v, 3));
  });

  it('torch: x/255 minus mean, over std, RGB order', () => {
    const out = preprocess(img, 'torch');
    const expected = [-2.117904, 0.205182, 2.64, -1.946656, -1.685574, -1.281569];
    expected.forEach((v, i) => expect(out[i]).toBeCloseTo(v, 4));
  });

  it('none: raw 0–255', () => {
    expect(Array.from(preprocess(img, 'none'))).toEqual([0, 128, 255, 10, 20, 30]);
  });

  it('preprocessInto writes at the offset and leaves the rest alone', () => {
    const out = new Float32Array(10).fill(7);
    preprocessInto(img, 'tf', out, 2);
    expect(out[0]).toBe(7);
    expect(out[1]).toBe(7);
    expect(out[2]).toBeCloseTo(-1, 6);
    expect(out[4]).toBeCloseTo(1, 6);
    expect(out[8]).toBe(7);
  });

  it('a real decoded photo lands in [-1, 1] for tf', async () => {
    const out = preprocess(await decodeImage(PHOTO, 224, 224, 'stretch'), 'tf');
    expect(out.length).toBe(224 * 224 * 3);
    let min = Infinity;
    let max = -Infinity;
    for (const v of out) {
      min = Math.min(min, v);
      max = Math.max(max, v);
    }
    expect(min).toBeGreaterThanOrEqual(-1);
    expect(max).toBeLessThanOrEqual(1);
    expect(max - min).toBeGreaterThan(1);
  });
});
