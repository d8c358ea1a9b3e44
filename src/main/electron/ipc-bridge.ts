/** Electron IPC for the contract: one ipcMain.handle per channel, events to every window. */
import { BrowserWindow, ipcMain } from 'electron';
import type { WebFrameMain } from 'electron';
import { channelNames, ipcEventChannel, ipcInvokeChannel } from '@shared/ipc/contract';
import type { AppCore } from '../core/app-core';
import { dispatch } from '../core/dispatch';

export function registerIpc(
  core: AppCore,
  isTrustedFrame: (frame: WebFrameMain | null) => boolean,
): () => void {
  for (const channel of channelNames) {
    ipcMain.handle(ipcInvokeChannel(channel), async (e, request: unknown) => {
      // Only our own page may call main (not an iframe or a page it navigated to).
      if (!isTrustedFrame(e.senderFrame))
        return { ok: false, error: { code: 'FORBIDDEN', message: 'untrusted sender' } };
      return dispatch(core.handlers, channel, request);
    });
  }
  const unsubscribe = core.events.subscribe((event, payload) => {
    for (const w of BrowserWindow.getAllWindows()) {
      if (!w.isDestroyed()) w.webContents.send(ipcEventChannel(event), payload);
    }
  });
  return () => {
    unsubscribe();
    for (const channel of channelNames) ipcMain.removeHandler(ipcInvokeChannel(channel));
  };
}
