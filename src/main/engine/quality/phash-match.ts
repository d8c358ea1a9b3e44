import { hashWords, popcount32, type PerceptualHash } from './phash';

export interface PhashPairStats {
  comparisons: number;
  pairs: number;
}

/** Bits [start, end) of a 64-bit hash (hi word first) as a number (at most 16 bits here). */
function bitsOf(hi: number, lo: number, start: number, end: number): number {
  let v = 0;
  for (let b = start; b < end; b++) {
    const bit = b < 32 ? (hi >>> (31 - b)) & 1 : (lo >>> (63 - b)) & 1;
    v = (v << 1) | bit;
  }
  return v;
}

/** Every `width`-bit mask with at most `radius` bits set. */
function masksUpTo(width: number, radius: number): Int32Array {
  const out: number[] = [];
  const walk = (from: number, left: number, mask: number) => {
    out.push(mask);
    if (left === 0) return;
    for (let b = from; b < width; b++) walk(b + 1, left - 1, mask | (1 << b));
  };
  walk(0, radius, 0);
  return Int32Array.from(out);
}

const binomialSum = (w: number, r: number) => {
  let total = 0;
  let c = 1;
  for (let k = 0; k <= r; k++) {
    total += c;
    c = (c * (w - k)) / (k + 1);
  }
  return total;
};

/**
 * Chunk count for multi-index hashing (Norouzi et al., 2012): m chunks of ≤ 16 bits searched within
 * radius ⌊d/m⌋ each; fewer, wider chunks mean more probes but smaller buckets. Picks the m with the
 * fewest expected probes + comparisons for uniform hashes.
 */
function chunkCount(n: number, maxDistance: number): number {
  let best = { m: 4, cost: Infinity };
  for (let m = 4; m <= 64; m++) {
    const w = Math.ceil(64 / m);
    const probes = m * binomialSum(w, Math.floor(maxDistance / m));
    const cost = probes * (1 + n / 2 ** w);
    if (cost < best.cost) best = { m, cost };
  }
  return best.m;
}

/**
 * All pairs within `maxDistance` bits, comparing each hash with the others' hashes and mirrored hashes
 * (so horizontal flips match). A mirrored match must hold both ways (a's mirror vs b, and a vs b's
 * mirror): the two differ slightly (each mirror has its own median) and taking the worse of the two
 * removes chance matches between unrelated photos. Exact, by multi-index hashing: split the 64 bits into
 * m chunks; two hashes within d bits differ by at most ⌊d/m⌋ bits in at least one chunk (pigeonhole), so
 * only hashes found by probing each chunk's table within that radius are compared — far fewer than n².
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
  const chunks = chunkCount(n, maxDistance);
  const radius = Math.floor(maxDistance / chunks);
  const bounds = Array.from({ length: chunks + 1 }, (_, c) => Math.round((c * 64) / chunks));
  // Per chunk: the plain hashes' indices grouped by chunk value (counting sort: ascending within a value).
  const offsets: Int32Array[] = [];
  const members: Int32Array[] = [];
  const masks: Int32Array[] = [];
  for (let c = 0; c < chunks; c++) {
    const width = bounds[c + 1] - bounds[c];
    const off = new Int32Array((1 << width) + 1);
    const values = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      values[i] = bitsOf(words[i * 4], words[i * 4 + 1], bounds[c], bounds[c + 1]);
      off[values[i] + 1]++;
    }
    for (let v = 0; v < 1 << width; v++) off[v + 1] += off[v];
    const fill = off.slice(0, -1);
    const idx = new Int32Array(n);
    for (let i = 0; i < n; i++) idx[fill[values[i]]++] = i;
    offsets.push(off);
    members.push(idx);
    masks.push(masksUpTo(width, radius));
  }
  const seen = new Int32Array(n).fill(-1);
  const bestD = new Int32Array(n);
  const bestMirrored = new Uint8Array(n);
  const touched: number[] = [];
  let comparisons = 0;
  let pairs = 0;
  for (let i = 0; i < n; i++) {
    touched.length = 0;
    for (let m = 0; m < 2; m++) {
      const hi = words[i * 4 + 2 * m];
      const lo = words[i * 4 + 2 * m + 1];
      const stamp = m ? -2 - i : i;
      for (let c = 0; c < chunks; c++) {
        const q = bitsOf(hi, lo, bounds[c], bounds[c + 1]);
        const off = offsets[c];
        const idx = members[c];
        for (const mask of masks[c]) {
          const v = q ^ mask;
          // Ascending within a bucket: walk down from the end while j > i.
          for (let k = off[v + 1] - 1; k >= off[v]; k--) {
            const j = idx[k];
            if (j <= i) break;
            if (seen[j] === stamp) continue;
            seen[j] = stamp;
            comparisons++;
            let d = popcount32(hi ^ words[j * 4]) + popcount32(lo ^ words[j * 4 + 1]);
            if (d > maxDistance) continue;
            if (m)
              d = Math.max(
                d,
                popcount32(words[i * 4] ^ words[j * 4 + 2]) + popcount32(words[i * 4 + 1] ^ words[j * 4 + 3]),
              );
            if (d > maxDistance) continue;
            // bestD holds distance + 1 for this i (0: not matched yet), reset after reporting.
            if (bestD[j] === 0) {
              touched.push(j);
              bestD[j] = d + 1;
              bestMirrored[j] = m;
            } else if (d + 1 < bestD[j]) {
              bestD[j] = d + 1;
              bestMirrored[j] = m;
            }
          }
        }
      }
    }
    for (const j of touched) {
      pairs++;
      onPair(i, j, bestD[j] - 1, bestMirrored[j] === 1);
      bestD[j] = 0;
    }
  }
  return { comparisons, pairs };
}
