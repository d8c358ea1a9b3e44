/** Class-balance warnings shown on the Dataset screen (pure, unit-tested). */

export const MIN_IMAGES_PER_CLASS = 10;
export const IMBALANCE_RATIO = 3;

export interface BalanceWarning {
  kind: 'imbalance' | 'too-few' | 'empty';
  className: string;
  message: string;
}

/** `totals[i]`: usable images of class i (all splits). */
export function balanceWarnings(classes: string[], totals: number[]): BalanceWarning[] {
  const out: BalanceWarning[] = [];
  if (classes.length === 0) return out;
  const max = Math.max(...totals);
  const maxClass = classes[totals.indexOf(max)];
  classes.forEach((c, i) => {
    const n = totals[i];
    if (n === 0) {
      out.push({ kind: 'empty', className: c, message: `“${c}” has no usable images.` });
      return;
    }
    if (n < MIN_IMAGES_PER_CLASS)
      out.push({
        kind: 'too-few',
        className: c,
        message: `“${c}” has only ${n} image${n === 1 ? '' : 's'} (fewer than ${MIN_IMAGES_PER_CLASS}).`,
      });
    if (n * IMBALANCE_RATIO < max)
      out.push({
        kind: 'imbalance',
        className: c,
        message: `“${c}” has ${n} images, under a third of “${maxClass}” (${max}). Consider more images or balanced class weights.`,
      });
  });
  return out;
}
