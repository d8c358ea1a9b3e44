/**
 * Curve smoothing for display (no training maths: this only shapes what is drawn).
 * `smoothEma` is TensorBoard's smoothing: an exponential moving average with bias correction, so the
 * line starts at the first value instead of at zero.
 */
export function smoothEma(values: number[], weight: number): number[] {
  const out: number[] = [];
  let last = 0;
  let n = 0;
  for (const v of values) {
    if (!Number.isFinite(v)) {
      out.push(v);
      continue;
    }
    last = last * weight + (1 - weight) * v;
    n++;
    out.push(last / (1 - weight ** n));
  }
  return out;
}
