/** The main window: locked-down webPreferences, refused navigation/popups, remembered bounds. */
import { BrowserWindow, screen } from 'electron';
import type { WindowBounds } from '@shared/ipc/settings-schema';
import { SECURE_WEB_PREFERENCES } from './web-preferences';

export interface WindowOptions {
  preload: string;
  /** Dev server URL, or undefined to load `indexHtml`. */
  devUrl?: string;
  indexHtml: string;
  bounds: WindowBounds | null;
  onBounds(bounds: WindowBounds): void;
}

/** Bounds that still fit on a connected display (a monitor may have been unplugged). */
function visibleBounds(b: WindowBounds | null): Partial<WindowBounds> {
  if (!b) return { width: 1280, height: 860 };
  const fits =
    b.x !== undefined &&
    b.y !== undefined &&
    screen.getAllDisplays().some((d) => {
      const a = d.workArea;
      return (
        b.x! >= a.x - 50 && b.y! >= a.y - 50 && b.x! + 100 <= a.x + a.width && b.y! + 100 <= a.y + a.height
      );
    });
  return fits ? b : { width: b.width, height: b.height };
}

export function createMainWindow(o: WindowOptions): BrowserWindow {
  const b = visibleBounds(o.bounds);
  const win = new BrowserWindow({
    ...b,
    minWidth: 900,
    minHeight: 600,
    show: false,
    title: 'Transfer Studio',
    backgroundColor: '#15171c',
    webPreferences: { ...SECURE_WEB_PREFERENCES, preload: o.preload },
  });
  if (o.bounds?.maximized) win.maximize();
  win.once('ready-to-show', () => win.show());

  const appUrl = o.devUrl ?? null;
  win.webContents.on('will-navigate', (e, url) => {
    // Only a dev-server reload of the app itself is a legitimate navigation.
    if (!appUrl || !url.startsWith(appUrl)) e.preventDefault();
  });
  win.webContents.on('will-redirect', (e, url) => {
    if (!appUrl || !url.startsWith(appUrl)) e.preventDefault();
  });
  win.webContents.setWindowOpenHandler(() => ({ action: 'deny' }));

  let timer: NodeJS.Timeout | undefined;
  const save = () => {
    if (win.isDestroyed() || win.isMinimized()) return;
    const n = win.getNormalBounds();
    o.onBounds({ x: n.x, y: n.y, width: n.width, height: n.height, maximized: win.isMaximized() });
  };
  const saveSoon = () => {
    clearTimeout(timer);
    timer = setTimeout(save, 500);
  };
  win.on('resize', saveSoon);
  win.on('move', saveSoon);
  win.on('close', () => {
    clearTimeout(timer);
    save();
  });

  if (o.devUrl) void win.loadURL(o.devUrl);
  else void win.loadFile(o.indexHtml);
  return win;
}
