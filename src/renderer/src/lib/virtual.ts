/** Windowing maths for the virtualised grid and lists (pure, unit-tested). */

export interface GridLayout {
  columns: number;
  rows: number;
  totalHeight: number;
}

export function gridLayout(
  count: number,
  width: number,
  cell: number,
  gap: number,
  rowHeight: number,
): GridLayout {
  const columns = Math.max(1, Math.floor((width + gap) / (cell + gap)));
  const rows = Math.ceil(count / columns);
  return { columns, rows, totalHeight: rows * rowHeight };
}

/** Rows [first, last) to render for a viewport, with `overscan` extra rows on each side. */
export function visibleRows(
  scrollTop: number,
  viewportHeight: number,
  rowHeight: number,
  rowCount: number,
  overscan = 2,
): { first: number; last: number } {
  if (rowCount === 0 || rowHeight <= 0) return { first: 0, last: 0 };
  // Clamped to the rows that exist: a stale scrollTop (the list just shrank) shows the last rows.
  const first = Math.max(0, Math.min(Math.floor(scrollTop / rowHeight), rowCount) - overscan);
  const last = Math.min(rowCount, Math.ceil((scrollTop + viewportHeight) / rowHeight) + overscan);
  return { first, last: Math.max(first, last) };
}
