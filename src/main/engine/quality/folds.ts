import { hashString, mixSeed, mulberry32, shuffleInPlace } from '@shared/random';

/**
 * Stratified, grouped k-fold assignment: items sharing a group key (the same content hash, or one
 * duplicate group) always land in the same fold, so a copy in the training folds cannot vouch for its
 * twin in the held-out fold; each label is dealt round-robin over the folds after a seeded shuffle, so
 * folds keep the class balance. Returns fold[i] in [0, k).
 */
export function stratifiedGroupFolds(
  labels: ArrayLike<number>,
  groupKeys: readonly string[],
  k: number,
  seed: number,
): Int32Array {
  const n = labels.length;
  if (groupKeys.length !== n) throw new Error('one group key per item');
  const foldCount = Math.max(2, Math.min(k, n));
  const groups = new Map<string, number[]>();
  for (let i = 0; i < n; i++) {
    const g = groups.get(groupKeys[i]);
    if (g) g.push(i);
    else groups.set(groupKeys[i], [i]);
  }
  // A group is dealt with the label most of its members have.
  const byLabel = new Map<number, string[]>();
  for (const [key, members] of groups) {
    const counts = new Map<number, number>();
    for (const i of members) counts.set(labels[i], (counts.get(labels[i]) ?? 0) + 1);
    const label = [...counts].sort((a, b) => b[1] - a[1] || a[0] - b[0])[0][0];
    const list = byLabel.get(label) ?? [];
    list.push(key);
    byLabel.set(label, list);
  }
  const fold = new Int32Array(n);
  let next = 0;
  for (const label of [...byLabel.keys()].sort((a, b) => a - b)) {
    const keys = byLabel.get(label)!.sort();
    shuffleInPlace(keys, mulberry32(mixSeed(seed, label, hashString('folds'))));
    for (const key of keys) {
      for (const i of groups.get(key)!) fold[i] = next;
      next = (next + 1) % foldCount;
    }
  }
  return fold;
}

/** The seed of repeat r of a k-fold split: the plain seed first, then derived ones. */
export const repeatSeed = (seed: number, r: number): number => (r ? mixSeed(seed, r) : seed);

/** `repeats` stratified, grouped k-fold assignments, each drawn with repeatSeed(seed, r). */
export function repeatedFolds(
  labels: ArrayLike<number>,
  groupKeys: readonly string[],
  k: number,
  repeats: number,
  seed: number,
): Int32Array[] {
  return Array.from({ length: repeats }, (_, r) =>
    stratifiedGroupFolds(labels, groupKeys, k, repeatSeed(seed, r)),
  );
}
