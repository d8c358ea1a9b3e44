import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';

/**
 * Embedded colour profiles that are sRGB in all but name ("sRGB IEC61966-2.1", camera makers' sRGB
 * variants: most photos that carry a profile) make libvips run a full-resolution colour transform that
 * changes no pixel by more than a rounding step. Skipping exactly those saves ~5 ms per such photo; any
 * other profile (Adobe RGB, ProPhoto, camera or generic RGB) is still applied.
 */

/** A transform counts as the identity when no colour of the probe moves by more than this (of 255). */
export const SRGB_EQUIVALENT_MAX_DIFF = 1;

const APP2 = 0xe2;
const ICC_TAG = Buffer.from('ICC_PROFILE\0', 'latin1');

/**
 * The ICC profile embedded in a JPEG (APP2 "ICC_PROFILE" segments, reassembled in sequence order), or
 * null when there is none or the file is not a JPEG. Reads markers up to the first scan only.
 */
export function jpegIccProfile(bytes: Uint8Array): Buffer | null {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.length < 4 || buf[0] !== 0xff || buf[1] !== 0xd8) return null;
  const chunks = new Map<number, Buffer>();
  let count = 0;
  let i = 2;
  while (i + 4 <= buf.length) {
    if (buf[i] !== 0xff) return null; // not a marker where one must be: let libvips judge the file
    const marker = buf[i + 1];
    if (marker === 0xff) {
      i++; // fill byte
      continue;
    }
    if (marker === 0xda || marker === 0xd9) break; // start of scan / end of image
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      i += 2;
      continue;
    }
    const len = buf.readUInt16BE(i + 2);
    const start = i + 4;
    const end = i + 2 + len;
    if (len < 2 || end > buf.length) return null;
    if (marker === APP2 && len >= 16 && buf.subarray(start, start + 12).equals(ICC_TAG)) {
      const seq = buf[start + 12];
      count = buf[start + 13];
      chunks.set(seq, buf.subarray(start + 14, end));
    }
    i = end;
  }
  if (count === 0 || chunks.size !== count) return null;
  const parts: Buffer[] = [];
  for (let s = 1; s <= count; s++) {
    const part = chunks.get(s);
    if (!part) return null;
    parts.push(part);
  }
  return Buffer.concat(parts);
}

/** Every 8-bit colour on a 17-step grid per channel (0, 16, …, 255): the probe for a transform. */
function colourGrid(): { data: Buffer; width: number; height: number } {
  const steps = Array.from({ length: 17 }, (_, k) => Math.min(255, k * 16));
  const n = steps.length ** 3;
  const data = Buffer.alloc(n * 3);
  let o = 0;
  for (const r of steps)
    for (const g of steps)
      for (const b of steps) {
        data[o++] = r;
        data[o++] = g;
        data[o++] = b;
      }
  return { data, width: n, height: 1 };
}

const verdicts = new Map<string, Promise<boolean>>();

/**
 * Whether converting from `icc` to sRGB (what libvips does for an embedded profile) moves no colour by
 * more than SRGB_EQUIVALENT_MAX_DIFF. Measured, not guessed from the profile's name: the probe grid is
 * converted from sRGB into the profile (libvips' own transform); if that is the identity within a
 * step, so is its inverse. A profile libvips cannot use as a destination is treated as different.
 * Cached per profile (by content) for the life of the process.
 */
export function isSrgbEquivalent(icc: Buffer): Promise<boolean> {
  const key = createHash('sha1').update(icc).digest('hex');
  let v = verdicts.get(key);
  if (!v) {
    v = probe(icc).catch(() => false);
    verdicts.set(key, v);
  }
  return v;
}

async function probe(icc: Buffer): Promise<boolean> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'ts-icc-'));
  try {
    const file = path.join(dir, 'profile.icc');
    await writeFile(file, icc);
    const grid = colourGrid();
    const out = await sharp(grid.data, { raw: { width: grid.width, height: grid.height, channels: 3 } })
      .withIccProfile(file, { attach: false })
      .raw()
      .toBuffer({ resolveWithObject: true });
    if (out.info.channels !== 3 || out.data.length !== grid.data.length) return false;
    for (let i = 0; i < grid.data.length; i++)
      if (Math.abs(out.data[i] - grid.data[i]) > SRGB_EQUIVALENT_MAX_DIFF) return false;
    return true;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
