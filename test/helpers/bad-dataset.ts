/**
 * A `classFolders` dataset of real hymenoptera photos mixed with every kind of file a user's folder
 * holds: broken ones (each must be reported with its own reason), odd-but-valid ones (each must be
 * trained on), hidden files (ignored) and an empty class folder. Built with sharp in a temp dir.
 */
import { copyFile, mkdir, symlink, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import sharp from 'sharp';

export const HYMENOPTERA = path.resolve(import.meta.dirname, '../../../shared/datasets/hymenoptera_data');

export interface ExpectedProblem {
  /** Path relative to the dataset root, `/`-separated (as `DatasetProblem.rel`). */
  rel: string;
  /** What the reason must say: specific to this kind of breakage. */
  reasonMatch: RegExp;
  /** Who can notice: the header check at scan time, or only a full decode. */
  stage: 'scan' | 'decode';
}

export interface GoodFile {
  rel: string;
  className: string;
  /** Size after EXIF orientation. */
  width: number;
  height: number;
  format: string;
}

export interface BadDataset {
  root: string;
  classes: string[];
  /** Class folders with no usable image. */
  emptyClasses: string[];
  expectedProblems: ExpectedProblem[];
  /** Rel paths of every file that must be trained on. */
  goodFiles: string[];
  good: GoodFile[];
  /** Hidden files that must appear nowhere in the scan. */
  hidden: string[];
  /** The EXIF-rotated file and an upright copy of it made by physically rotating the pixels (outside `root`). */
  exif: { rel: string; upright: string };
}

const photo = (split: 'train' | 'val', cls: 'ants' | 'bees', name: string) =>
  path.join(HYMENOPTERA, split, cls, name);

/** Distinct real photos per class: every generated file has distinct content, so cache hits cannot hide work. */
const ANTS = [
  '0013035.jpg',
  '1030023514_aad5c608f9.jpg',
  '1095476100_3906d8afde.jpg',
  '1099452230_d1949d3250.jpg',
  '116570827_e9c126745d.jpg',
  '1225872729_6f0856588f.jpg',
  '1262877379_64fcada201.jpg',
  '1269756697_0bce92cdab.jpg',
  '1286984635_5119e80de1.jpg',
  '132478121_2a430adea2.jpg',
];
const BEES = [
  '1092977343_cb42b38d62.jpg',
  '1093831624_fb5fbe2308.jpg',
  '1097045929_1753d1c765.jpg',
  '1232245714_f862fbe385.jpg',
  '129236073_0985e91c7d.jpg',
  '1295655112_7813f37d21.jpg',
  '132511197_0b86ad0fff.jpg',
  '132826773_dbbcb117b9.jpg',
  '150013791_969d9a968b.jpg',
  '1508176360_2972117c9d.jpg',
];

/** A PNG whose IHDR claims width×height (CRC fixed up) but whose pixel data is 8×8: readable header, absurd size. */
async function hugeHeaderPng(width: number, height: number): Promise<Buffer> {
  const png = Buffer.from(
    await sharp({ create: { width: 8, height: 8, channels: 3, background: '#808080' } })
      .png()
      .toBuffer(),
  );
  // Signature (8) + IHDR length (4) + "IHDR" (4): width at 16, height at 20; CRC over type+data at 29.
  if (png.toString('latin1', 12, 16) !== 'IHDR') throw new Error('unexpected PNG layout');
  png.writeUInt32BE(width, 16);
  png.writeUInt32BE(height, 20);
  png.writeUInt32BE(zlib.crc32(png.subarray(12, 29)), 29);
  return png;
}

/** Deterministic noise. */
function noise(n: number, seed: number): Buffer {
  const b = Buffer.alloc(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    b[i] = s >>> 24;
  }
  return b;
}

/** A real photo, 200×150 with the left quarter fully transparent. */
async function rgbaWithTransparency(src: string): Promise<Buffer> {
  const { data, info } = await sharp(src)
    .resize(200, 150, { fit: 'fill' })
    .ensureAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  for (let y = 0; y < info.height; y++)
    for (let x = 0; x < info.width / 4; x++) data[(y * info.width + x) * 4 + 3] = 0;
  return sharp(data, { raw: { width: info.width, height: info.height, channels: 4 } })
    .png()
    .toBuffer();
}

/**
 * Writes the dataset under `dir/dataset` (and helper files under `dir/reference`).
 * Classes: ants, bees (good + broken files), wasps (empty folder).
 */
export async function makeBadDataset(dir: string): Promise<BadDataset> {
  const root = path.join(dir, 'dataset');
  const ref = path.join(dir, 'reference');
  for (const d of ['ants', 'bees', 'wasps']) await mkdir(path.join(root, d), { recursive: true });
  await mkdir(ref, { recursive: true });
  const good: GoodFile[] = [];
  const expectedProblems: ExpectedProblem[] = [];
  const at = (rel: string) => path.join(root, ...rel.split('/'));
  const addGood = (rel: string, width: number, height: number, format: string) =>
    good.push({ rel, className: rel.split('/')[0], width, height, format });

  // Plain good photos, copied byte for byte: 4 per class.
  for (const [cls, list] of [
    ['ants', ANTS],
    ['bees', BEES],
  ] as const) {
    for (let i = 0; i < 4; i++) {
      const rel = `${cls}/${cls.slice(0, -1)}_${i + 1}.jpg`;
      await copyFile(photo('train', cls, list[i]), at(rel));
      const m = await sharp(at(rel)).metadata();
      addGood(rel, m.autoOrient.width, m.autoOrient.height, 'jpeg');
    }
  }

  // Odd but valid: each from its own photo, at a non-square size.
  const ant = (i: number) => sharp(photo('train', 'ants', ANTS[i])).resize(192, 128, { fit: 'fill' });
  const bee = (i: number) => sharp(photo('train', 'bees', BEES[i])).resize(192, 128, { fit: 'fill' });
  await ant(4).toColourspace('cmyk').jpeg().toFile(at('ants/cmyk.jpg'));
  addGood('ants/cmyk.jpg', 192, 128, 'jpeg');
  await ant(5).toColourspace('b-w').jpeg().toFile(at('ants/grayscale.jpg'));
  addGood('ants/grayscale.jpg', 192, 128, 'jpeg');
  // Stored landscape with orientation 6 ("rotate 90° clockwise to display"): upright it is portrait.
  await ant(6).jpeg({ quality: 95 }).withMetadata({ orientation: 6 }).toFile(at('ants/exif-rotated.jpg'));
  addGood('ants/exif-rotated.jpg', 128, 192, 'jpeg');
  const upright = path.join(ref, 'exif-upright.png');
  // Rotate the very pixels stored in the file (decoded without EXIF), so only orientation handling differs.
  await sharp(await sharp(at('ants/exif-rotated.jpg')).png().toBuffer())
    .rotate(90)
    .png()
    .toFile(upright);
  await ant(7).png().toFile(at('ants/with space.png'));
  addGood('ants/with space.png', 192, 128, 'png');
  await ant(8).webp().toFile(at('ants/photo.webp'));
  addGood('ants/photo.webp', 192, 128, 'webp');

  await bee(4).toColourspace('rgb16').png().toFile(at('bees/deep-16bit.png'));
  addGood('bees/deep-16bit.png', 192, 128, 'png');
  await writeFile(
    at('bees/rgba-transparent.png'),
    await rgbaWithTransparency(photo('train', 'bees', BEES[5])),
  );
  addGood('bees/rgba-transparent.png', 200, 150, 'png');
  await bee(6).jpeg().toFile(at('bees/ñandú bee 🐝.jpg'));
  addGood('bees/ñandú bee 🐝.jpg', 192, 128, 'jpeg');
  const frames = await Promise.all([bee(7).png().toBuffer(), bee(8).png().toBuffer()]);
  await sharp(frames, { join: { animated: true } })
    .gif()
    .toFile(at('bees/animated.gif'));
  addGood('bees/animated.gif', 192, 128, 'gif');
  await bee(9).tiff().toFile(at('bees/photo.tiff'));
  addGood('bees/photo.tiff', 192, 128, 'tiff');

  // Broken.
  const bad = async (
    rel: string,
    content: Buffer | string,
    reasonMatch: RegExp,
    stage: 'scan' | 'decode' = 'scan',
  ) => {
    await writeFile(at(rel), content);
    expectedProblems.push({ rel, reasonMatch, stage });
  };
  // A JPEG start-of-image marker followed by garbage: the header parse fails.
  await bad('ants/corrupt.jpg', Buffer.concat([Buffer.from([0xff, 0xd8, 0xff]), noise(4000, 7)]), /corrupt/i);
  // The first 60% of a real photo: the header is intact, so only a full decode notices.
  const whole = readFileSync(photo('val', 'ants', '10308379_1b6c72e180.jpg'));
  await bad(
    'ants/truncated.jpg',
    whole.subarray(0, Math.floor(whole.length * 0.6)),
    /premature end|truncat/i,
    'decode',
  );
  await bad('ants/zero-bytes.jpg', Buffer.alloc(0), /0 bytes/);
  await bad('bees/notes.jpg', 'Shopping list: honey, more honey.\n', /not an image/i);
  await bad('bees/huge.png', await hugeHeaderPng(20000, 20000), /too many pixels.*20000.*20000/);
  // A link to nowhere: listed by the walk, unreadable by the check.
  await symlink(path.join(ref, 'no-such-file.jpg'), at('bees/dangling-link.jpg'));
  expectedProblems.push({ rel: 'bees/dangling-link.jpg', reasonMatch: /unreadable.*ENOENT/, stage: 'scan' });

  // Hidden files: never listed anywhere.
  const hidden = ['.DS_Store', 'ants/.DS_Store', 'bees/._ñandú bee 🐝.jpg'];
  for (const rel of hidden) await writeFile(at(rel), noise(64, rel.length));

  return {
    root,
    classes: ['ants', 'bees', 'wasps'],
    emptyClasses: ['wasps'],
    expectedProblems,
    goodFiles: good.map((g) => g.rel),
    good,
    hidden,
    exif: { rel: 'ants/exif-rotated.jpg', upright },
  };
}
