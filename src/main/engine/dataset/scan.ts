import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { readImageHeader } from '../image/header';
import type {
  DatasetFile,
  DatasetLayout,
  DatasetProblem,
  DatasetScan,
  SplitName,
  SplitOptions,
} from '@shared/dataset';
import { SplitOptions as SplitOptionsSchema } from '@shared/dataset';
import { mapLimit } from '../../util/concurrency';
import { applySplit, SPLIT_FOLDERS } from '@shared/split';
import { CodedError } from '@shared/errors';

/** Above this many pixels a file is refused: a decompression bomb, or a scan nobody meant to train on. */
export const MAX_PIXELS = 100_000_000;

const IMAGE_FORMATS = new Set(['jpeg', 'png', 'webp', 'gif', 'tiff', 'avif', 'heif', 'bmp', 'jp2', 'svg']);

export class DatasetError extends CodedError {
  override name = 'DatasetError';
  constructor(message: string) {
    super('DATASET_ERROR', message);
  }
}

export interface ScanOptions extends Partial<SplitOptions> {
  /** Header checks running at once (sharp runs them on its own threads). */
  concurrency?: number;
  onProgress?: (done: number, total: number) => void;
}

interface Candidate {
  path: string;
  rel: string;
  className: string;
  split: SplitName | null;
}

const isHidden = (name: string) => name.startsWith('.') || name === 'Thumbs.db' || name === 'desktop.ini';

async function subdirs(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  return entries
    .filter((e) => !isHidden(e.name) && (e.isDirectory() || e.isSymbolicLink()))
    .map((e) => e.name)
    .filter(Boolean);
}

/** A folder that could not be listed (symlink loop, no permission, not a folder after all). */
interface Unreadable {
  path: string;
  reason: string;
}

const unreadable = (dir: string, e: unknown): Unreadable => ({
  path: dir,
  reason: `unreadable folder: ${(e as NodeJS.ErrnoException).code ?? String(e)}`,
});

/**
 * Files below `dir`, recursively (class folders may have sub-folders), hidden ones skipped. Throws
 * only when `dir` itself cannot be listed; a sub-folder that cannot lands in `bad` and the walk goes on.
 */
async function walkFiles(dir: string, bad: Unreadable[]): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    if (isHidden(e.name)) continue;
    const p = path.join(dir, e.name);
    if (e.isDirectory())
      out.push(
        ...(await walkFiles(p, bad).catch((err: unknown) => {
          bad.push(unreadable(p, err));
          return [];
        })),
      );
    else if (e.isFile() || e.isSymbolicLink()) out.push(p);
  }
  return out.sort();
}

export async function detectLayout(root: string): Promise<DatasetLayout> {
  const dirs = await subdirs(root);
  const splitDirs = dirs.filter((d) => d.toLowerCase() in SPLIT_FOLDERS);
  const hasTrain = splitDirs.some((d) => d.toLowerCase() === 'train');
  return hasTrain && splitDirs.length >= 2 ? 'splitFolders' : 'classFolders';
}

/**
 * Check one file's header: readable, an image sharp decodes, a sane size. Full decode happens later.
 * Plain JPEG and PNG headers are read in JS (image/header.ts); everything else asks libvips.
 */
export async function inspectImage(
  file: string,
): Promise<
  { ok: true; width: number; height: number; format: string; bytes: number } | { ok: false; reason: string }
> {
  let bytes: number;
  try {
    const s = await stat(file);
    if (!s.isFile()) return { ok: false, reason: 'not a regular file' };
    bytes = s.size;
  } catch (e) {
    return { ok: false, reason: `unreadable: ${(e as NodeJS.ErrnoException).code ?? String(e)}` };
  }
  if (bytes === 0) return { ok: false, reason: 'empty file (0 bytes)' };
  const fast = await readImageHeader(file);
  if (fast) {
    if (fast.width * fast.height > MAX_PIXELS)
      return { ok: false, reason: `too many pixels (${fast.width}×${fast.height} > ${MAX_PIXELS / 1e6} MP)` };
    return { ok: true, width: fast.width, height: fast.height, format: fast.format, bytes };
  }
  try {
    const meta = await sharp(file, { limitInputPixels: false }).metadata();
    const format = meta.format ?? 'unknown';
    if (!IMAGE_FORMATS.has(format)) return { ok: false, reason: `unsupported format "${format}"` };
    const width = meta.autoOrient?.width ?? meta.width ?? 0;
    const height = meta.autoOrient?.height ?? meta.height ?? 0;
    if (width < 1 || height < 1) return { ok: false, reason: 'image has no pixels' };
    if (width * height > MAX_PIXELS)
      return { ok: false, reason: `too many pixels (${width}×${height} > ${MAX_PIXELS / 1e6} MP)` };
    return { ok: true, width, height, format, bytes };
  } catch (e) {
    const msg = String((e as Error).message ?? e);
    if (/unsupported image format/i.test(msg))
      return { ok: false, reason: 'not an image (unrecognised content)' };
    return { ok: false, reason: `corrupt image: ${msg.split('\n')[0]}` };
  }
}

async function listCandidates(
  root: string,
  layout: DatasetLayout,
): Promise<{ classes: string[]; cands: Candidate[]; bad: Unreadable[] }> {
  const cands: Candidate[] = [];
  const classSet = new Set<string>();
  const bad: Unreadable[] = [];
  const addClassDir = async (dir: string, className: string, split: SplitName | null) => {
    let files: string[];
    try {
      files = await walkFiles(dir, bad);
    } catch (e) {
      // A symlink to a file beside the class folders is a stray file, ignored like the others; a
      // folder that cannot be listed (a symlink loop, no permission) is a problem, not a class.
      if ((e as NodeJS.ErrnoException).code !== 'ENOTDIR') bad.push(unreadable(dir, e));
      return;
    }
    classSet.add(className);
    for (const f of files) {
      cands.push({ path: f, rel: path.relative(root, f).split(path.sep).join('/'), className, split });
    }
  };
  if (layout === 'splitFolders') {
    for (const d of await subdirs(root)) {
      const split = SPLIT_FOLDERS[d.toLowerCase()];
      if (!split) continue;
      const classDirs = await subdirs(path.join(root, d)).catch((e: unknown) => {
        bad.push(unreadable(path.join(root, d), e));
        return [];
      });
      for (const c of classDirs) await addClassDir(path.join(root, d, c), c, split);
    }
  } else {
    for (const c of await subdirs(root)) await addClassDir(path.join(root, c), c, null);
  }
  const classes = [...classSet].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return { classes, cands, bad };
}

/**
 * Scan a dataset folder. Never throws for a bad file: each one lands in `problems` with its reason.
 * Throws `DatasetError` only for a missing/unreadable root.
 */
export async function scanDataset(root: string, options: ScanOptions = {}): Promise<DatasetScan> {
  const abs = path.resolve(root);
  try {
    if (!(await stat(abs)).isDirectory()) throw new DatasetError(`not a folder: ${abs}`);
  } catch (e) {
    if (e instanceof DatasetError) throw e;
    throw new DatasetError(`dataset folder not found: ${abs}`);
  }
  const split = SplitOptionsSchema.parse({ ...options, concurrency: undefined, onProgress: undefined });
  let layout: DatasetLayout;
  try {
    layout = await detectLayout(abs);
  } catch (e) {
    throw new DatasetError(`cannot read dataset folder ${abs}: ${(e as NodeJS.ErrnoException).code ?? e}`);
  }
  const { classes, cands, bad } = await listCandidates(abs, layout);

  let done = 0;
  const inspected = await mapLimit(cands, options.concurrency ?? 8, async (c) => {
    const r = await inspectImage(c.path);
    options.onProgress?.(++done, cands.length);
    return r;
  });

  const files: DatasetFile[] = [];
  const problems: DatasetProblem[] = bad.map((b) => ({
    path: b.path,
    rel: path.relative(abs, b.path).split(path.sep).join('/'),
    reason: b.reason,
    stage: 'scan',
  }));
  cands.forEach((c, i) => {
    const r = inspected[i];
    if (!r.ok) {
      problems.push({ path: c.path, rel: c.rel, reason: r.reason, stage: 'scan' });
      return;
    }
    files.push({
      path: c.path,
      rel: c.rel,
      classIndex: classes.indexOf(c.className),
      split: c.split ?? 'train',
      bytes: r.bytes,
      width: r.width,
      height: r.height,
      format: r.format,
    });
  });

  const { splits, counts } = applySplit({ layout, classes, files }, split);
  files.forEach((f, i) => (f.split = splits[i]));
  const emptyClasses = classes.filter((_, i) => counts.train[i] + counts.val[i] + counts.test[i] === 0);
  return { root: abs, layout, classes, counts, files, problems, emptyClasses };
}

/** The classes a training run can use, or a one-line reason it cannot run. */
export function assertTrainable(scan: DatasetScan): void {
  if (scan.files.length === 0)
    throw new DatasetError(`no readable images in ${scan.root} (${scan.problems.length} files skipped)`);
  const usable = scan.classes.filter((_, i) => scan.counts.train[i] > 0);
  if (usable.length < 2)
    throw new DatasetError(
      `need at least two classes with training images, found ${usable.length}${usable.length ? ` (${usable.join(', ')})` : ''} in ${scan.root}`,
    );
  if (scan.counts.val.every((n) => n === 0))
    throw new DatasetError(
      `no validation images in ${scan.root}: add a val/ folder or use more images per class`,
    );
}

/**
 * The scan without its empty class folders: a class with no usable image cannot be learned, and an
 * output for it would only ever be wrong. Class indices are renumbered; names stay sorted.
 */
export function withoutEmptyClasses(scan: DatasetScan): DatasetScan {
  if (scan.emptyClasses.length === 0) return scan;
  const keep = scan.classes.map((c) => !scan.emptyClasses.includes(c));
  const newIndex: number[] = [];
  let n = 0;
  for (const k of keep) newIndex.push(k ? n++ : -1);
  const pick = (arr: number[]) => arr.filter((_, i) => keep[i]);
  return {
    ...scan,
    classes: scan.classes.filter((_, i) => keep[i]),
    counts: { train: pick(scan.counts.train), val: pick(scan.counts.val), test: pick(scan.counts.test) },
    files: scan.files.map((f) => ({ ...f, classIndex: newIndex[f.classIndex] })),
  };
}
