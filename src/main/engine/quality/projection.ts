/**
 * The reduced rows for the similarity filter: [y, ρ] with y = the row in its top-r principal directions
 * and ρ its residual norm (see similarity.ts for why [y_i, ρ_i]·[y_j, ρ_j] bounds the cosine from above).
 * The rank is chosen by estimated cost: a smaller r makes the ORT product cheaper but the bound looser
 * (more candidates to verify in JavaScript). The candidate rate per rank is measured on a sample, and when
 * no rank beats the exact full product (isotropic data, where no projection keeps the energy), the full
 * rows are used as they are.
 */
import { gemm, pairsAbove } from './ort-kernels';
import { mulberry32 } from '@shared/random';

/** Multiply-adds per second: ORT's Gemm on 2 cores (19–40e9 measured on a busy machine) and plain JS. */
const ORT_MACS = 2e10;
const JS_MACS = 5e8;
/** Ranks considered (at most half the dimension). */
const RANKS = [32, 64, 128, 192, 256];
/** Below this many seconds of full product, fitting a projection is not worth its own cost. */
const FULL_IS_CHEAP_S = 1;
const FIT_SAMPLE = 2048;
/** Rows (disjoint from the fit's: a basis flatters the rows it was fitted to) for the candidate rate. */
const RATE_SAMPLE = 1024;

export interface RankChoice {
  r: number;
  /** Estimated seconds: ORT product plus JavaScript verification of the candidates. */
  estimateS: number;
  /** Fraction of sample pairs passing the filter (1 for the full rows: every pair is exact). */
  candidateRate: number | null;
}

export interface Augmented {
  /** Rows [y, ρ], n × (r + 1). */
  aug: Float32Array;
  r: number;
  choices: RankChoice[];
}

const fullProductS = (n: number, dim: number) => (n * n * dim) / 2 / ORT_MACS;

function fullRows(x: Float32Array, n: number, dim: number, choices: RankChoice[]): Augmented {
  const aug = new Float32Array(n * (dim + 1));
  for (let i = 0; i < n; i++) aug.set(x.subarray(i * dim, (i + 1) * dim), i * (dim + 1));
  return { aug, r: dim, choices };
}

/** Rows picked by index, copied into one matrix. */
function gather(x: Float32Array, dim: number, rows: ArrayLike<number>): Float32Array {
  const out = new Float32Array(rows.length * dim);
  for (let i = 0; i < rows.length; i++) out.set(x.subarray(rows[i] * dim, (rows[i] + 1) * dim), i * dim);
  return out;
}

/** Two disjoint seeded random row samples: for fitting the basis, and for measuring the candidate rate. */
function samples(n: number): { fit: Int32Array; rate: Int32Array } {
  const rand = mulberry32(0x5a3b1e);
  const fitN = Math.min(FIT_SAMPLE, Math.ceil(n / 2));
  const rateN = Math.min(RATE_SAMPLE, n - fitN);
  // Partial Fisher–Yates over a virtual identity permutation (a map holds the swapped slots).
  const swapped = new Map<number, number>();
  const pick = new Int32Array(fitN + rateN);
  for (let i = 0; i < pick.length; i++) {
    const j = i + Math.floor(rand() * (n - i));
    const vj = swapped.get(j) ?? j;
    swapped.set(j, swapped.get(i) ?? i);
    pick[i] = vj;
  }
  return { fit: pick.subarray(0, fitN), rate: pick.subarray(fitN) };
}

/** [y, ρ] for rows of `x` with the first r rows of `qt` ([≥ r × dim], orthonormal rows). */
async function project(
  x: Float32Array,
  n: number,
  dim: number,
  qt: Float32Array,
  r: number,
): Promise<Float32Array> {
  const basis = qt.subarray(0, r * dim);
  const aug = new Float32Array(n * (r + 1));
  const B = 8192;
  for (let i0 = 0; i0 < n; i0 += B) {
    const m = Math.min(B, n - i0);
    const y = await gemm(x.subarray(i0 * dim, (i0 + m) * dim), [m, dim], basis, [r, dim], false, true);
    for (let i = 0; i < m; i++) {
      const row = (i0 + i) * (r + 1);
      let yy = 0;
      for (let c = 0; c < r; c++) {
        const v = y[i * r + c];
        aug[row + c] = v;
        yy += v * v;
      }
      let xx = 0;
      const o = (i0 + i) * dim;
      for (let c = 0; c < dim; c++) xx += x[o + c] * x[o + c];
      // A hair over the true residual: float32 rounding must never make the bound too tight.
      aug[row + r] = Math.sqrt(Math.max(0, xx - yy)) + 1e-4;
    }
  }
  return aug;
}

export async function augmentedRows(
  x: Float32Array,
  n: number,
  dim: number,
  want: number | 'auto',
  threshold: number,
): Promise<Augmented> {
  const full: RankChoice = { r: dim, estimateS: fullProductS(n, dim), candidateRate: null };
  if (n < 2 || (typeof want === 'number' && want >= dim)) return fullRows(x, n, dim, [full]);
  const rows = samples(n);
  if (typeof want === 'number') {
    const { qt } = await principalBasis(gather(x, dim, rows.fit), dim, want);
    return { aug: await project(x, n, dim, qt, want), r: want, choices: [] };
  }
  const maxR = Math.min(RANKS[RANKS.length - 1], Math.floor(dim / 2));
  if (maxR < RANKS[0] || full.estimateS <= FULL_IS_CHEAP_S || rows.rate.length < 64)
    return fullRows(x, n, dim, [full]);
  const { qt } = await principalBasis(gather(x, dim, rows.fit), dim, maxR);
  // Candidate rate per rank on other rows: what fraction of their pairs the bound lets through. Largest
  // rank first; once verification alone would cost more than the best so far, smaller ranks (looser
  // bounds, more candidates) cannot win.
  const s = rows.rate.length;
  const sample = gather(x, dim, rows.rate);
  const pairs = (s * (s - 1)) / 2;
  const choices: RankChoice[] = [full];
  let best = full.estimateS;
  for (const r of RANKS.filter((q) => q <= maxR).reverse()) {
    const a = await project(sample, s, dim, qt, r);
    const hits = await pairsAbove(a, s, a, s, r + 1, threshold - 1e-4);
    let upper = 0;
    for (let h = 0; h < hits.rows.length; h++) if (hits.cols[h] > hits.rows[h]) upper++;
    const rate = upper / pairs;
    const verifyS = ((n * n) / 2) * ((rate * dim) / JS_MACS);
    const estimateS = ((n * n) / 2) * ((r + 1) / ORT_MACS) + verifyS;
    choices.push({ r, candidateRate: rate, estimateS });
    best = Math.min(best, estimateS);
    if (verifyS > best) break;
  }
  const pick = choices.reduce((a, b) => (b.estimateS < a.estimateS ? b : a));
  if (pick.r === dim) return fullRows(x, n, dim, choices);
  return { aug: await project(x, n, dim, qt, pick.r), r: pick.r, choices };
}

/**
 * Top-r principal directions (uncentred: the rows are already centred) of sample rows [s × dim], by
 * subspace iteration on their second-moment matrix. Returns them as the rows of `qt` [r × dim], sorted
 * by captured energy, and the cumulative energy fraction of the first c rows. Any orthonormal basis keeps
 * the filter exact (similarity.ts), so a few iterations suffice: a better basis only means fewer
 * candidates. Every product runs in ORT, including the orthonormalisation (Cholesky QR, twice), which as
 * Gram–Schmidt in JavaScript was most of this function's time (r²·dim per pass).
 */
export async function principalBasis(
  sample: Float32Array,
  dim: number,
  r: number,
  iterations = 2,
): Promise<{ qt: Float32Array; energy: Float64Array }> {
  const s = sample.length / dim;
  const M = await gemm(sample, [s, dim], sample, [s, dim], true, false); // [dim × dim], symmetric
  const rand = mulberry32(0x5eed);
  let qt: Float32Array = await orthonormalRows(
    Float32Array.from({ length: r * dim }, () => rand() - 0.5),
    r,
    dim,
  );
  let z: Float32Array = new Float32Array(0);
  for (let it = 0; it <= iterations; it++) {
    // Qt · M: the rows of M·Q (M is symmetric).
    z = await gemm(qt, [r, dim], M, [dim, dim], false, false);
    if (it === iterations) break;
    qt = await orthonormalRows(z, r, dim);
  }
  // Energy captured by each direction: q · M q.
  let trace = 0;
  for (let d = 0; d < dim; d++) trace += M[d * dim + d];
  const order = Array.from({ length: r }, (_, c) => {
    let e = 0;
    for (let d = 0; d < dim; d++) e += qt[c * dim + d] * z[c * dim + d];
    return { c, e };
  }).sort((a, b) => b.e - a.e);
  const sorted = new Float32Array(r * dim);
  const energy = new Float64Array(r);
  let acc = 0;
  order.forEach(({ c, e }, k) => {
    sorted.set(qt.subarray(c * dim, (c + 1) * dim), k * dim);
    acc += e;
    energy[k] = trace > 0 ? acc / trace : 1;
  });
  return { qt: sorted, energy };
}

/**
 * Orthonormal rows spanning those of q [rows × cols] by Cholesky QR, twice (the second pass removes the
 * first's float32 loss of orthogonality): G = q·qᵀ = L·Lᵀ, q ← L⁻¹·q. The two products run in ORT; the
 * rows × rows factorisation in float64 JavaScript. A direction with no energy left becomes a zero row
 * (harmless: the filter's bound holds for any set of orthonormal or zero rows).
 */
export async function orthonormalRows(q: Float32Array, rows: number, cols: number): Promise<Float32Array> {
  let out = q;
  for (let pass = 0; pass < 2; pass++) {
    const g = await gemm(out, [rows, cols], out, [rows, cols], false, true);
    out = await gemm(inverseCholesky(g, rows), [rows, rows], out, [rows, cols]);
  }
  return out;
}

/** L⁻¹ for G = L·Lᵀ (G symmetric positive semi-definite, [n × n]); a degenerate pivot gives a zero row. */
function inverseCholesky(g: Float32Array, n: number): Float32Array {
  const L = new Float64Array(n * n);
  let maxDiag = 0;
  for (let i = 0; i < n; i++) maxDiag = Math.max(maxDiag, g[i * n + i]);
  const tiny = maxDiag * 1e-10;
  const dead = new Uint8Array(n);
  for (let j = 0; j < n; j++) {
    let d = g[j * n + j];
    for (let k = 0; k < j; k++) d -= L[j * n + k] * L[j * n + k];
    if (d <= tiny) {
      dead[j] = 1;
      continue;
    }
    const ljj = Math.sqrt(d);
    L[j * n + j] = ljj;
    for (let i = j + 1; i < n; i++) {
      let v = g[i * n + j];
      for (let k = 0; k < j; k++) v -= L[i * n + k] * L[j * n + k];
      L[i * n + j] = v / ljj;
    }
  }
  // Forward substitution for each column of the identity; dead pivots' rows and columns stay zero.
  const inv = new Float32Array(n * n);
  const col = new Float64Array(n);
  for (let c = 0; c < n; c++) {
    if (dead[c]) continue;
    col.fill(0);
    for (let i = c; i < n; i++) {
      if (dead[i]) continue;
      let v = i === c ? 1 : 0;
      for (let k = c; k < i; k++) v -= L[i * n + k] * col[k];
      col[i] = v / L[i * n + i];
      inv[i * n + c] = col[i];
    }
  }
  return inv;
}
