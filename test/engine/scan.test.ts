/** Dataset scan on the real hymenoptera photos (both layouts) and on a generated folder of bad input. */
import { mkdir, mkdtemp, rm, symlink } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatasetScan } from '@shared/dataset';
import { DatasetError, assertTrainable, detectLayout, scanDataset } from '../../src/main/engine/dataset/scan';
import { DecodeError, decodeImage } from '../../src/main/engine/image/decode';
import { HYMENOPTERA, makeBadDataset, type BadDataset } from '../helpers/bad-dataset';

const tmpDirs: string[] = [];
async function tmp(prefix: string): Promise<string> {
  const d = await mkdtemp(path.join(os.tmpdir(), prefix));
  tmpDirs.push(d);
  return d;
}
afterAll(async () => {
  await Promise.all(tmpDirs.map((d) => rm(d, { recursive: true, force: true })));
});

const count = (scan: DatasetScan, split: 'train' | 'val' | 'test', cls: string) =>
  scan.counts[split][scan.classes.indexOf(cls)];
const valSet = (scan: DatasetScan) => new Set(scan.files.filter((f) => f.split === 'val').map((f) => f.rel));

describe('scan: hymenoptera, splitFolders layout', () => {
  let scan: DatasetScan;
  beforeAll(async () => {
    scan = await scanDataset(HYMENOPTERA);
  });

  it('finds the train/val folders and both classes, sorted', () => {
    expect(scan.layout).toBe('splitFolders');
    expect(scan.root).toBe(HYMENOPTERA);
    expect(scan.classes).toEqual(['ants', 'bees']);
  });

  it('counts every file per split and class, with no problems', () => {
    expect(scan.counts.train).toEqual([124, 121]);
    expect(scan.counts.val).toEqual([70, 83]);
    expect(scan.counts.test).toEqual([0, 0]);
    expect(scan.problems).toEqual([]);
    expect(scan.emptyClasses).toEqual([]);
    expect(scan.files).toHaveLength(124 + 121 + 70 + 83);
  });

  it('keeps the folder split and labels each file by its folder', () => {
    for (const f of scan.files) {
      const [split, cls] = f.rel.split('/');
      expect(f.split).toBe(split);
      expect(scan.classes[f.classIndex]).toBe(cls);
      expect(path.isAbsolute(f.path)).toBe(true);
      expect(f.width).toBeGreaterThan(0);
      expect(f.height).toBeGreaterThan(0);
    }
    // The real-world quirks the dataset ships with: a GIF and a name with a space.
    expect(scan.files.find((f) => f.rel === 'train/ants/imageNotFound.gif')?.format).toBe('gif');
    expect(scan.files.some((f) => f.rel === 'train/ants/ant photos.jpg')).toBe(true);
  });

  it('resplit ignores the folders and holds out a stratified fraction of train+val', async () => {
    const r = await scanDataset(HYMENOPTERA, { resplit: true, valFraction: 0.25, seed: 3 });
    expect(count(r, 'val', 'ants')).toBe(Math.round(194 * 0.25));
    expect(count(r, 'val', 'bees')).toBe(Math.round(204 * 0.25));
    expect(count(r, 'train', 'ants') + count(r, 'val', 'ants')).toBe(194);
  });
});

describe('scan: hymenoptera/train, classFolders layout', () => {
  const train = path.join(HYMENOPTERA, 'train');
  let a: DatasetScan;
  beforeAll(async () => {
    a = await scanDataset(train, { seed: 7, valFraction: 0.2 });
  });

  it('detects class folders', async () => {
    expect(await detectLayout(train)).toBe('classFolders');
    expect(a.layout).toBe('classFolders');
    expect(a.classes).toEqual(['ants', 'bees']);
    expect(a.problems).toEqual([]);
  });

  it('holds out round(n × 0.2) per class, and the rest trains', () => {
    expect(a.counts.val).toEqual([Math.round(124 * 0.2), Math.round(121 * 0.2)]);
    expect(a.counts.train).toEqual([124 - Math.round(124 * 0.2), 121 - Math.round(121 * 0.2)]);
    expect(a.counts.test).toEqual([0, 0]);
    // Counts agree with the file list.
    for (const split of ['train', 'val'] as const)
      for (let c = 0; c < 2; c++)
        expect(a.files.filter((f) => f.split === split && f.classIndex === c)).toHaveLength(
          a.counts[split][c],
        );
  });

  it('same seed ⇒ same split; another seed ⇒ another split', async () => {
    const again = await scanDataset(train, { seed: 7, valFraction: 0.2 });
    expect([...valSet(again)].sort()).toEqual([...valSet(a)].sort());
    const other = await scanDataset(train, { seed: 8, valFraction: 0.2 });
    expect(other.counts).toEqual(a.counts);
    expect([...valSet(other)].sort()).not.toEqual([...valSet(a)].sort());
  });

  it('the default split is 0.2', async () => {
    const d = await scanDataset(train);
    expect(d.counts.val).toEqual([25, 24]);
  });
});

describe('scan: validation/ and test/ folders', () => {
  let root: string;
  beforeAll(async () => {
    root = await tmp('ts-scan-split-');
    // Class names out of order on disk, and a different number of images per split and class.
    const layout: Record<string, Record<string, number>> = {
      train: { zebra: 4, apple: 3 },
      validation: { zebra: 2, apple: 1 },
      test: { zebra: 1, apple: 2 },
    };
    let seed = 1;
    for (const [split, classes] of Object.entries(layout))
      for (const [cls, n] of Object.entries(classes))
        for (let i = 0; i < n; i++) {
          const file = path.join(root, split, cls, `${i}.png`);
          await sharp({
            create: { width: 20 + seed, height: 10, channels: 3, background: { r: seed * 9, g: 40, b: 80 } },
          })
            .png()
            .toFile(await ensureDir(file));
          seed++;
        }
  });

  it('maps validation/ to val, keeps test/, sorts classes by name', async () => {
    const s = await scanDataset(root);
    expect(s.layout).toBe('splitFolders');
    expect(s.classes).toEqual(['apple', 'zebra']);
    expect(s.counts).toEqual({ train: [3, 4], val: [1, 2], test: [2, 1] });
    expect(s.files.filter((f) => f.rel.startsWith('validation/')).every((f) => f.split === 'val')).toBe(true);
    expect(s.problems).toEqual([]);
    expect(() => assertTrainable(s)).not.toThrow();
  });

  it('resplit re-splits train+val but never touches test', async () => {
    const s = await scanDataset(root, { resplit: true, valFraction: 0.5, seed: 1 });
    expect(s.counts.test).toEqual([2, 1]);
    expect(s.files.filter((f) => f.rel.startsWith('test/')).every((f) => f.split === 'test')).toBe(true);
    expect(s.counts.train.map((n, c) => n + s.counts.val[c])).toEqual([4, 6]);
  });
});

describe('scan: bad input', () => {
  let ds: BadDataset;
  let scan: DatasetScan;
  beforeAll(async () => {
    ds = await makeBadDataset(await tmp('ts-scan-bad-'));
    scan = await scanDataset(ds.root, { seed: 42 });
  });

  it('does not abort, and keeps the class layout', () => {
    expect(scan.layout).toBe('classFolders');
    expect(scan.classes).toEqual(ds.classes);
  });

  it('reports every header-level failure with its own specific reason', () => {
    const atScan = ds.expectedProblems.filter((p) => p.stage === 'scan');
    expect(scan.problems.map((p) => p.rel).sort()).toEqual(atScan.map((p) => p.rel).sort());
    for (const exp of atScan) {
      const got = scan.problems.find((p) => p.rel === exp.rel)!;
      expect(got.reason, exp.rel).toMatch(exp.reasonMatch);
      expect(got.stage).toBe('scan');
      expect(got.path).toBe(path.join(ds.root, ...exp.rel.split('/')));
      // Specific: no other kind of breakage's pattern fits this reason.
      for (const other of atScan.filter((o) => o !== exp))
        expect(got.reason, `${exp.rel} vs ${other.rel}`).not.toMatch(other.reasonMatch);
    }
  });

  it('lists every good and odd-but-valid file with the right class, size and format', () => {
    const decodeOnly = ds.expectedProblems.filter((p) => p.stage === 'decode').map((p) => p.rel);
    expect(scan.files.map((f) => f.rel).sort()).toEqual([...ds.goodFiles, ...decodeOnly].sort());
    for (const g of ds.good) {
      const f = scan.files.find((x) => x.rel === g.rel)!;
      expect(scan.classes[f.classIndex], g.rel).toBe(g.className);
      expect({ w: f.width, h: f.height, format: f.format }, g.rel).toEqual({
        w: g.width,
        h: g.height,
        format: g.format,
      });
    }
  });

  it('ignores hidden files', () => {
    const seen = [...scan.files.map((f) => f.rel), ...scan.problems.map((p) => p.rel)];
    for (const h of ds.hidden) expect(seen).not.toContain(h);
  });

  it('reports the empty class folder, which gets no files', () => {
    expect(scan.emptyClasses).toEqual(ds.emptyClasses);
    const wasps = scan.classes.indexOf('wasps');
    expect(scan.files.some((f) => f.classIndex === wasps)).toBe(false);
    expect(scan.counts.train[wasps] + scan.counts.val[wasps]).toBe(0);
    // Still trainable: two classes have images.
    expect(() => assertTrainable(scan)).not.toThrow();
  });

  it('files that pass the header check but are broken inside fail to decode with a DecodeError', async () => {
    for (const exp of ds.expectedProblems.filter((p) => p.stage === 'decode')) {
      const file = path.join(ds.root, ...exp.rel.split('/'));
      const err = await decodeImage(file, 224, 224, 'stretch').then(
        () => null,
        (e: unknown) => e,
      );
      expect(err, exp.rel).toBeInstanceOf(DecodeError);
      expect((err as Error).message).toMatch(exp.reasonMatch);
    }
  });

  it('every good file decodes', async () => {
    for (const rel of ds.goodFiles) {
      const img = await decodeImage(path.join(ds.root, ...rel.split('/')), 32, 32, 'stretch');
      expect(img.data.length, rel).toBe(32 * 32 * 3);
    }
  });
});

describe('scan: unusable roots', () => {
  it('a missing root throws DatasetError naming the path', async () => {
    const missing = path.join(os.tmpdir(), 'ts-no-such-dataset-' + process.pid);
    const err = await scanDataset(missing).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DatasetError);
    expect((err as Error).message).toContain(missing);
  });

  it('a file given as root throws DatasetError naming the path', async () => {
    const file = path.join(HYMENOPTERA, 'train', 'ants', '0013035.jpg');
    const err = await scanDataset(file).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DatasetError);
    expect((err as Error).message).toContain(file);
  });

  it('an empty folder scans to nothing, then is refused as untrainable', async () => {
    const s = await scanDataset(await tmp('ts-scan-empty-'));
    expect(s.files).toEqual([]);
    expect(() => assertTrainable(s)).toThrow(DatasetError);
  });
});

describe('scan: folders that cannot be listed', () => {
  const jpeg = (file: string, seed: number) =>
    ensureDir(file).then((f) =>
      sharp({ create: { width: 40, height: 30, channels: 3, background: { r: seed * 40, g: 90, b: 30 } } })
        .jpeg()
        .toFile(f),
    );

  it('reports a symlink-loop class folder (ELOOP) and a dangling one as problems; the scan goes on', async () => {
    const root = await tmp('ts-scan-loop-');
    for (const [i, rel] of ['ants/a1.jpg', 'ants/a2.jpg', 'bees/b1.jpg', 'bees/b2.jpg'].entries())
      await jpeg(path.join(root, rel), i);
    await symlink('loop', path.join(root, 'loop')); // loop → loop
    await symlink(path.join(root, 'gone'), path.join(root, 'dangling'));
    await symlink(path.join(root, 'ants', 'a1.jpg'), path.join(root, 'stray.jpg')); // a file, not a class
    await symlink('self', path.join(root, 'bees', 'self')); // a looping link among the images

    const s = await scanDataset(root);
    expect(s.classes).toEqual(['ants', 'bees']);
    expect(s.files.map((f) => f.rel).sort()).toEqual([
      'ants/a1.jpg',
      'ants/a2.jpg',
      'bees/b1.jpg',
      'bees/b2.jpg',
    ]);
    expect(s.problems.map((p) => [p.rel, p.reason]).sort()).toEqual([
      ['bees/self', 'unreadable: ELOOP'],
      ['dangling', 'unreadable folder: ENOENT'],
      ['loop', 'unreadable folder: ELOOP'],
    ]);
    expect(s.problems.every((p) => p.stage === 'scan' && path.isAbsolute(p.path))).toBe(true);
    expect(() => assertTrainable(s)).not.toThrow();
  });

  it('does the same for a looping class folder inside train/ and a looping split folder', async () => {
    const root = await tmp('ts-scan-loop-split-');
    for (const [i, rel] of [
      'train/ants/a.jpg',
      'train/bees/b.jpg',
      'val/ants/c.jpg',
      'val/bees/d.jpg',
    ].entries())
      await jpeg(path.join(root, rel), i);
    await symlink('loop', path.join(root, 'train', 'loop'));
    await symlink('test', path.join(root, 'test')); // test → test
    const s = await scanDataset(root);
    expect(s.layout).toBe('splitFolders');
    expect(s.classes).toEqual(['ants', 'bees']);
    expect(s.files).toHaveLength(4);
    expect(s.problems.map((p) => p.rel).sort()).toEqual(['test', 'train/loop']);
  });
});

async function ensureDir(file: string): Promise<string> {
  await mkdir(path.dirname(file), { recursive: true });
  return file;
}
