/**
 * All pairs of rows with cosine similarity ≥ t among n unit vectors, exactly, in O(n·d) memory.
 *
 * Method: an exact blocked product on reduced dimensions, run by ONNX Runtime, as a *filter* that cannot
 * miss a pair, then exact full-dimension verification of the few candidates in JavaScript.
 * - Reduce: P = the top-r principal directions of the rows (subspace iteration on a 4096-row sample's
 *   second-moment matrix, products in ORT). For a unit row x: y = Pᵀx and residual norm ρ = √(1 − |y|²).
 *   r is picked by estimated cost from the candidate rate measured on a sample (projection.ts); when no r
 *   beats it (near-isotropic data) or the product is small anyway, the full rows are used (ρ = 0).
 * - Filter: by Cauchy–Schwarz, x_i·x_j = y_i·y_j + r_i·r_j ≤ y_i·y_j + ρ_i ρ_j, which is the dot product
 *   of the augmented rows [y, ρ]. So every pair with x_i·x_j ≥ t has [y_i, ρ_i]·[y_j, ρ_j] ≥ t: a
 *   (r+1)-dimensional blocked product (ORT Gemm → Greater → NonZero, 2048 × 8192 blocks over the upper
 *   triangle) yields a superset of the answer, with no false negatives by construction.
 * - Screen: the same bound at a finer rank f > r ([y_{:f}, ρ_f], one basis), in JavaScript, for each
 *   candidate (when the estimate says it pays: a candidate costs f + 1 instead of d multiply-adds).
 * - Verify: the exact d-dimensional dot product of each candidate left.
 * The next block's product runs in ORT while JavaScript verifies this block's candidates.
 * Why not the alternatives: the exact full product is n²d/2 ≈ 6.4e12 multiply-adds for 100k × 1280 (over
 * a minute even in ORT on 2 cores); LSH at a cosine of 0.7 needs hundreds of tables for high recall, and
 * approximate-NN libraries (hnswlib) return k neighbours, not all pairs above a threshold, and miss some.
 * Cost here: n²(r+1)/2 in ORT (r ≈ 32–256) plus candidates × (f + 1) and screened candidates × d in
 * JavaScript.
 * Memory, per row: 4d bytes (the rows themselves, for exact verification) + 4·stride(f + 1) (fine rows)
 * + 4(r + 1) (coarse rows): ~7 KB at d = 1280, f = 384, r = 96 (~0.7 GB at 100k rows); per pair found,
 * 16 bytes in the caller (duplicates.ts keeps them for the local margin); the ORT block temporaries are
 * bounded by the block size and freed when the search ends.
 */
import { QualityStoppedError } from './errors';
import { kernelScope, pairsAbove } from './ort-kernels';
import { augmentedRows, fineRank, type RankChoice } from './projection';
import { DotArena } from './simd-dot';
import { pooledEmbeddings } from './embed';

export interface SimilarPairsOptions {
  threshold: number;
  /** Dimensions kept for the filter (≥ dim: none); 'auto' (default) picks the cheapest by estimate. */
  reducedDim?: number | 'auto';
  blockRows?: number;
  blockCols?: number;
  signal?: AbortSignal;
  onPair: (i: number, j: number, similarity: number) => void;
  /** The arena `x` lives in (rowsForSearch): candidates are screened with WebAssembly SIMD there. */
  arena?: DotArena | null;
}

export interface SimilarPairsStats {
  method: string;
  dim: number;
  reducedDim: number;
  /** The fine screen's rank (0: none). */
  fineDim: number;
  /** Pairs through the ORT filter. */
  candidates: number;
  /** Candidates through the fine screen (= candidates without one). */
  screened: number;
  pairs: number;
  ms: { project: number; product: number; verify: number };
  /** The ranks considered and their estimated cost ('auto'). */
  choices: RankChoice[];
}

/** Float32 products round; the filter threshold is lowered by this much, verification is exact. */
const ROUNDING = 1e-4;
/** More than a float32 SIMD dot product of unit-norm rows can be off by (simd-dot.ts). */
const SIMD_ROUNDING = 2e-4;
/** Candidates screened per WebAssembly call. */
const PAIR_CHUNK = 1 << 16;

/**
 * Rows for `similarPairs` ([n × dim], zeros): inside a SIMD arena with room for the fine screen's rows
 * when the runtime has WebAssembly SIMD and dim is a multiple of 8, else a plain array.
 */
/**
 * Pooled embeddings read straight into a search arena (`findDuplicates` then searches them in place, no
 * copy): what the pre-training check passes it.
 */
export async function embeddingsForSearch(
  set: Parameters<typeof pooledEmbeddings>[0],
  items: Parameters<typeof pooledEmbeddings>[1],
): Promise<{ data: Float32Array; dim: number; arena: DotArena | null }> {
  let arena: DotArena | null = null;
  const e = await pooledEmbeddings(set, items, (count, dim) => {
    const r = rowsForSearch(count, dim);
    arena = r.arena;
    return r.rows;
  });
  return { ...e, arena };
}

export function rowsForSearch(n: number, dim: number): { rows: Float32Array; arena: DotArena | null } {
  const arena =
    dim % 8 === 0
      ? DotArena.create(
          DotArena.bytes(n * dim) +
            DotArena.bytes(n * DotArena.stride(fineRank(dim) + 1)) +
            DotArena.bytes(2 * PAIR_CHUNK),
        )
      : null;
  return { rows: arena ? arena.floats(n * dim) : new Float32Array(n * dim), arena };
}

export function similarPairs(
  x: Float32Array,
  dim: number,
  o: SimilarPairsOptions,
): Promise<SimilarPairsStats> {
  // The ORT temporaries (projection, blocked product) are freed when the search ends.
  return kernelScope(() => search(x, dim, o));
}

async function search(x: Float32Array, dim: number, o: SimilarPairsOptions): Promise<SimilarPairsStats> {
  const n = x.length / dim;
  const t0 = Date.now();
  const arena = o.arena && o.arena.owns(x) && dim % 8 === 0 ? o.arena : null;
  // Everything the search allocates in the arena (fine rows, pair buffer) is freed when it ends.
  const mark = arena?.mark() ?? 0;
  const ms = { project: 0, product: 0, verify: 0 };
  let verify: Verifier;
  let r: number;
  let fineR: number;
  let choices: RankChoice[];
  try {
    const rows = await augmentedRows(
      x,
      n,
      dim,
      o.reducedDim ?? 'auto',
      o.threshold,
      arena ? { rows: (count) => arena.floats(count), stride: DotArena.stride } : undefined,
    );
    ({ r, fineR, choices } = rows);
    const { aug, k, fine, fineStride } = rows;
    ms.project = Date.now() - t0;
    const R = o.blockRows ?? 2048;
    const Cb = o.blockCols ?? 8192;
    const blocks: Block[] = [];
    for (let i0 = 0; i0 < n; i0 += R)
      for (let j0 = i0; j0 < n; j0 += Cb)
        blocks.push({ i0, m: Math.min(R, n - i0), j0, w: Math.min(Cb, n - j0) });
    const product = (b: Block) =>
      pairsAbove(
        aug.subarray(b.i0 * k, (b.i0 + b.m) * k),
        b.m,
        aug.subarray(b.j0 * k, (b.j0 + b.w) * k),
        b.w,
        k,
        o.threshold - ROUNDING,
      );
    const screen = fine ? { rows: fine, len: fineR + 1, stride: fineStride } : null;
    verify = arena ? simdVerifier(arena, x, dim, screen, o) : jsVerifier(x, dim, screen, o);
    await scanBlocks(blocks, product, verify, ms, o.signal);
  } finally {
    arena?.release(mark);
  }
  const { candidates, screened, pairs } = verify;
  return {
    method:
      (r === dim
        ? 'exact blocked product (ORT)'
        : `PCA filter with Cauchy–Schwarz bound (ORT, r=${r})` +
          (fineR ? ` + PCA screen (r=${fineR})` : '') +
          ' + exact verification') + (arena ? ' (WebAssembly SIMD screens)' : ''),
    dim,
    reducedDim: r,
    fineDim: fineR,
    candidates,
    screened,
    pairs,
    ms,
    choices,
  };
}

interface Block {
  i0: number;
  m: number;
  j0: number;
  w: number;
}

/** Each block's hits to the verifier; the next block's product runs in ORT while this one's are verified. */
async function scanBlocks(
  blocks: Block[],
  product: (b: Block) => Promise<{ rows: Int32Array; cols: Int32Array }>,
  verify: Verifier,
  ms: { project: number; product: number; verify: number },
  signal?: AbortSignal,
): Promise<void> {
  let next = blocks.length ? product(blocks[0]) : null;
  try {
    for (let q = 0; q < blocks.length; q++) {
      if (signal?.aborted) throw new QualityStoppedError();
      const { i0, j0 } = blocks[q];
      const tp = Date.now();
      const hits = await next!;
      next = q + 1 < blocks.length ? product(blocks[q + 1]) : null;
      const tv = Date.now();
      ms.product += tv - tp;
      for (let h = 0; h < hits.rows.length; h++) {
        const i = i0 + hits.rows[h];
        const j = j0 + hits.cols[h];
        if (j > i) verify.add(i, j);
      }
      verify.flush();
      ms.verify += Date.now() - tv;
    }
  } finally {
    // A product still running when this stops (aborted, or an error) is waited for, never left dangling.
    await next?.catch(() => undefined);
  }
}

interface Verifier {
  add(i: number, j: number): void;
  /** Verifies what `add` left pending. */
  flush(): void;
  candidates: number;
  screened: number;
  pairs: number;
}

/** The fine screen's rows: `len` values each, `stride` apart. */
interface Screen {
  rows: Float32Array;
  len: number;
  stride: number;
}

/** Candidates checked one at a time: the fine bound, then the exact float64 dot product. */
function jsVerifier(x: Float32Array, dim: number, fine: Screen | null, o: SimilarPairsOptions): Verifier {
  const v: Verifier = {
    candidates: 0,
    screened: 0,
    pairs: 0,
    add(i, j) {
      v.candidates++;
      if (fine && dot(fine.rows, i * fine.stride, j * fine.stride, fine.len) < o.threshold - ROUNDING) return;
      v.screened++;
      const s = dot(x, i * dim, j * dim, dim);
      if (s >= o.threshold) {
        v.pairs++;
        o.onPair(i, j, s);
      }
    },
    flush() {},
  };
  return v;
}

/**
 * Candidates gathered in the arena and screened in bulk with float32 SIMD: the fine bound, then the
 * full rows (both at thresholds lowered past their rounding), then the few left exactly in float64,
 * in the order they came (the same pairs, similarities and order as jsVerifier).
 */
function simdVerifier(
  arena: DotArena,
  x: Float32Array,
  dim: number,
  fine: Screen | null,
  o: SimilarPairsOptions,
): Verifier {
  if (fine && (!arena.owns(fine.rows) || fine.stride % 8)) throw new Error('fine rows must be in the arena');
  const buf = arena.ints(2 * PAIR_CHUNK);
  let pending = 0;
  const v: Verifier = {
    candidates: 0,
    screened: 0,
    pairs: 0,
    add(i, j) {
      v.candidates++;
      buf[2 * pending] = i;
      buf[2 * pending + 1] = j;
      if (++pending === PAIR_CHUNK) v.flush();
    },
    flush() {
      let c = pending;
      pending = 0;
      if (fine)
        c = arena.filter(buf, c, fine.rows, fine.stride, fine.stride, o.threshold - ROUNDING - SIMD_ROUNDING);
      v.screened += c;
      c = arena.filter(buf, c, x, dim, dim, o.threshold - SIMD_ROUNDING);
      for (let q = 0; q < c; q++) {
        const i = buf[2 * q];
        const j = buf[2 * q + 1];
        const s = dot(x, i * dim, j * dim, dim);
        if (s >= o.threshold) {
          v.pairs++;
          o.onPair(i, j, s);
        }
      }
    },
  };
  return v;
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
