import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { DatasetFile, DatasetScan, SplitName } from '@shared/dataset';
import { QualityState } from '@shared/quality';
import { hasDecisions, scanUnderQuality } from './apply-scan';

const dir = mkdtempSync(path.join(os.tmpdir(), 'ts-apply-scan-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const sha = (s: string) => createHash('sha256').update(s).digest('hex');

function file(rel: string, content: string, classIndex: number, split: SplitName): DatasetFile {
  const p = path.join(dir, rel.replace(/\//g, '_'));
  writeFileSync(p, content);
  return { path: p, rel, classIndex, split, bytes: content.length, width: 1, height: 1, format: 'jpeg' };
}

const files = [
  file('train/a/1.jpg', 'one', 0, 'train'),
  file('val/a/1-copy.jpg', 'one', 0, 'val'),
  file('train/b/2.jpg', 'two', 1, 'train'),
  file('val/b/3.jpg', 'three', 1, 'val'),
];
const scan: DatasetScan = {
  root: dir,
  layout: 'splitFolders',
  classes: ['a', 'b'],
  counts: { train: [1, 1], val: [1, 1], test: [0, 0] },
  files,
  problems: [],
  emptyClasses: [],
};

describe('a scan under the project’s quality decisions', () => {
  it('is the same scan when nothing was decided (no file is read)', async () => {
    const empty = QualityState.parse({});
    expect(hasDecisions(empty)).toBe(false);
    expect(await scanUnderQuality(scan, empty)).toBe(scan);
  });

  it('drops excluded contents, keeps the chosen copy, applies split overrides, recounts', async () => {
    const state = QualityState.parse({
      exclusions: [sha('two')],
      keepCopy: { [sha('one')]: 'train/a/1.jpg' },
      splitOverrides: { [sha('three')]: 'train' },
    });
    const out = await scanUnderQuality(scan, state);
    expect(out.files.map((f) => [f.rel, f.split])).toEqual([
      ['train/a/1.jpg', 'train'],
      ['val/b/3.jpg', 'train'],
    ]);
    expect(out.counts).toEqual({ train: [1, 1], val: [0, 0], test: [0, 0] });
    // The input scan is untouched.
    expect(scan.files).toHaveLength(4);
    expect(scan.files[3].split).toBe('val');
  });
});
