/**
 * The split rules, once: which files validate and which train. The engine's scan and main's re-split
 * both call `applySplit`, so what the Dataset screen shows is exactly what a run trains on.
 */
import type { DatasetScan, SplitName, SplitOptions } from './dataset';
import { hashString, mixSeed, mulberry32, shuffleInPlace } from './random';

/** Split folder names of the `splitFolders` layout (case-insensitive). */
export const SPLIT_FOLDERS: Readonly<Record<string, SplitName>> = {
  train: 'train',
  val: 'val',
  validation: 'val',
  test: 'test',
};

/**
 * Stratified hold-out: per label, a seeded shuffle, then the first round(n * fraction) go to validation
 * (at least one when a class has two or more items). Keys, not indices, so adding files to one class
 * does not reshuffle the others.
 */
export function stratifiedSplit(
  items: { key: string; label: number }[],
  fraction: number,
  seed: number,
): Set<string> {
  const byLabel = new Map<number, string[]>();
  for (const it of items) {
    const list = byLabel.get(it.label) ?? [];
    list.push(it.key);
    byLabel.set(it.label, list);
  }
  const val = new Set<string>();
  for (const [label, keys] of byLabel) {
    keys.sort();
    shuffleInPlace(keys, mulberry32(mixSeed(seed, label, hashString('split'))));
    let n = Math.round(keys.length * fraction);
    if (n === 0 && keys.length >= 2) n = 1;
    if (n >= keys.length) n = keys.length - 1;
    for (const k of keys.slice(0, n)) val.add(k);
  }
  return val;
}

/** The split a file's folder gives it: its top folder in `splitFolders`, else train. */
export function folderSplit(layout: DatasetScan['layout'], rel: string): SplitName {
  return layout === 'splitFolders' ? (SPLIT_FOLDERS[rel.split('/')[0].toLowerCase()] ?? 'train') : 'train';
}

/**
 * The split each file gets under `split`: a `splitFolders` dataset keeps its folders' split unless
 * `resplit`; otherwise a seeded stratified split (test files stay test). Counts are per split, per class.
 */
export function applySplit(
  scan: Pick<DatasetScan, 'layout' | 'classes' | 'files'>,
  split: Pick<SplitOptions, 'valFraction' | 'seed' | 'resplit'>,
): { splits: SplitName[]; counts: Record<SplitName, number[]> } {
  const splits = scan.files.map((f) => folderSplit(scan.layout, f.rel));
  if (scan.layout === 'classFolders' || split.resplit) {
    const items = scan.files
      .map((f, i) => ({ key: f.rel, label: f.classIndex, i }))
      .filter(({ i }) => splits[i] !== 'test');
    const val = stratifiedSplit(items, split.valFraction, split.seed);
    for (const it of items) splits[it.i] = val.has(it.key) ? 'val' : 'train';
  }
  const zeros = () => scan.classes.map(() => 0);
  const counts: Record<SplitName, number[]> = { train: zeros(), val: zeros(), test: zeros() };
  scan.files.forEach((f, i) => counts[splits[i]][f.classIndex]++);
  return { splits, counts };
}
