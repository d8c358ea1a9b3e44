import { useEffect, useState } from 'react';
import { api } from '../api/client';

/**
 * Folder drops anywhere on the window. Electron resolves the dropped item's path in the preload
 * (webUtils.getPathForFile); browsers never reveal it, so browser mode explains the alternative.
 */
export function useFolderDrop(
  onPath: (path: string) => void,
  onUnsupported: (message: string) => void,
): boolean {
  const [over, setOver] = useState(false);
  useEffect(() => {
    let depth = 0;
    // Drop zones that take files themselves (Evaluate's "Try it") are marked data-own-drop.
    const owned = (e: DragEvent) => e.target instanceof Element && !!e.target.closest('[data-own-drop]');
    const hasFiles = (e: DragEvent) =>
      !!e.dataTransfer && Array.from(e.dataTransfer.types).includes('Files') && !owned(e);
    const enter = (e: DragEvent) => {
      // Over a zone that takes the files itself: no "open a dataset" overlay.
      if (owned(e)) return setOver(false);
      if (!hasFiles(e)) return;
      depth++;
      setOver(true);
    };
    const leave = (e: DragEvent) => {
      if (!hasFiles(e)) return;
      depth = Math.max(0, depth - 1);
      if (depth === 0) setOver(false);
    };
    const overHandler = (e: DragEvent) => {
      if (!hasFiles(e)) return;
      e.preventDefault();
      if (e.dataTransfer) e.dataTransfer.dropEffect = 'copy';
    };
    const drop = (e: DragEvent) => {
      if (owned(e)) {
        depth = 0;
        setOver(false);
        return;
      }
      if (!hasFiles(e)) return;
      e.preventDefault();
      depth = 0;
      setOver(false);
      const file = e.dataTransfer?.files[0];
      if (!file) return;
      const path = api().getPathForFile?.(file);
      if (path) onPath(path);
      else
        onUnsupported(
          'Browsers do not tell a web page where a dropped folder lives. Type the folder’s path on the server, or use Browse….',
        );
    };
    window.addEventListener('dragenter', enter);
    window.addEventListener('dragleave', leave);
    window.addEventListener('dragover', overHandler);
    window.addEventListener('drop', drop);
    return () => {
      window.removeEventListener('dragenter', enter);
      window.removeEventListener('dragleave', leave);
      window.removeEventListener('dragover', overHandler);
      window.removeEventListener('drop', drop);
    };
  }, [onPath, onUnsupported]);
  return over;
}
