/** Embedded colour profiles on the shared photos: sRGB ones skipped without changing a pixel, others applied. */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { readdirSync } from 'node:fs';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeImage } from '../../src/main/engine/image/decode';
import { isSrgbEquivalent, jpegIccProfile } from '../../src/main/engine/image/icc';
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

/** What libvips makes of the photo with its profile applied (the reference) or ignored. */
async function viaSharp(bytes: Buffer, ignoreIcc: boolean): Promise<Buffer> {
  return sharp(bytes, { ignoreIcc }).resize(224, 224, { fit: 'fill' }).raw().toBuffer();
}

function maxDiff(a: Uint8Array, b: Uint8Array): number {
  expect(a.length).toBe(b.length);
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
  return d;
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

  it('decodes every photo with a profile as the fully colour-managed decode does (within one step)', async () => {
    let skipped = 0;
    let applied = 0;
    for (const p of photos.filter((q) => q.icc)) {
      const ours = await decodeImage(p.bytes, 224, 224, 'stretch');
      const managed = await viaSharp(p.bytes, false);
      expect(maxDiff(ours.data, managed), p.file).toBeLessThanOrEqual(1);
      if (await isSrgbEquivalent(p.icc!)) skipped++;
      else {
        // Where the profile matters, ignoring it would have been visibly different: it is applied.
        expect(maxDiff(await viaSharp(p.bytes, true), managed), p.file).toBeGreaterThan(5);
        applied++;
      }
    }
    expect(skipped).toBeGreaterThan(0);
    expect(applied).toBeGreaterThan(0);
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
