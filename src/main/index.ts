/**
 * Electron main: one secure window, the typed IPC bridge, the studio-image protocol, settings
 * (electron-store) and the engine in a utilityProcess. Tensor work never runs here.
 */
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { app, BrowserWindow, dialog, Menu, nativeTheme, session, shell } from 'electron';
import type { WebFrameMain } from 'electron';
import type { Settings } from '@shared/ipc/settings-schema';
import { createAppCore } from './core/app-core';
import { registerImageScheme, handleImageProtocol } from './electron/image-protocol';
import { registerIpc } from './electron/ipc-bridge';
import { taskbarProgress } from './core/progress';
import { buildMenu } from './electron/menu';
import { utilityEngineLauncher } from './electron/utility-launcher';
import { createMainWindow } from './electron/window';
import { ElectronSettingsStore } from './settings/electron-store';

const here = import.meta.dirname;
const devUrl = !app.isPackaged ? process.env.ELECTRON_RENDERER_URL : undefined;
const indexHtml = path.join(here, '..', 'renderer', 'index.html');

// A separate profile (settings, cache) for tests and portable setups; must precede 'ready'.
if (process.env.TRANSFER_STUDIO_USER_DATA)
  app.setPath('userData', path.resolve(process.env.TRANSFER_STUDIO_USER_DATA));

registerImageScheme();

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  void start();
}

/** A folder given on the command line (second instance or first launch), if any. */
function folderArg(argv: string[]): string | null {
  for (const a of argv.slice(1).reverse()) {
    if (a.startsWith('-')) continue;
    try {
      if (statSync(a).isDirectory() && path.resolve(a) !== path.resolve(app.getAppPath()))
        return path.resolve(a);
    } catch {
      // not a path
    }
  }
  return null;
}

async function start() {
  await app.whenReady();
  const settings = new ElectronSettingsStore();
  let win: BrowserWindow | null = null;

  const refreshMenu = (s: Settings) => {
    Menu.setApplicationMenu(buildMenu(s.recentDatasets, menuActions, !app.isPackaged));
    nativeTheme.themeSource = s.theme;
  };

  const core = createAppCore({
    mode: 'electron',
    version: app.getVersion(),
    settings,
    launcher: utilityEngineLauncher(path.join(here, 'engine-host.js')),
    fsRoots: null,
    fallbackCacheDir: path.join(app.getPath('userData'), 'cache'),
    pickFolder: async (title) => {
      const opts = {
        title: title ?? 'Open Dataset',
        properties: ['openDirectory' as const, 'createDirectory' as const],
      };
      const r = win ? await dialog.showOpenDialog(win, opts) : await dialog.showOpenDialog(opts);
      return r.canceled ? null : (r.filePaths[0] ?? null);
    },
    onSettingsChanged: refreshMenu,
    showItemInFolder: (p) => shell.showItemInFolder(p),
  });
  // Taskbar/dock progress while a long job (training, export, scan) runs.
  core.events.subscribe(
    taskbarProgress((f) => {
      if (win && !win.isDestroyed()) win.setProgressBar(f === null ? -1 : f);
    }),
  );

  const requestOpen = (p: string) => core.events.emit('openDatasetRequested', { path: p });
  const menuActions = {
    openDataset: async () => {
      const r = await core.handlers.pickFolder({ title: 'Open Dataset' });
      if (r.path) requestOpen(r.path);
    },
    openRecent: requestOpen,
    clearRecent: () => {
      settings.set('recentDatasets', []);
      refreshMenu(settings.getAll());
    },
  };
  refreshMenu(settings.getAll());

  // Deny every permission (camera, notifications, …): the app needs none.
  session.defaultSession.setPermissionRequestHandler((_wc, _perm, cb) => cb(false));
  app.on('web-contents-created', (_e, contents) => {
    contents.on('will-attach-webview', (e) => e.preventDefault());
  });

  handleImageProtocol(core);
  const isTrustedFrame = (frame: WebFrameMain | null) => {
    const main = win?.webContents.mainFrame;
    if (!frame || !main || frame.processId !== main.processId || frame.routingId !== main.routingId)
      return false;
    return devUrl ? frame.url.startsWith(devUrl) : frame.url.startsWith('file://');
  };
  registerIpc(core, isTrustedFrame);

  const preload = path.join(here, '..', 'preload', 'index.cjs');
  if (!existsSync(preload)) console.error(`preload missing: ${preload} (run electron-vite build)`);
  const openWindow = () => {
    win = createMainWindow({
      preload,
      devUrl,
      indexHtml,
      bounds: settings.get('windowBounds'),
      onBounds: (b) => settings.set('windowBounds', b),
    });
    win.on('closed', () => (win = null));
    const initial = folderArg(process.argv);
    if (initial) win.webContents.once('did-finish-load', () => requestOpen(initial));
  };
  openWindow();

  app.on('second-instance', (_e, argv) => {
    if (!win) openWindow();
    else {
      if (win.isMinimized()) win.restore();
      win.focus();
    }
    const folder = folderArg(argv);
    if (folder) requestOpen(folder);
  });
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) openWindow();
  });
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
  app.on('before-quit', () => core.dispose());
}
