import { useEffect, useEffectEvent } from 'react';

/** Escape closes the dialog wherever the focus is (a click outside may have moved it). */
export function useEscape(onEscape: () => void): void {
  const handler = useEffectEvent(onEscape);
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') handler();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
}
