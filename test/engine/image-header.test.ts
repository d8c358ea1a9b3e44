/** The JS header reader answers exactly as libvips does, or defers to it. */
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readImageHeader } from '../../src/main/engine/image/header';
import { HYMENOPTERA, makeBadDataset } from '../helpers/bad-dataset';

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'image-header-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true }))
    if (e.isFile() || e.isSymbolicLink()) out.push(path.join(e.parentPath, e.name));
  return out.sort();
}

/** What the scan used to take from libvips: format and upright size, or null if it has no answer. */
async function viaSharp(file: string) {
  try {
    const m = await sharp(file, { limitInputPixels: false }).metadata();
    return { format: m.format, width: m.autoOrient.width, height: m.autoOrient.height };
  } catch {
    return null;
  }
}

describe('readImageHeader', () => {
  it('matches libvips on every shared photo (all answered in JS)', async () => {
    const files = await filesUnder(HYMENOPTERA);
    let answered = 0;
    for (const f of files) {
      const ours = await readImageHeader(f);
      if (!/\.jpe?g$/i.test(f)) continue;
      expect(ours, f).not.toBeNull();
      expect(ours, f).toEqual(await viaSharp(f));
      answered++;
    }
    expect(answered).toBeGreaterThan(390);
  });

  it('on a folder of odd and broken files, answers only where libvips agrees', async () => {
    const bad = await makeBadDataset(tmp);
    let answered = 0;
    for (const f of await filesUnder(bad.root)) {
      const ours = await readImageHeader(f);
      if (ours === null) continue;
      answered++;
      expect(ours, f).toEqual(await viaSharp(f));
    }
    // The copies, CMYK, grayscale, EXIF-rotated, PNGs, the truncated JPEG (its header is whole), the huge PNG.
    expect(answered).toBeGreaterThanOrEqual(12);
    for (const rel of ['ants/corrupt.jpg', 'bees/notes.jpg', 'ants/zero-bytes.jpg', 'ants/photo.webp'])
      expect(await readImageHeader(path.join(bad.root, rel)), rel).toBeNull();
  });

  it('applies every EXIF orientation as libvips does', async () => {
    const src = sharp({ create: { width: 40, height: 24, channels: 3, background: '#468' } });
    for (let o = 1; o <= 8; o++) {
      const f = path.join(tmp, `o${o}.jpg`);
      await src.clone().jpeg().withMetadata({ orientation: o }).toFile(f);
      const ours = await readImageHeader(f);
      expect(ours, `orientation ${o}`).toEqual(await viaSharp(f));
      expect(ours!.width, `orientation ${o}`).toBe(o >= 5 ? 24 : 40);
    }
  });

  it('defers a JPEG whose header is cut before its first scan, and non-JPEG/PNG files', async () => {
    const whole = await sharp({ create: { width: 64, height: 48, channels: 3, background: '#123' } })
      .jpeg()
      .toBuffer();
    const sos = whole.indexOf(Buffer.from([0xff, 0xda]));
    const cut = path.join(tmp, 'cut.jpg');
    await sharp(whole).toFile(path.join(tmp, 'whole.jpg'));
    await writeFile(cut, whole.subarray(0, sos - 10));
    expect(await readImageHeader(path.join(tmp, 'whole.jpg'))).toEqual({
      format: 'jpeg',
      width: 64,
      height: 48,
    });
    expect(await readImageHeader(cut)).toBeNull();
    const gif = path.join(tmp, 'a.gif');
    await sharp(whole).gif().toFile(gif);
    expect(await readImageHeader(gif)).toBeNull();
    expect(await readImageHeader(path.join(tmp, 'missing.jpg'))).toBeNull();
  });
});
