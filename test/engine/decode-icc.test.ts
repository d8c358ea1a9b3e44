/** Embedded colour profiles on the shared photos: sRGB ones skipped without changing a pixel, others applied. */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { readdirSync } from 'node:fs';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeImage } from '../../src/main/engine/image/decode';
import { isSrgbEquivalent, jpegIccProfile } from '../../src/main/engine/image/icc';
import { iccLut, withIccChunk } from '../../src/main/engine/image/icc-lut';
import { HYMENOPTERA } from '../helpers/bad-dataset';

interface Photo {
  file: string;
  bytes: Buffer;
  icc: Buffer | null;
}

const photos: Photo[] = [];

beforeAll(async () => {
  for (const split of ['train', 'val'])
    for (const cls of ['ants', 'bees']) {
      const dir = path.join(HYMENOPTERA, split, cls);
      for (const name of readdirSync(dir).filter((n) => n.endsWith('.jpg'))) {
        const bytes = await readFile(path.join(dir, name));
        photos.push({ file: name, bytes, icc: jpegIccProfile(bytes) });
      }
    }
});

/** What libvips makes of the photo with its profile applied at full resolution (the reference) or ignored. */
async function viaSharp(bytes: Buffer, ignoreIcc: boolean): Promise<Buffer> {
  return sharp(bytes, { ignoreIcc }).resize(224, 224, { fit: 'fill' }).raw().toBuffer();
}

/** libvips' own transform of already-resized pixels from `icc` to sRGB: what the table approximates. */
async function transformed(rgb: Buffer, icc: Buffer): Promise<Buffer> {
  const png = await sharp(rgb, { raw: { width: 224, height: 224, channels: 3 } })
    .png()
    .toBuffer();
  return sharp(withIccChunk(png, icc)).toColourspace('srgb').raw().toBuffer();
}

function maxDiff(a: Uint8Array, b: Uint8Array): number {
  expect(a.length).toBe(b.length);
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
  return d;
}

/** Sum of |a − b| and how many values differ by more than `over`. */
function diffs(a: Uint8Array, b: Uint8Array, over: number): { sum: number; beyond: number } {
  expect(a.length).toBe(b.length);
  let sum = 0;
  let beyond = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    sum += d;
    if (d > over) beyond++;
  }
  return { sum, beyond };
}

describe('embedded ICC profiles', () => {
  it('the JPEG marker reader finds exactly the profile libvips reads, on every photo', async () => {
    let withProfile = 0;
    for (const p of photos) {
      const meta = await sharp(p.bytes).metadata();
      expect(p.icc?.equals(meta.icc!) ?? meta.icc === undefined, p.file).toBe(true);
      if (p.icc) withProfile++;
    }
    expect(withProfile).toBeGreaterThan(100);
  });

  it('sRGB-equivalent profiles are recognised by measurement, others (Adobe RGB, ProPhoto…) are not', async () => {
    const verdict = new Map<string, boolean>();
    for (const p of photos.filter((q) => q.icc))
      verdict.set(p.icc!.toString('base64'), await isSrgbEquivalent(p.icc!));
    const yes = [...verdict.values()].filter(Boolean).length;
    expect(yes).toBeGreaterThan(0);
    expect(verdict.size - yes).toBeGreaterThan(0);
    // The profile's own description names it; ProPhoto and Adobe RGB are far from sRGB.
    for (const [b64, same] of verdict) {
      const text = Buffer.from(b64, 'base64').toString('latin1');
      if (/Adobe RGB|ProPhoto/.test(text)) expect(same).toBe(false);
    }
  });

  it('sRGB-equivalent profiles are skipped: the colour-managed decode within one step', async () => {
    let skipped = 0;
    for (const p of photos.filter((q) => q.icc)) {
      if (!(await isSrgbEquivalent(p.icc!))) continue;
      const ours = await decodeImage(p.bytes, 224, 224, 'stretch');
      expect(maxDiff(ours.data, await viaSharp(p.bytes, false)), p.file).toBeLessThanOrEqual(1);
      skipped++;
    }
    expect(skipped).toBeGreaterThan(100);
  });

  it('other profiles are applied after the resize by table: as libvips transforms the same pixels, and close to the full-resolution decode', async () => {
    let applied = 0;
    let values = 0;
    const table = { sum: 0, beyond: 0 };
    const full = { sum: 0, beyond: 0 };
    for (const p of photos.filter((q) => q.icc)) {
      if (await isSrgbEquivalent(p.icc!)) continue;
      const ours = await decodeImage(p.bytes, 224, 224, 'stretch');
      const ignored = await viaSharp(p.bytes, true);
      const managed = await viaSharp(p.bytes, false);
      // Where the profile matters, ignoring it would have been visibly different: it is applied.
      expect(maxDiff(ignored, managed), p.file).toBeGreaterThan(5);
      expect(maxDiff(ours.data, ignored), p.file).toBeGreaterThan(5);
      const t = diffs(ours.data, await transformed(ignored, p.icc!), 1);
      const f = diffs(ours.data, managed, 2);
      // Per photo: on average within half a step of libvips on the same pixels, ~a step of the full decode.
      expect(t.sum / ours.data.length, p.file).toBeLessThan(0.5);
      expect(f.sum / ours.data.length, p.file).toBeLessThan(1.5);
      table.sum += t.sum;
      table.beyond += t.beyond;
      full.sum += f.sum;
      full.beyond += f.beyond;
      values += ours.data.length;
      applied++;
    }
    expect(applied).toBeGreaterThan(20);
    // The table's own error (tetrahedral interpolation on a 5-step lattice): 99.5% of values within one step.
    expect(table.sum / values).toBeLessThan(0.2);
    expect(table.beyond / values).toBeLessThan(0.005);
    // Transforming after the resize instead of before: a mean under half a step; larger only at
    // saturated edges, where clipping to sRGB before or after averaging differs.
    expect(full.sum / values).toBeLessThan(0.5);
    expect(full.beyond / values).toBeLessThan(0.05);
  });

  it('letterbox padding stays black through a profile', async () => {
    let checked = 0;
    for (const p of photos.filter((q) => q.icc)) {
      if (await isSrgbEquivalent(p.icc!)) continue;
      const { width = 0, height = 0 } = await sharp(p.bytes).metadata();
      if (width < height * 1.2) continue; // a clearly landscape photo: its top and bottom rows are padding
      const img = await decodeImage(p.bytes, 224, 224, 'letterbox');
      for (const y of [0, 223])
        for (let x = 0; x < 224; x += 37) {
          const at = (y * 224 + x) * 3;
          expect([...img.data.subarray(at, at + 3)], p.file).toEqual([0, 0, 0]);
        }
      checked++;
    }
    expect(checked).toBeGreaterThan(5);
  });

  it('a profile split over several APP2 segments is reassembled; a missing segment means none', () => {
    const profile = Buffer.from(Array.from({ length: 300 }, (_, i) => i % 251));
    const seg = (seq: number, count: number, body: Buffer) => {
      const payload = Buffer.concat([
        Buffer.from('ICC_PROFILE\0', 'latin1'),
        Buffer.from([seq, count]),
        body,
      ]);
      const head = Buffer.from([0xff, 0xe2, 0, 0]);
      head.writeUInt16BE(payload.length + 2, 2);
      return Buffer.concat([head, payload]);
    };
    const soi = Buffer.from([0xff, 0xd8]);
    const sos = Buffer.from([0xff, 0xda, 0, 2]);
    const two = Buffer.concat([
      soi,
      seg(2, 2, profile.subarray(100)),
      seg(1, 2, profile.subarray(0, 100)),
      sos,
    ]);
    expect(jpegIccProfile(two)?.equals(profile)).toBe(true);
    expect(jpegIccProfile(Buffer.concat([soi, seg(1, 2, profile.subarray(0, 100)), sos]))).toBeNull();
    expect(jpegIccProfile(Buffer.from('GIF89a'))).toBeNull();
  });
});

describe('profiles made here with libvips’ built-in ones', () => {
  it('a Display P3 JPEG goes through the table; a CMYK JPEG with its profile is left to libvips', async () => {
    const photo = photos.find((p) => !p.icc)!.bytes;
    const p3 = await sharp(photo).withIccProfile('p3').jpeg({ quality: 95 }).toBuffer();
    const cmyk = await sharp(photo)
      .toColourspace('cmyk')
      .withIccProfile('cmyk')
      .jpeg({ quality: 95 })
      .toBuffer();
    const p3Profile = jpegIccProfile(p3)!;
    const cmykProfile = jpegIccProfile(cmyk)!;
    expect(p3Profile.subarray(16, 20).toString('latin1')).toBe('RGB ');
    expect(cmykProfile.subarray(16, 20).toString('latin1')).toBe('CMYK');
    expect(await isSrgbEquivalent(p3Profile)).toBe(false);
    expect(await iccLut(p3Profile)).not.toBeNull();
    expect(await iccLut(cmykProfile)).toBeNull();

    // P3: the table after the resize, close to libvips' full-resolution transform.
    const ours = await decodeImage(p3, 224, 224, 'stretch');
    const d = diffs(ours.data, await viaSharp(p3, false), 2);
    expect(d.sum / ours.data.length).toBeLessThan(0.5);
    expect(maxDiff(await viaSharp(p3, true), await viaSharp(p3, false))).toBeGreaterThan(5);
    // CMYK: exactly libvips' own colour-managed decode.
    const c = await decodeImage(cmyk, 224, 224, 'stretch');
    expect(maxDiff(c.data, await viaSharp(cmyk, false))).toBe(0);
  });
});
