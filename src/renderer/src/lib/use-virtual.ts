import { useCallback, useRef, useState } from 'react';
import type { UIEvent } from 'react';
import { visibleRows } from './virtual';

/**
 * The row window of a scroll container. State changes only when the visible row range changes, so
 * scrolling within a row costs no React render.
 */
export function useRowWindow(rowHeight: number, rowCount: number, viewportHeight: number, overscan = 2) {
  const [scrollTop, setScrollTop] = useState(0);
  const frame = useRef(0);
  const range = visibleRows(scrollTop, viewportHeight, rowHeight, rowCount, overscan);
  const rangeRef = useRef(range);
  rangeRef.current = range;
  const onScroll = useCallback(
    (e: UIEvent<HTMLElement>) => {
      const top = e.currentTarget.scrollTop;
      cancelAnimationFrame(frame.current);
      frame.current = requestAnimationFrame(() => {
        const next = visibleRows(top, viewportHeight, rowHeight, rowCount, overscan);
        if (next.first !== rangeRef.current.first || next.last !== rangeRef.current.last) setScrollTop(top);
      });
    },
    [viewportHeight, rowHeight, rowCount, overscan],
  );
  return { ...range, onScroll, reset: () => setScrollTop(0) };
}
