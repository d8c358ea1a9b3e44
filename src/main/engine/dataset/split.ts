import { hashString, mixSeed, mulberry32, shuffleInPlace } from '../util/random';

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
