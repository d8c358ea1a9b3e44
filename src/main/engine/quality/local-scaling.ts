/**
 * Hubness correction for the embedding signal (local scaling, as CSLS in Conneau et al. 2018): a pair
 * counts as a near-duplicate only if its cosine also stands out from each photo's own neighbourhood,
 * s − max(r_i, r_j) ≥ margin, where r_i is the mean cosine of photo i to its K nearest other photos
 * (its partner left out). Why: a small base (MobileNet v1-0.25) puts distinct photos of one texture
 * (ants on sand) at 0.78, above a real crop + resize + re-encode of a distinctive photo (0.776), so no
 * global threshold separates them on hymenoptera; relative to their crowded neighbourhoods the sand
 * photos stand out by ≤ 0.21, the planted copies by ≥ 0.25 (and ≥ 0.28 on MobileNetV2-0.35).
 *
 * Only rows of pairs above the threshold need a neighbourhood: one product of those rows × a reference
 * in ORT, which also picks each row's top K (only [rows × K] crosses into JavaScript). The reference is every row up to REFERENCE_ROWS, else a seeded sample of that many; then r_i
 * comes out somewhat low and the rule errs towards the plain threshold (keeping more pairs).
 */
import { mulberry32 } from '@shared/random';
import { kernelScope, topOfProduct } from './ort-kernels';

export const LOCAL_K = 5;
export const REFERENCE_ROWS = 4096;

/**
 * Each listed row's K+1 most similar reference rows (itself excluded), most similar first, in flat
 * columns: 48 bytes per listed row plus 4 per row of the set (a Map of small typed arrays per row cost
 * ~10× that, and at 100k images nearly every row is listed).
 */
export interface Neighbourhoods {
  k: number;
  /** Row → its slot (-1: not listed). */
  slotOf: Int32Array;
  /** K+1 values per slot (unfilled: -Infinity / -1). */
  sims: Float32Array;
  idx: Int32Array;
}

function gather(x: Float32Array, dim: number, rows: ArrayLike<number>): Float32Array {
  const out = new Float32Array(rows.length * dim);
  for (let i = 0; i < rows.length; i++) out.set(x.subarray(rows[i] * dim, (rows[i] + 1) * dim), i * dim);
  return out;
}

function referenceRows(n: number): Int32Array {
  if (n <= REFERENCE_ROWS) return Int32Array.from({ length: n }, (_, i) => i);
  const rand = mulberry32(0x10ca1);
  const all = Int32Array.from({ length: n }, (_, i) => i);
  for (let i = 0; i < REFERENCE_ROWS; i++) {
    const j = i + Math.floor(rand() * (n - i));
    [all[i], all[j]] = [all[j], all[i]];
  }
  return all.slice(0, REFERENCE_ROWS).sort();
}

export function neighbourhoods(
  x: Float32Array,
  dim: number,
  rows: readonly number[],
  k = LOCAL_K,
): Promise<Neighbourhoods> {
  // ORT's top-k temporaries are freed when this ends (ort-kernels.ts).
  return kernelScope(() => topNeighbours(x, dim, rows, k));
}

async function topNeighbours(x: Float32Array, dim: number, rows: readonly number[], k: number) {
  const n = x.length / dim;
  const ref = referenceRows(n);
  const b = gather(x, dim, ref);
  const keep = k + 1;
  // One more than kept: the row itself may be among its own top (it is a reference row).
  const top = Math.min(keep + 1, ref.length);
  const slotOf = new Int32Array(n).fill(-1);
  const sims = new Float32Array(rows.length * keep).fill(-Infinity);
  const idx = new Int32Array(rows.length * keep).fill(-1);
  const B = 1024;
  for (let r0 = 0; r0 < rows.length; r0 += B) {
    const block = rows.slice(r0, r0 + B);
    // Product and top-k selection in ORT (ties: lower reference index first, as a scan in order would).
    const t = await topOfProduct(gather(x, dim, block), block.length, b, ref.length, dim, top);
    for (let p = 0; p < block.length; p++) {
      const slot = r0 + p;
      slotOf[block[p]] = slot;
      let c = slot * keep;
      for (let q = p * top; q < (p + 1) * top && c < (slot + 1) * keep; q++) {
        const row = ref[t.indices[q]];
        if (row === block[p]) continue;
        sims[c] = t.values[q];
        idx[c++] = row;
      }
    }
  }
  return { k, slotOf, sims, idx } satisfies Neighbourhoods;
}

/** Row i's neighbours (K+1, most similar first), or null when it was not listed. */
export function neighboursOf(nb: Neighbourhoods, i: number): { sims: Float32Array; idx: Int32Array } | null {
  const slot = nb.slotOf[i];
  if (slot === undefined || slot < 0) return null;
  const keep = nb.k + 1;
  return {
    sims: nb.sims.subarray(slot * keep, (slot + 1) * keep),
    idx: nb.idx.subarray(slot * keep, (slot + 1) * keep),
  };
}

/** r_i: mean similarity of row i to its K nearest reference rows other than `partner`. */
export function localMean(nb: Neighbourhoods, i: number, partner: number): number {
  const slot = nb.slotOf[i];
  if (slot === undefined || slot < 0) throw new Error(`no neighbourhood for row ${i}`);
  const keep = nb.k + 1;
  let sum = 0;
  let count = 0;
  for (let t = slot * keep; t < (slot + 1) * keep && count < nb.k; t++) {
    if (nb.idx[t] === partner || nb.idx[t] < 0) continue;
    sum += nb.sims[t];
    count++;
  }
  return count ? sum / count : 0;
}

/** The pair's similarity above the more crowded of its two neighbourhoods. */
export function localMargin(nb: Neighbourhoods, i: number, j: number, s: number): number {
  return s - Math.max(localMean(nb, i, j), localMean(nb, j, i));
}
