import { hashWords, popcount32, type PerceptualHash } from './phash';

export interface PhashPairStats {
  comparisons: number;
  pairs: number;
}

/**
 * All pairs within `maxDistance` bits, comparing each hash with the others' hashes and mirrored hashes
 * (so horizontal flips match). A mirrored match must hold both ways (a's mirror vs b, and a vs b's
 * mirror): the two differ slightly (each mirror has its own median) and taking the worse of the two
 * removes chance matches between unrelated photos. Exact, by multi-index hashing: split the 64 bits into maxDistance + 1
 * chunks; two hashes within maxDistance bits agree exactly on at least one chunk (pigeonhole), so only
 * hashes sharing a chunk value are compared — far fewer than all n² pairs.
 */
export function phashPairs(
  hashes: readonly PerceptualHash[],
  maxDistance: number,
  onPair: (i: number, j: number, distance: number, mirrored: boolean) => void,
): PhashPairStats {
  const n = hashes.length;
  const words = new Uint32Array(n * 4);
  hashes.forEach((h, i) => {
    const [a, b] = hashWords(h.hash);
    const [c, d] = hashWords(h.mirrored);
    words.set([a, b, c, d], i * 4);
  });
  const chunks = Math.min(64, maxDistance + 1);
  const bounds = Array.from({ length: chunks + 1 }, (_, c) => Math.round((c * 64) / chunks));
  const chunkOf = (hi: number, lo: number, c: number) => {
    const [s, e] = [bounds[c], bounds[c + 1]];
    let v = 0;
    for (let b = s; b < e; b++) {
      const bit = b < 32 ? (hi >>> (31 - b)) & 1 : (lo >>> (63 - b)) & 1;
      v = v * 2 + bit;
    }
    return v;
  };
  // Index the plain hashes by each chunk's value.
  const index: Map<number, number[]>[] = Array.from({ length: chunks }, () => new Map());
  for (let i = 0; i < n; i++)
    for (let c = 0; c < chunks; c++) {
      const v = chunkOf(words[i * 4], words[i * 4 + 1], c);
      const list = index[c].get(v);
      if (list) list.push(i);
      else index[c].set(v, [i]);
    }
  const seen = new Int32Array(n).fill(-1);
  const best = new Map<number, { d: number; mirrored: boolean }>();
  let comparisons = 0;
  let pairs = 0;
  for (let i = 0; i < n; i++) {
    best.clear();
    for (const mirrored of [false, true]) {
      const hi = words[i * 4 + (mirrored ? 2 : 0)];
      const lo = words[i * 4 + (mirrored ? 3 : 1)];
      const stamp = mirrored ? -2 - i : i;
      for (let c = 0; c < chunks; c++) {
        const list = index[c].get(chunkOf(hi, lo, c));
        if (!list) continue;
        for (const j of list) {
          if (j <= i || seen[j] === stamp) continue;
          seen[j] = stamp;
          comparisons++;
          let d = popcount32(hi ^ words[j * 4]) + popcount32(lo ^ words[j * 4 + 1]);
          if (d > maxDistance) continue;
          if (mirrored)
            d = Math.max(
              d,
              popcount32(words[i * 4] ^ words[j * 4 + 2]) + popcount32(words[i * 4 + 1] ^ words[j * 4 + 3]),
            );
          if (d > maxDistance) continue;
          const prev = best.get(j);
          if (!prev || d < prev.d) best.set(j, { d, mirrored });
        }
      }
    }
    for (const [j, { d, mirrored }] of best) {
      pairs++;
      onPair(i, j, d, mirrored);
    }
  }
  return { comparisons, pairs };
}
