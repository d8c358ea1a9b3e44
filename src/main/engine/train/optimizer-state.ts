import { tf } from '../tf';

/**
 * Scalar variables an optimizer keeps outside `getWeights()` (Adam's and Adamax's running β powers).
 * `setWeights` recomputes them as β^(t+1), which differs from the product the optimizer accumulated in
 * the last float bits; restoring them exactly makes a resumed run bit-identical to an uninterrupted one.
 */
export function optimizerScalars(opt: tf.Optimizer): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(opt))
    if (v instanceof tf.Variable && v.size === 1) out[k] = v.dataSync()[0];
  return out;
}

export function restoreOptimizerScalars(opt: tf.Optimizer, values: Record<string, number>): void {
  const own = opt as unknown as Record<string, unknown>;
  for (const [k, value] of Object.entries(values)) {
    const v = own[k];
    if (!(v instanceof tf.Variable) || v.size !== 1)
      throw new Error(`optimizer ${opt.getClassName()} has no scalar state "${k}"`);
    tf.tidy(() => v.assign(tf.scalar(value, v.dtype).reshape(v.shape)));
  }
}
