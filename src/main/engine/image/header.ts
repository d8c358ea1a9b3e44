import { open, type FileHandle } from 'node:fs/promises';

/**
 * Width, height (after EXIF orientation) and format of a JPEG or PNG read from its header in JS: a
 * dataset scan checks every file's header, and asking libvips costs ~1.5 ms per file (100k photos:
 * minutes), reading a few kB here ~0.05 ms. Only answers when the header is plainly well-formed —
 * every marker segment up to the first scan (JPEG) or every chunk up to the image data (PNG) parsed;
 * anything else (other formats, odd or damaged headers, a PNG with EXIF) returns null, and the caller
 * asks libvips, whose verdict and message then stand.
 */
export interface ImageHeader {
  format: 'jpeg' | 'png';
  width: number;
  height: number;
}

const FIRST_READ = 16 * 1024;
/** Headers larger than this (huge EXIF thumbnails, many ICC segments) go to libvips. */
const MAX_HEADER = 1024 * 1024;

export async function readImageHeader(file: string): Promise<ImageHeader | null> {
  let fh: FileHandle;
  try {
    fh = await open(file, 'r');
  } catch {
    return null;
  }
  try {
    const reader = new HeaderReader(fh);
    await reader.ensure(0, 8);
    const head = reader.buf;
    if (head.length >= 3 && head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff)
      return await jpeg(reader);
    if (head.length >= 8 && head.subarray(0, 8).equals(PNG_SIGNATURE)) return await png(reader);
    return null;
  } catch {
    return null;
  } finally {
    await fh.close().catch(() => undefined);
  }
}

/** The file's first bytes, grown on demand (headers are usually within the first read). */
class HeaderReader {
  buf = Buffer.alloc(0);
  private eof = false;
  constructor(private fh: FileHandle) {}

  /** Makes bytes [at, at + n) available; false if the file ends first or the header is too large. */
  async ensure(at: number, n: number): Promise<boolean> {
    const want = at + n;
    if (want <= this.buf.length) return true;
    if (this.eof || want > MAX_HEADER) return false;
    const size = Math.min(
      MAX_HEADER,
      Math.max(want, this.buf.length === 0 ? FIRST_READ : this.buf.length * 2),
    );
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next);
    const { bytesRead } = await this.fh.read(next, this.buf.length, size - this.buf.length, this.buf.length);
    if (this.buf.length + bytesRead < size) this.eof = true;
    this.buf = next.subarray(0, this.buf.length + bytesRead);
    return want <= this.buf.length;
  }
}

/** Start-of-frame markers that carry the image size (not DHT C4, JPG C8, DAC CC). */
const isSof = (m: number) => m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc;

async function jpeg(r: HeaderReader): Promise<ImageHeader | null> {
  let i = 2;
  let size: { width: number; height: number } | null = null;
  let orientation = 1;
  let sawExif = false;
  for (;;) {
    if (!(await r.ensure(i, 4))) return null;
    const b = r.buf;
    if (b[i] !== 0xff) return null;
    const marker = b[i + 1];
    if (marker === 0xff) {
      i++;
      continue;
    }
    // Only standalone markers or segments are expected before the first scan.
    if (marker === 0xd8 || marker === 0xd9 || (marker >= 0xd0 && marker <= 0xd7) || marker === 0x01)
      return null;
    const len = b.readUInt16BE(i + 2);
    if (len < 2 || !(await r.ensure(i + 2, len))) return null;
    const seg = r.buf.subarray(i + 4, i + 2 + len);
    if (marker === 0xda) break; // start of scan: the header is complete
    if (isSof(marker)) {
      if (size || seg.length < 6) return null;
      const height = seg.readUInt16BE(1);
      const width = seg.readUInt16BE(3);
      const components = seg[5];
      if (width < 1 || height < 1 || seg.length < 6 + 3 * components) return null;
      size = { width, height };
    } else if (marker === 0xe1 && seg.length >= 6 && seg.toString('latin1', 0, 6) === 'Exif\0\0') {
      const o = exifOrientation(seg.subarray(6));
      if (o === null || sawExif) return null; // unparsable, or which of two EXIF blocks counts is unclear
      sawExif = true;
      orientation = o;
    }
    i += 2 + len;
  }
  if (!size) return null;
  const swap = orientation >= 5 && orientation <= 8;
  return { format: 'jpeg', width: swap ? size.height : size.width, height: swap ? size.width : size.height };
}

/** EXIF IFD0's Orientation (1 when absent), or null for a TIFF structure that does not parse. */
function exifOrientation(tiff: Buffer): number | null {
  if (tiff.length < 8) return null;
  const order = tiff.toString('latin1', 0, 2);
  if (order !== 'II' && order !== 'MM') return null;
  const le = order === 'II';
  const u16 = (at: number) => (le ? tiff.readUInt16LE(at) : tiff.readUInt16BE(at));
  const u32 = (at: number) => (le ? tiff.readUInt32LE(at) : tiff.readUInt32BE(at));
  if (u16(2) !== 42) return null;
  const ifd = u32(4);
  if (ifd + 2 > tiff.length) return null;
  const count = u16(ifd);
  if (ifd + 2 + count * 12 > tiff.length) return null;
  for (let k = 0; k < count; k++) {
    const e = ifd + 2 + k * 12;
    if (u16(e) !== 0x0112) continue;
    // SHORT, count 1: the value sits in the first two bytes of the value field.
    if (u16(e + 2) !== 3 || u32(e + 4) !== 1) return null;
    const v = u16(e + 8);
    return v >= 1 && v <= 8 ? v : null;
  }
  return 1;
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

async function png(r: HeaderReader): Promise<ImageHeader | null> {
  let i = 8;
  let size: { width: number; height: number } | null = null;
  for (;;) {
    if (!(await r.ensure(i, 8))) return null;
    const len = r.buf.readUInt32BE(i);
    const type = r.buf.toString('latin1', i + 4, i + 8);
    if (type === 'IDAT') break;
    if (type === 'IEND' || type === 'eXIf') return null; // no pixels / orientation: libvips decides
    if (!(await r.ensure(i + 8, len + 4))) return null;
    if (type === 'IHDR') {
      if (size || len !== 13) return null;
      size = { width: r.buf.readUInt32BE(i + 8), height: r.buf.readUInt32BE(i + 12) };
    } else if (!size) return null; // IHDR must come first
    i += 12 + len;
  }
  if (!size || size.width < 1 || size.height < 1) return null;
  return { format: 'png', ...size };
}
