/** The application menu: Open Dataset… (Ctrl/Cmd+O), Open Recent, Quit, and the usual edit/view roles. */
import { app, Menu } from 'electron';
import type { MenuItemConstructorOptions } from 'electron';
import type { RecentDataset } from '@shared/ipc/settings-schema';

export interface MenuActions {
  openDataset(): void;
  openRecent(path: string): void;
  clearRecent(): void;
}

export function buildMenu(recent: RecentDataset[], actions: MenuActions, dev: boolean): Menu {
  const isMac = process.platform === 'darwin';
  const recentItems: MenuItemConstructorOptions[] = recent.length
    ? [
        ...recent.map((r) => ({ label: `${r.name} — ${r.path}`, click: () => actions.openRecent(r.path) })),
        { type: 'separator' as const },
        { label: 'Clear Recent', click: () => actions.clearRecent() },
      ]
    : [{ label: 'No recent datasets', enabled: false }];
  const template: MenuItemConstructorOptions[] = [
    ...(isMac ? [{ role: 'appMenu' as const }] : []),
    {
      label: 'File',
      submenu: [
        { label: 'Open Dataset…', accelerator: 'CmdOrCtrl+O', click: () => actions.openDataset() },
        { label: 'Open Recent', submenu: recentItems },
        { type: 'separator' },
        isMac ? { role: 'close' } : { role: 'quit', label: 'Quit', accelerator: 'CmdOrCtrl+Q' },
      ],
    },
    { role: 'editMenu' },
    {
      label: 'View',
      submenu: [
        ...(dev
          ? ([
              { role: 'reload' },
              { role: 'toggleDevTools' },
              { type: 'separator' },
            ] as MenuItemConstructorOptions[])
          : []),
        { role: 'resetZoom' },
        { role: 'zoomIn' },
        { role: 'zoomOut' },
        { type: 'separator' },
        { role: 'togglefullscreen' },
      ],
    },
    { role: 'windowMenu' },
    { role: 'help', submenu: [{ label: `Transfer Studio ${app.getVersion()}`, enabled: false }] },
  ];
  return Menu.buildFromTemplate(template);
}
