/**
 * The sandboxed preload: `window.api`, generated from the IPC contract (one invoke method per channel,
 * one `on<Event>` per event, each returning its unsubscribe). Raw ipcRenderer never reaches the page.
 */
import { contextBridge, ipcRenderer, webUtils } from 'electron';
import type { IpcRendererEvent } from 'electron';
import { buildApi, ipcEventChannel, ipcInvokeChannel } from '@shared/ipc/contract';
import type { ApiResult } from '@shared/ipc/contract';

const api = buildApi(
  'electron',
  (channel, request) => ipcRenderer.invoke(ipcInvokeChannel(channel), request) as Promise<ApiResult<unknown>>,
  (event, listener) => {
    // Strip the IpcRendererEvent: the page gets the payload only.
    const wrapped = (_e: IpcRendererEvent, payload: unknown) => listener(payload);
    ipcRenderer.on(ipcEventChannel(event), wrapped);
    return () => void ipcRenderer.removeListener(ipcEventChannel(event), wrapped);
  },
);
api.getPathForFile = (file: File) => webUtils.getPathForFile(file);

contextBridge.exposeInMainWorld('api', api);
