/** A run's state as engine events fold into it. */
import type { BatchPoint } from './ipc/run-record';

/** Batch points kept per run: beyond it, every other point is dropped (the line keeps its shape). */
export const MAX_BATCH_POINTS = 600;

/**
 * Append a batch point, keeping the line evenly sampled and bounded: when it outgrows `cap`, every other
 * point goes, and from then on a new point is taken only once it is as far along as the kept spacing
 * (so old and new parts of the run keep the same density and the start is never lost).
 */
export function appendBatchPoint(points: BatchPoint[], p: BatchPoint, cap = MAX_BATCH_POINTS): BatchPoint[] {
  const n = points.length;
  if (n >= cap / 2) {
    const spacing = (points[n - 1].x - points[0].x) / (n - 1);
    if (p.x - points[n - 1].x < spacing * 0.75) return points;
  }
  const next = [...points, p];
  return next.length > cap ? next.filter((_, i) => i % 2 === 0 || i === next.length - 1) : next;
}
