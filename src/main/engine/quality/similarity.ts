/**
 * All pairs of rows with cosine similarity ≥ t among n unit vectors, exactly, in O(n·d) memory.
 *
 * Method: an exact blocked product on reduced dimensions, run by ONNX Runtime, as a *filter* that cannot
 * miss a pair, then exact full-dimension verification of the few candidates in JavaScript.
 * - Reduce: P = the top-r principal directions of the rows (subspace iteration on a 4096-row sample's
 *   second-moment matrix, products in ORT). For a unit row x: y = Pᵀx and residual norm ρ = √(1 − |y|²).
 * - Filter: by Cauchy–Schwarz, x_i·x_j = y_i·y_j + r_i·r_j ≤ y_i·y_j + ρ_i ρ_j, which is the dot product
 *   of the augmented rows [y, ρ]. So every pair with x_i·x_j ≥ t has [y_i, ρ_i]·[y_j, ρ_j] ≥ t: a
 *   (r+1)-dimensional blocked product (ORT Gemm → Greater → NonZero, 2048 × 8192 blocks over the upper
 *   triangle) yields a superset of the answer, with no false negatives by construction.
 * - Verify: the exact d-dimensional dot product of each candidate.
 * Why not the alternatives: the exact full product is n²d/2 ≈ 6.4e12 multiply-adds for 100k × 1280 (over
 * a minute even in ORT on 2 cores); LSH at a cosine of 0.7 needs hundreds of tables for high recall, and
 * approximate-NN libraries (hnswlib) return k neighbours, not all pairs above a threshold, and miss some.
 * Cost here: n²(r+1)/2 in ORT (r ≈ 64–256) plus candidates × d in JavaScript.
 */
import { pairsAbove, gemm } from './ort-kernels';
import { mulberry32 } from '../util/random';

export interface SimilarPairsOptions {
  threshold: number;
  /** Dimensions kept for the filter; 'auto' (default) picks from the sample's energy spectrum. */
  reducedDim?: number | 'auto';
  blockRows?: number;
  blockCols?: number;
  signal?: AbortSignal;
  onPair: (i: number, j: number, similarity: number) => void;
}

export interface SimilarPairsStats {
  method: string;
  dim: number;
  reducedDim: number;
  candidates: number;
  pairs: number;
  ms: { project: number; product: number; verify: number };
}

/** Below this dimension the filter runs on the full vectors (the bound is then exact: ρ = 0). */
const REDUCE_ABOVE = 192;
/**
 * Nor is it worth reducing when the full product is this small (multiply-adds, ≈ half a second in ORT on
 * 2 cores): fitting the projection costs about that much on its own.
 */
const REDUCE_ABOVE_WORK = 2e10;
const SAMPLE = 4096;
const RANKS = [32, 64, 96, 128, 192, 256];
/** Largest mean residual energy accepted when choosing r: the filter's slack is ≈ ρ_i ρ_j. */
const MAX_RESIDUAL = 0.2;
/** Float32 products round; the filter threshold is lowered by this much, verification is exact. */
const ROUNDING = 1e-4;

export async function similarPairs(
  x: Float32Array,
  dim: number,
  o: SimilarPairsOptions,
): Promise<SimilarPairsStats> {
  const n = x.length / dim;
  const t0 = Date.now();
  const { aug, r } = await augmentedRows(x, n, dim, o.reducedDim ?? 'auto');
  const k = r + 1;
  const tProject = Date.now() - t0;
  const R = o.blockRows ?? 2048;
  const Cb = o.blockCols ?? 8192;
  let candidates = 0;
  let pairs = 0;
  let productMs = 0;
  let verifyMs = 0;
  for (let i0 = 0; i0 < n; i0 += R) {
    const m = Math.min(R, n - i0);
    const a = aug.subarray(i0 * k, (i0 + m) * k);
    for (let j0 = i0; j0 < n; j0 += Cb) {
      if (o.signal?.aborted) throw new Error('stopped');
      const w = Math.min(Cb, n - j0);
      const tp = Date.now();
      const hits = await pairsAbove(a, m, aug.subarray(j0 * k, (j0 + w) * k), w, k, o.threshold - ROUNDING);
      const tv = Date.now();
      productMs += tv - tp;
      for (let h = 0; h < hits.rows.length; h++) {
        const i = i0 + Number(hits.rows[h]);
        const j = j0 + Number(hits.cols[h]);
        if (j <= i) continue;
        candidates++;
        const s = dot(x, i * dim, j * dim, dim);
        if (s >= o.threshold) {
          pairs++;
          o.onPair(i, j, s);
        }
      }
      verifyMs += Date.now() - tv;
    }
  }
  return {
    method:
      r === dim
        ? 'exact blocked product (ORT)'
        : 'PCA filter with Cauchy–Schwarz bound (ORT) + exact verification',
    dim,
    reducedDim: r,
    candidates,
    pairs,
    ms: { project: tProject, product: productMs, verify: verifyMs },
  };
}

export function dot(x: Float32Array, a: number, b: number, dim: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let c = 0;
  for (; c + 3 < dim; c += 4) {
    s0 += x[a + c] * x[b + c];
    s1 += x[a + c + 1] * x[b + c + 1];
    s2 += x[a + c + 2] * x[b + c + 2];
    s3 += x[a + c + 3] * x[b + c + 3];
  }
  for (; c < dim; c++) s0 += x[a + c] * x[b + c];
  return s0 + s1 + s2 + s3;
}

/** Rows [y, ρ] (n × (r+1)): the reduced row and its residual norm; for small dims the rows and 0. */
async function augmentedRows(
  x: Float32Array,
  n: number,
  dim: number,
  want: number | 'auto',
): Promise<{ aug: Float32Array; r: number }> {
  const small = dim <= REDUCE_ABOVE || (n * n * dim) / 2 <= REDUCE_ABOVE_WORK;
  if ((want === 'auto' && small) || want === dim || n < 2) {
    const aug = new Float32Array(n * (dim + 1));
    for (let i = 0; i < n; i++) aug.set(x.subarray(i * dim, (i + 1) * dim), i * (dim + 1));
    return { aug, r: dim };
  }
  const maxR = want === 'auto' ? Math.min(RANKS[RANKS.length - 1], Math.floor(dim / 2)) : Math.min(want, dim);
  const { basis, energy } = await principalBasis(x, n, dim, maxR);
  let r = maxR;
  if (want === 'auto') {
    for (const cand of RANKS) {
      if (cand > maxR) break;
      if (1 - energy[cand - 1] <= MAX_RESIDUAL) {
        r = cand;
        break;
      }
    }
  }
  // Projection with the first r basis vectors: P is [dim × maxR] row-major; take its first r columns.
  const P = new Float32Array(dim * r);
  for (let d = 0; d < dim; d++) P.set(basis.subarray(d * maxR, d * maxR + r), d * r);
  const aug = new Float32Array(n * (r + 1));
  const B = 8192;
  for (let i0 = 0; i0 < n; i0 += B) {
    const m = Math.min(B, n - i0);
    const y = await gemm(x.subarray(i0 * dim, (i0 + m) * dim), [m, dim], P, [dim, r]);
    for (let i = 0; i < m; i++) {
      let s = 0;
      const row = (i0 + i) * (r + 1);
      for (let c = 0; c < r; c++) {
        const v = y[i * r + c];
        aug[row + c] = v;
        s += v * v;
      }
      const xi = dot(x, (i0 + i) * dim, (i0 + i) * dim, dim);
      aug[row + r] = Math.sqrt(Math.max(0, xi - s)) + 1e-4;
    }
  }
  return { aug, r };
}

/**
 * Top-r principal directions (uncentred: the rows are already centred) of up to 4096 evenly spaced rows,
 * by subspace iteration on their second-moment matrix. Returns the basis [dim × r] (columns sorted by
 * captured energy) and the cumulative fraction of the sample's energy captured by the first c columns.
 */
export async function principalBasis(
  x: Float32Array,
  n: number,
  dim: number,
  r: number,
  iterations = 4,
): Promise<{ basis: Float32Array; energy: Float64Array }> {
  const s = Math.min(n, SAMPLE);
  const sample = new Float32Array(s * dim);
  for (let i = 0; i < s; i++) {
    const src = Math.floor((i * n) / s);
    sample.set(x.subarray(src * dim, (src + 1) * dim), i * dim);
  }
  const M = await gemm(sample, [s, dim], sample, [s, dim], true, false); // [dim × dim]
  const rand = mulberry32(0x5eed);
  let Q: Float32Array = Float32Array.from({ length: dim * r }, () => rand() - 0.5);
  orthonormaliseColumns(Q, dim, r);
  for (let it = 0; it < iterations; it++) {
    Q = await gemm(M, [dim, dim], Q, [dim, r]);
    orthonormaliseColumns(Q, dim, r);
  }
  const Z = await gemm(M, [dim, dim], Q, [dim, r]);
  let trace = 0;
  for (let d = 0; d < dim; d++) trace += M[d * dim + d];
  const colEnergy = Array.from({ length: r }, (_, c) => {
    let e = 0;
    for (let d = 0; d < dim; d++) e += Q[d * r + c] * Z[d * r + c];
    return { c, e };
  }).sort((a, b) => b.e - a.e);
  const basis = new Float32Array(dim * r);
  const energy = new Float64Array(r);
  let acc = 0;
  colEnergy.forEach(({ c, e }, k) => {
    for (let d = 0; d < dim; d++) basis[d * r + k] = Q[d * r + c];
    acc += e;
    energy[k] = trace > 0 ? acc / trace : 1;
  });
  return { basis, energy };
}

/** Modified Gram–Schmidt on the columns of a row-major [rows × cols] matrix, in place. */
function orthonormaliseColumns(q: Float32Array, rows: number, cols: number): void {
  const col = new Float64Array(rows);
  for (let c = 0; c < cols; c++) {
    for (let d = 0; d < rows; d++) col[d] = q[d * cols + c];
    for (let p = 0; p < c; p++) {
      let s = 0;
      for (let d = 0; d < rows; d++) s += col[d] * q[d * cols + p];
      for (let d = 0; d < rows; d++) col[d] -= s * q[d * cols + p];
    }
    let norm = 0;
    for (let d = 0; d < rows; d++) norm += col[d] * col[d];
    norm = Math.sqrt(norm) || 1;
    for (let d = 0; d < rows; d++) q[d * cols + c] = col[d] / norm;
  }
}
