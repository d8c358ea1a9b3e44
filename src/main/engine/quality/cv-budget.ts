/**
 * Head auto's cost bound. Cross-validating G candidates with k folds repeated r times trains
 * G·k·r heads on (k−1)/k of the vectors each: on hymenoptera's 245 images that is seconds, but it grows
 * with the dataset while a run's own head training (one fit) grows only as n. So selection works to a
 * budget counted in fit-vectors per epoch (Σ over fits of their training vectors, each candidate weighted
 * by its work relative to the cheapest): the steadiest scheme that fits the budget on every vector is
 * used; past that, candidates are ranked on a deterministic, class-stratified sample of the training
 * vectors, and the winner is then trained on all of them by the run as usual. Counted, not clocked, so a
 * busy machine never changes which head is chosen. (Relative work counts parameters: it understates a
 * Flatten head, which trains in tfjs rather than the fast head loop — 13× counted on MobileNet v1-0.25,
 * ~70× per epoch measured — but head-auto.ts skips those by default.)
 */
import { hashString, mixSeed, mulberry32, shuffleInPlace } from '@shared/random';

export interface CvBudget {
  /**
   * Fit-vectors per epoch: Σ over candidates of relative work × folds × repeats × training vectors per
   * fit. 30 000 lets hymenoptera (245 images, 12 pooled candidates) keep 5 folds × 2 repeats (23 520);
   * at 10k+ images it is ~4× the vectors a run's head trains on per epoch, and a fixed cost beyond.
   */
  fitVectors: number;
  /** Never rank on more vectors than this, whatever the budget allows (a small grid). */
  maxVectors: number;
}

export const DEFAULT_CV_BUDGET: CvBudget = { fitVectors: 30_000, maxVectors: 2_000 };

/** Steadiest first: 5-fold twice (hymenoptera's scheme), then once, then 3-fold (fewer, larger fits). */
export const CV_SCHEMES: readonly { folds: number; repeats: number }[] = [
  { folds: 5, repeats: 2 },
  { folds: 5, repeats: 1 },
  { folds: 3, repeats: 1 },
];

/** Each class keeps at least this many vectors in a sample (or all it has): every fold sees it. */
export const MIN_PER_CLASS = 20;

export interface CvPlan {
  folds: number;
  repeats: number;
  /** Training vectors the candidates are ranked on (≤ n). */
  vectors: number;
  /** The plan's fit-vectors per epoch (≤ the budget unless MIN_PER_CLASS forces more). */
  fitVectors: number;
}

/** Fit-vectors per epoch of one scheme on m vectors (each fit trains on (k−1)/k of them). */
export const fitVectorsOf = (relativeWork: number, folds: number, repeats: number, m: number) =>
  relativeWork * repeats * m * (folds - 1);

/**
 * The plan for n training vectors and candidates whose relative work sums to `relativeWork` (G when
 * all cost alike). Explicit folds/repeats are kept; the sample then shrinks to fit the budget.
 */
export function planCv(
  n: number,
  relativeWork: number,
  budget: CvBudget = DEFAULT_CV_BUDGET,
  fixed: { folds?: number; repeats?: number } = {},
): CvPlan {
  const schemes =
    fixed.folds !== undefined || fixed.repeats !== undefined
      ? [{ folds: fixed.folds ?? 5, repeats: fixed.repeats ?? 1 }]
      : CV_SCHEMES;
  const fits = (s: { folds: number; repeats: number }, m: number) =>
    fitVectorsOf(relativeWork, s.folds, s.repeats, m);
  const whole = schemes.find((s) => n <= budget.maxVectors && fits(s, n) <= budget.fitVectors);
  const scheme = whole ?? schemes[schemes.length - 1];
  const affordable = Math.floor(budget.fitVectors / fits(scheme, 1));
  const vectors = whole ? n : Math.max(1, Math.min(n, budget.maxVectors, affordable));
  return { ...scheme, vectors, fitVectors: fits(scheme, vectors) };
}

/**
 * A deterministic, class-stratified sample of about m of the n items (indices, ascending). Items
 * sharing a group key are taken or left together (a duplicate group stays whole, as folds keep it);
 * each class keeps its share of m, at least MIN_PER_CLASS items (or all it has). At most m items
 * unless MIN_PER_CLASS asks for more.
 */
export function stratifiedSample(
  labels: ArrayLike<number>,
  groupKeys: readonly string[],
  m: number,
  seed: number,
): number[] {
  const n = labels.length;
  if (groupKeys.length !== n) throw new Error('one group key per item');
  if (m >= n) return Array.from({ length: n }, (_, i) => i);
  const groups = new Map<string, number[]>();
  for (let i = 0; i < n; i++) {
    const g = groups.get(groupKeys[i]);
    if (g) g.push(i);
    else groups.set(groupKeys[i], [i]);
  }
  const byLabel = new Map<number, { keys: string[]; items: number }>();
  for (const [key, members] of groups) {
    const label = majorityLabel(labels, members);
    const entry = byLabel.get(label) ?? { keys: [], items: 0 };
    entry.keys.push(key);
    entry.items += members.length;
    byLabel.set(label, entry);
  }
  const labelsInOrder = [...byLabel.keys()].sort((a, b) => a - b);
  const quotas = shares(
    labelsInOrder.map((l) => byLabel.get(l)!.items),
    m,
  );
  const out: number[] = [];
  labelsInOrder.forEach((label, c) => {
    const { keys, items } = byLabel.get(label)!;
    const quota = Math.max(Math.min(items, MIN_PER_CLASS), quotas[c]);
    keys.sort();
    shuffleInPlace(keys, mulberry32(mixSeed(seed, label, hashString('sample'))));
    let taken = 0;
    for (const key of keys) {
      const members = groups.get(key)!;
      // A group that would overshoot the quota is passed over (a class always gets one).
      if (taken > 0 && taken + members.length > quota) continue;
      out.push(...members);
      taken += members.length;
      if (taken >= quota) break;
    }
  });
  return out.sort((a, b) => a - b);
}

/** m split in proportion to counts, summing to exactly m (largest remainders round up). */
function shares(counts: readonly number[], m: number): number[] {
  const total = counts.reduce((a, b) => a + b, 0);
  const exact = counts.map((c) => (m * c) / total);
  const out = exact.map(Math.floor);
  let left = m - out.reduce((a, b) => a + b, 0);
  const order = exact.map((e, i) => ({ r: e - Math.floor(e), i })).sort((a, b) => b.r - a.r || a.i - b.i);
  for (const { i } of order) if (left-- > 0) out[i]++;
  return out;
}

/** The label most members of a group have (ties: the lower index), as folds deal the group. */
export function majorityLabel(labels: ArrayLike<number>, members: readonly number[]): number {
  const counts = new Map<number, number>();
  for (const i of members) counts.set(labels[i], (counts.get(labels[i]) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1] || a[0] - b[0])[0][0];
}
