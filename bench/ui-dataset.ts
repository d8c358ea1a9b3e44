/**
 * The UI bench's large dataset, fast: `n` files that are hard links to the 10k scale dataset's real
 * JPEGs (built once by scale-dataset.ts), in the same five class folders, each name unique. The UI's
 * work (listing, header checks, the grid, thumbnails) is per file, so links measure it as distinct
 * photos would, without writing ~2 GB. Under the OS temp dir, built into a temporary folder and
 * renamed when complete; reused by later runs. Where links are refused (another file system), copies.
 */
import { existsSync } from 'node:fs';
import { copyFile, link, mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { mapLimit } from '../src/main/util/concurrency';
import { buildScaleDataset, SCALE_CLASSES, scaleDatasetDir } from './scale-dataset';

const VERSION = 1;
const SOURCE_IMAGES = 10_000;

export async function buildLinkedDataset(
  images: number,
  photos: string,
  log: (s: string) => void,
): Promise<{ dir: string; built: boolean; buildS: number; bytes: number }> {
  // Up to 10k the scale dataset itself is the real thing.
  if (images <= SOURCE_IMAGES) return buildScaleDataset(images, photos, log);
  const dir = path.join(path.dirname(scaleDatasetDir(images)), `ui-links-${images}-v${VERSION}`);
  const marker = path.join(dir, '.complete.json');
  if (existsSync(marker)) {
    const m = JSON.parse(await readFile(marker, 'utf8')) as { bytes: number };
    return { dir, built: false, buildS: 0, bytes: m.bytes };
  }
  const source = await buildScaleDataset(SOURCE_IMAGES, photos, log);
  const t0 = performance.now();
  const files: { cls: string; name: string }[] = [];
  for (const cls of SCALE_CLASSES)
    for (const name of (await readdir(path.join(source.dir, cls))).sort()) files.push({ cls, name });
  const tmp = `${dir}.partial-${process.pid}`;
  await rm(tmp, { recursive: true, force: true });
  for (const c of SCALE_CLASSES) await mkdir(path.join(tmp, c), { recursive: true });
  let copies = 0;
  await mapLimit(
    Array.from({ length: images }, (_, i) => i),
    16,
    async (i) => {
      const f = files[i % files.length];
      const from = path.join(source.dir, f.cls, f.name);
      const to = path.join(tmp, f.cls, `${String(i).padStart(7, '0')}.jpg`);
      await link(from, to).catch(async (e: NodeJS.ErrnoException) => {
        if (e.code !== 'EXDEV' && e.code !== 'EPERM') throw e;
        copies++;
        await copyFile(from, to);
      });
    },
  );
  // Bytes as a user's disk would hold them: each link counts as a file of its own.
  const bytes = Math.round(source.bytes * (images / files.length));
  await writeFile(marker.replace(dir, tmp), JSON.stringify({ version: VERSION, images, bytes, copies }));
  await rm(dir, { recursive: true, force: true });
  await rename(tmp, dir);
  log(`dataset: ${images} files linked to ${source.dir}${copies ? ` (${copies} copied)` : ''}`);
  return { dir, built: true, buildS: (performance.now() - t0) / 1000, bytes };
}
