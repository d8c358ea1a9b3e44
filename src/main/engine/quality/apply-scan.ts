/**
 * A scan as the project's quality decisions leave it: excluded contents out, the chosen copy of
 * byte-identical files, split overrides applied. Decisions name content hashes, so files are hashed
 * (only when there is a decision to apply).
 */
import { readFile } from 'node:fs/promises';
import type { DatasetFile, DatasetScan, SplitCounts } from '@shared/dataset';
import type { QualityState } from '@shared/quality';
import { mapLimit } from '../../util/concurrency';
import { contentHash } from '../extract/features';
import { applyQualityState } from './state';

export function hasDecisions(s: QualityState): boolean {
  return (
    s.exclusions.length > 0 || Object.keys(s.splitOverrides).length > 0 || Object.keys(s.keepCopy).length > 0
  );
}

export async function scanUnderQuality(scan: DatasetScan, state: QualityState): Promise<DatasetScan> {
  if (!hasDecisions(state)) return scan;
  // An unreadable file keeps no hash: it stays in, and the run reports it as it would.
  const hashes = await mapLimit(scan.files, 4, async (f) =>
    readFile(f.path).then(
      (b) => contentHash(b),
      () => null,
    ),
  );
  const items = scan.files.flatMap((file, i) => (hashes[i] ? [{ file, hash: hashes[i] }] : []));
  const { items: kept, excluded } = applyQualityState(items, state);
  return withFiles(scan, filesAfter(scan.files, kept, excluded));
}

/** The scan's files with excluded ones left out and split overrides applied (matched by path). */
export function filesAfter(
  files: DatasetFile[],
  kept: readonly { file: DatasetFile }[],
  excluded: readonly { file: DatasetFile }[],
): DatasetFile[] {
  const gone = new Set(excluded.map((it) => it.file.rel));
  const split = new Map(kept.map((it) => [it.file.rel, it.file.split]));
  return files
    .filter((f) => !gone.has(f.rel))
    .map((f) => {
      const s = split.get(f.rel);
      return s && s !== f.split ? { ...f, split: s } : f;
    });
}

/** The scan with these files, its per-split class counts recounted. */
export function withFiles(scan: DatasetScan, files: DatasetFile[]): DatasetScan {
  const counts: SplitCounts = {
    train: scan.classes.map(() => 0),
    val: scan.classes.map(() => 0),
    test: scan.classes.map(() => 0),
  };
  for (const f of files) counts[f.split][f.classIndex]++;
  return { ...scan, files, counts };
}
