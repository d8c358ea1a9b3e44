/**
 * Deterministic large datasets for the scale bench, made from the real photos in ../shared: each image is
 * a random crop (60–100 % per side) of an ants/bees photo, maybe mirrored, resized to a short side of
 * 160–320 px, saved as JPEG (quality 80–92). Five classes a classifier can learn from those photos: ants,
 * bees, each rotated 90°, and grayscale. Written under the OS temp dir (never the repository), built into
 * a temporary folder and renamed when complete, and reused by later runs.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { scanDataset } from '../src/main/engine/dataset/scan';
import { mapLimit } from '../src/main/util/concurrency';
import { mixSeed, mulberry32 } from '@shared/random';

const VERSION = 1;
export const SCALE_CLASSES = ['ants', 'ants_rotated', 'bees', 'bees_rotated', 'grayscale'] as const;

export function scaleDatasetDir(images: number): string {
  const root = process.env.TRANSFER_STUDIO_BENCH_DIR ?? path.join(os.tmpdir(), 'transfer-studio-bench');
  return path.join(root, `scale-${images}-v${VERSION}`);
}

interface Source {
  bytes: Buffer;
  width: number;
  height: number;
}

async function loadSources(photos: string): Promise<{ ants: Source[]; bees: Source[] }> {
  const scan = await scanDataset(photos);
  const out = { ants: [] as Source[], bees: [] as Source[] };
  for (const f of scan.files) {
    if (!/\.jpe?g$/i.test(f.path)) continue;
    // EXIF orientation applied once, so crops below are in display orientation.
    const { data, info } = await sharp(await readFile(f.path))
      .rotate()
      .jpeg({ quality: 95 })
      .toBuffer({ resolveWithObject: true });
    const cls = scan.classes[f.classIndex] === 'ants' ? out.ants : out.bees;
    cls.push({ bytes: data, width: info.width, height: info.height });
  }
  return out;
}

async function makeImage(
  i: number,
  src: { ants: Source[]; bees: Source[] },
): Promise<{ cls: string; jpeg: Buffer }> {
  const rand = mulberry32(mixSeed(0x5ca1e, i));
  const cls = SCALE_CLASSES[i % SCALE_CLASSES.length];
  const pool = cls.startsWith('ants')
    ? src.ants
    : cls.startsWith('bees')
      ? src.bees
      : rand() < 0.5
        ? src.ants
        : src.bees;
  const s = pool[Math.floor(rand() * pool.length)];
  const cw = Math.max(32, Math.floor(s.width * (0.6 + 0.4 * rand())));
  const ch = Math.max(32, Math.floor(s.height * (0.6 + 0.4 * rand())));
  const left = Math.floor(rand() * (s.width - cw + 1));
  const top = Math.floor(rand() * (s.height - ch + 1));
  const short = 160 + Math.floor(rand() * 161);
  const flip = rand() < 0.5;
  const quality = 80 + Math.floor(rand() * 13);
  const [w, h] = cw < ch ? [short, Math.round((short * ch) / cw)] : [Math.round((short * cw) / ch), short];
  let img = sharp(s.bytes).extract({ left, top, width: cw, height: ch }).resize(w, h, { fit: 'fill' });
  if (flip) img = img.flop();
  if (cls === 'grayscale') img = img.greyscale();
  const raw = await img.raw().toBuffer({ resolveWithObject: true });
  let out = sharp(raw.data, {
    raw: { width: raw.info.width, height: raw.info.height, channels: raw.info.channels },
  });
  if (cls.endsWith('rotated')) out = out.rotate(90);
  return { cls, jpeg: await out.jpeg({ quality }).toBuffer() };
}

/** The dataset folder (built now if missing). */
export async function buildScaleDataset(
  images: number,
  photos: string,
  log: (s: string) => void,
): Promise<{ dir: string; built: boolean; buildS: number; bytes: number }> {
  const dir = scaleDatasetDir(images);
  const marker = path.join(dir, '.complete.json');
  if (existsSync(marker)) {
    const m = JSON.parse(await readFile(marker, 'utf8')) as { bytes: number };
    return { dir, built: false, buildS: 0, bytes: m.bytes };
  }
  const t0 = performance.now();
  const tmp = `${dir}.partial-${process.pid}`;
  await rm(tmp, { recursive: true, force: true });
  for (const c of SCALE_CLASSES) await mkdir(path.join(tmp, c), { recursive: true });
  const src = await loadSources(photos);
  let bytes = 0;
  let done = 0;
  await mapLimit(
    Array.from({ length: images }, (_, i) => i),
    Math.max(2, os.availableParallelism() * 2),
    async (i) => {
      const { cls, jpeg } = await makeImage(i, src);
      await writeFile(path.join(tmp, cls, `${String(i).padStart(6, '0')}.jpg`), jpeg);
      bytes += jpeg.length;
      if (++done % 5000 === 0) log(`dataset: ${done}/${images} images`);
    },
  );
  await writeFile(path.join(tmp, '.complete.json'), JSON.stringify({ version: VERSION, images, bytes }));
  await rm(dir, { recursive: true, force: true });
  await rename(tmp, dir);
  return { dir, built: true, buildS: (performance.now() - t0) / 1000, bytes };
}
