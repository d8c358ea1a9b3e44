import { useCallback, useRef, useState } from 'react';
import type { UIEvent } from 'react';
import { visibleRows } from './virtual';

/**
 * The row window of a scroll container. The stored scroll position changes only when the visible
 * row range does, so scrolling within a row costs no React render.
 */
export function useRowWindow(rowHeight: number, rowCount: number, viewportHeight: number, overscan = 2) {
  const [scrollTop, setScrollTop] = useState(0);
  const frame = useRef(0);
  const onScroll = useCallback(
    (e: UIEvent<HTMLElement>) => {
      const top = e.currentTarget.scrollTop;
      cancelAnimationFrame(frame.current);
      frame.current = requestAnimationFrame(() => {
        setScrollTop((prev) => {
          const a = visibleRows(prev, viewportHeight, rowHeight, rowCount, overscan);
          const b = visibleRows(top, viewportHeight, rowHeight, rowCount, overscan);
          return a.first === b.first && a.last === b.last ? prev : top;
        });
      });
    },
    [viewportHeight, rowHeight, rowCount, overscan],
  );
  const reset = useCallback(() => setScrollTop(0), []);
  return { ...visibleRows(scrollTop, viewportHeight, rowHeight, rowCount, overscan), onScroll, reset };
}
