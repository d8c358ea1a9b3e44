import type { StudioApi } from '@shared/ipc/contract';

declare global {
  interface Window {
    /** Present in Electron (preload); absent in browser mode, where the renderer builds its own. */
    api?: StudioApi;
  }
}

export {};
