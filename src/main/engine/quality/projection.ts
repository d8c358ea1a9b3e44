/**
 * The reduced rows for the similarity filter (see similarity.ts for why [y_i, ρ_i]·[y_j, ρ_j] bounds the
 * cosine from above), in two levels from one basis: coarse rows [y_{:r}, ρ_r] for the blocked ORT
 * product over all pairs, and fine rows [y_{:f}, ρ_f] (f > r) that screen its candidates in JavaScript
 * before the exact full-dimension dot product. The product's cost per pair is mostly fixed (writing,
 * comparing and gathering the block, ~2 ns) plus r + 1 multiply-adds, while a candidate costs f + 1
 * (plus d for the few that pass the fine bound) in JavaScript, ~50× slower per multiply-add: a small r
 * with a fine screen beats one large r. Both ranks are chosen by estimated cost from the candidate
 * rates measured on a sample; when nothing beats the exact full product (small n, isotropic data),
 * the full rows are used as they are.
 */
import { gemm, pairsAbove } from './ort-kernels';
import { mulberry32 } from '@shared/random';

/** Seconds per pair of the blocked product beyond its multiply-adds (output, Greater, NonZero). */
const PAIR_S = 2e-9;
/** Multiply-adds per second: ORT's Gemm on 2 cores (AVX-512: 40–50e9 quiet) and plain JavaScript. */
const ORT_MACS = 4e10;
/** Candidate screening, per multiply-add: plain JavaScript, or WebAssembly SIMD (bound by memory reads). */
const JS_MACS = 7e8;
const SIMD_MACS = 2e9;
/** Coarse ranks considered for the ORT product. */
const RANKS = [32, 64, 96, 128, 192, 256];
/** The fine rank: at most this, and at most a third of the dimension. */
const FINE_RANK = 384;
/**
 * Below this many seconds of full product (n ≈ 11k at d = 1280), fitting a projection is not worth its
 * own cost (~1 s with the rate sampling, which the estimates below do not include: it is paid first).
 */
const FULL_IS_CHEAP_S = 2;
const FIT_SAMPLE = 2048;
/** Rows (disjoint from the fit's: a basis flatters the rows it was fitted to) for the candidate rates. */
const RATE_SAMPLE = 2048;

export interface RankChoice {
  r: number;
  /** The fine screen's rank (0: none, candidates are verified at full dimension). */
  fine: number;
  /** Estimated seconds: ORT product plus JavaScript screening and verification of the candidates. */
  estimateS: number;
  /** Fraction of sample pairs passing the coarse filter (null for the full rows: every pair is exact). */
  candidateRate: number | null;
}

export interface Augmented {
  /** Coarse rows [y, ρ], n × (r + 1); the full rows themselves (n × dim) when r = dim. */
  aug: Float32Array;
  r: number;
  /** Columns of `aug`. */
  k: number;
  /** Fine rows [y, ρ] (fineR + 1 values, then zeros to `fineStride`), or null (no screen). */
  fine: Float32Array | null;
  fineR: number;
  fineStride: number;
  choices: RankChoice[];
}

/** The fine screen's rank for rows of this dimension. */
export const fineRank = (dim: number) => Math.min(FINE_RANK, Math.floor(dim / 3));

const pairCount = (n: number) => (n * (n - 1)) / 2;
const fullProductS = (n: number, dim: number) => pairCount(n) * (PAIR_S + dim / ORT_MACS);

function fullRows(x: Float32Array, dim: number, choices: RankChoice[]): Augmented {
  return { aug: x, r: dim, k: dim, fine: null, fineR: 0, fineStride: 0, choices };
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

/**
 * Rows [y_{:r}, ρ_r] for each requested rank r, from one product with the first max(r) rows of `qt`
 * ([≥ r × dim], orthonormal rows). ρ_r is a hair over the true residual norm: float32 rounding must
 * never make the bound too tight.
 */
async function project(
  x: Float32Array,
  n: number,
  dim: number,
  qt: Float32Array,
  ranks: readonly number[],
  /** Where the last rank's rows go and their stride (≥ r + 1; padding left as allocated: zeros). */
  last?: { rows: (count: number) => Float32Array; stride: number },
): Promise<Float32Array[]> {
  const R = Math.max(...ranks);
  const basis = qt.subarray(0, R * dim);
  const strides = ranks.map((r, k) => (last && k === ranks.length - 1 ? last.stride : r + 1));
  const out = ranks.map((r, k) =>
    last && k === ranks.length - 1 ? last.rows(n * strides[k]) : new Float32Array(n * (r + 1)),
  );
  const B = 8192;
  for (let i0 = 0; i0 < n; i0 += B) {
    const m = Math.min(B, n - i0);
    const y = await gemm(x.subarray(i0 * dim, (i0 + m) * dim), [m, dim], basis, [R, dim], false, true);
    for (let i = 0; i < m; i++) {
      let xx = 0;
      const o = (i0 + i) * dim;
      for (let c = 0; c < dim; c++) xx += x[o + c] * x[o + c];
      ranks.forEach((r, k) => {
        const aug = out[k];
        const row = (i0 + i) * strides[k];
        let yy = 0;
        for (let c = 0; c < r; c++) {
          const v = y[i * R + c];
          aug[row + c] = v;
          yy += v * v;
        }
        aug[row + r] = Math.sqrt(Math.max(0, xx - yy)) + 1e-4;
      });
    }
  }
  return out;
}

/** Fraction of the sample's pairs whose bound at these rows reaches the threshold. */
async function passRate(rows: Float32Array, s: number, k: number, threshold: number): Promise<number> {
  const hits = await pairsAbove(rows, s, rows, s, k, threshold - 1e-4);
  let upper = 0;
  for (let h = 0; h < hits.rows.length; h++) if (hits.cols[h] > hits.rows[h]) upper++;
  return upper / pairCount(s);
}

export async function augmentedRows(
  x: Float32Array,
  n: number,
  dim: number,
  want: number | 'auto',
  threshold: number,
  /** Where the fine rows go (the SIMD arena) and their stride; default: a plain array, no padding. */
  fineRows?: { rows: (count: number) => Float32Array; stride: (len: number) => number },
): Promise<Augmented> {
  const screenMacs = fineRows ? SIMD_MACS : JS_MACS;
  const full: RankChoice = { r: dim, fine: 0, estimateS: fullProductS(n, dim), candidateRate: null };
  if (n < 2 || (typeof want === 'number' && want >= dim)) return fullRows(x, dim, [full]);
  const rows = samples(n);
  const fineR = fineRank(dim);
  const fineStride = fineRows ? fineRows.stride(fineR + 1) : fineR + 1;
  const last = fineRows ? { rows: fineRows.rows, stride: fineStride } : undefined;
  if (typeof want === 'number') {
    const { qt } = await principalBasis(gather(x, dim, rows.fit), dim, Math.max(want, fineR));
    if (want >= fineR) {
      const [aug] = await project(x, n, dim, qt, [want]);
      return { aug, r: want, k: want + 1, fine: null, fineR: 0, fineStride: 0, choices: [] };
    }
    const [aug, fine] = await project(x, n, dim, qt, [want, fineR], last);
    return { aug, r: want, k: want + 1, fine, fineR, fineStride, choices: [] };
  }
  const ranks = RANKS.filter((q) => q < fineR);
  if (!ranks.length || full.estimateS <= FULL_IS_CHEAP_S || rows.rate.length < 64)
    return fullRows(x, dim, [full]);
  const { qt } = await principalBasis(gather(x, dim, rows.fit), dim, fineR);
  // Projecting every row (the fit and the rate sampling are paid already, whatever is picked).
  const projectS = (n * dim * fineR) / ORT_MACS + (n * dim) / JS_MACS;
  // Candidate rates on other rows: what fraction of their pairs each bound lets through.
  const s = rows.rate.length;
  const sampleRows = await project(gather(x, dim, rows.rate), s, dim, qt, [...ranks, fineR]);
  const fineRate = await passRate(sampleRows[ranks.length], s, fineR + 1, threshold);
  const P = pairCount(n);
  const choices: RankChoice[] = [full];
  for (const [k, r] of ranks.entries()) {
    const rate = await passRate(sampleRows[k], s, r + 1, threshold);
    const product = P * (PAIR_S + (r + 1) / ORT_MACS);
    // Screened at the fine rank, or verified directly when the fine screen would not pay for itself.
    const screened = (P * (rate * (fineR + 1) + fineRate * dim)) / screenMacs;
    const direct = (P * rate * dim) / screenMacs;
    const useFine = screened < direct;
    choices.push({
      r,
      fine: useFine ? fineR : 0,
      candidateRate: rate,
      estimateS: projectS + product + Math.min(screened, direct),
    });
  }
  const pick = choices.reduce((a, b) => (b.estimateS < a.estimateS ? b : a));
  if (pick.r === dim) return fullRows(x, dim, choices);
  if (!pick.fine) {
    const [aug] = await project(x, n, dim, qt, [pick.r]);
    return { aug, r: pick.r, k: pick.r + 1, fine: null, fineR: 0, fineStride: 0, choices };
  }
  const [aug, fine] = await project(x, n, dim, qt, [pick.r, fineR], last);
  return { aug, r: pick.r, k: pick.r + 1, fine, fineR, fineStride, choices };
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
