/**
 * The real desktop app through Playwright's _electron. Runs wherever the Electron binary is installed
 * (node_modules/electron/dist); skips with a message where it is not (ELECTRON_SKIP_BINARY_DOWNLOAD=1).
 * On a display-less Linux box, run under xvfb-run.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { _electron } from 'playwright-core';
import type { ElectronApplication, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { channelNames, eventNames, subscriberName } from '@shared/ipc/contract';
import type { StudioApi } from '@shared/ipc/contract';
import { tempDir } from '../helpers/app';
import { HYMENOPTERA, REPO, screenshot } from './fixtures';

/** Where the Electron binary is, without require('electron') (which tries to download it when missing). */
function electronBinary(): string | null {
  let pkgDir: string;
  try {
    pkgDir = path.dirname(createRequire(import.meta.url).resolve('electron/package.json'));
  } catch {
    return null;
  }
  const pathFile = path.join(pkgDir, 'path.txt');
  if (!existsSync(pathFile)) return null;
  const rel = readFileSync(pathFile, 'utf8').trim();
  const dist = process.env.ELECTRON_OVERRIDE_DIST_PATH ?? path.join(pkgDir, 'dist');
  const bin = path.join(dist, rel);
  return existsSync(bin) ? bin : null;
}

const binary = electronBinary();
const SKIP_REASON =
  'Electron binary not installed (ELECTRON_SKIP_BINARY_DOWNLOAD=1?) — skipping the _electron tests';
if (!binary) console.warn(`[e2e] ${SKIP_REASON}. They run wherever node_modules/electron/dist exists.`);

interface Img {
  complete: boolean;
  naturalWidth: number;
}
const poll = <T>(fn: () => Promise<T> | T, timeout = 30_000) => expect.poll(fn, { timeout });

describe.skipIf(!binary)(
  binary ? 'desktop app (Electron)' : `desktop app (Electron) — ${SKIP_REASON}`,
  () => {
    let app: ElectronApplication;
    let page: Page;
    let tmp: Awaited<ReturnType<typeof tempDir>>;
    const apiCall = <T>(fn: (api: StudioApi) => Promise<T>) =>
      page.evaluate(`(${fn.toString()})(globalThis.api)`) as Promise<T>;

    beforeAll(async () => {
      tmp = await tempDir('ts-electron-');
      const { build } = await import('electron-vite');
      await build({ configFile: path.join(REPO, 'electron.vite.config.ts'), logLevel: 'warn' });
      app = await _electron.launch({
        executablePath: binary!,
        args: [...(process.getuid?.() === 0 ? ['--no-sandbox'] : []), REPO],
        cwd: REPO,
        env: { ...process.env, TRANSFER_STUDIO_USER_DATA: tmp.dir, NODE_ENV: 'production' },
      });
      page = await app.firstWindow();
      await page.waitForLoadState('domcontentloaded');
    });

    afterAll(async () => {
      await app?.close();
      await tmp?.cleanup();
    });

    it('opens one locked-down window', async () => {
      expect(await page.title()).toBe('Transfer Studio');
      expect(await app.evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows().length)).toBe(1);
      // No Node in the page, and the bridged api is an isolated, read-only copy.
      expect(await page.evaluate('typeof require')).toBe('undefined');
      expect(await page.evaluate('typeof process')).toBe('undefined');
      expect(
        await page.evaluate(
          '(() => { try { window.api.getAppInfo = 1 } catch {} return typeof window.api.getAppInfo })()',
        ),
      ).toBe('function');
      expect(
        await page.evaluate(
          'Object.isFrozen(window.api) || !Object.getOwnPropertyDescriptor(window.api, "getAppInfo").writable',
        ),
      ).toBe(true);
      expect(await page.evaluate('window.open("https://example.com")')).toBeNull();
      const csp = await page.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content');
      expect(csp).toContain("script-src 'self'");
      await page.evaluate('location.href = "https://example.com/"').catch(() => undefined);
      await page.waitForTimeout(500);
      expect(page.url()).toMatch(/^file:/);
    });

    it('exposes window.api generated from the contract, and nothing else', async () => {
      const keys = (await page.evaluate('Object.keys(window.api)')) as string[];
      const expected = [...channelNames, ...eventNames.map(subscriberName), 'mode', 'getPathForFile'];
      expect(keys.sort()).toEqual(expected.sort());
      expect(await apiCall((api) => api.openDataset({ path: 42 } as never))).toMatchObject({
        ok: false,
        error: { code: 'BAD_REQUEST' },
      });
      const menu = await app.evaluate(({ Menu }) =>
        Menu.getApplicationMenu()!
          .items.find((i) => i.label === 'File')!
          .submenu!.items.map((i) => `${i.label}|${i.accelerator ?? ''}`),
      );
      expect(menu).toContain('Open Dataset…|CmdOrCtrl+O');
      expect(menu.some((m) => m.startsWith('Open Recent'))).toBe(true);
    });

    it('opens hymenoptera_data with the engine in a utility process, and serves confined thumbnails', async () => {
      await page.getByLabel('Dataset folder path').fill(HYMENOPTERA);
      await page.getByRole('button', { name: 'Open', exact: true }).click();
      const cell = (c: string, s: string) =>
        page.locator(`[data-testid=class-table] tr[data-class="${c}"] td[data-split=${s}]`);
      await poll(() => cell('ants', 'train').textContent(), 60_000).toBe('124');
      expect(await cell('bees', 'train').textContent()).toBe('121');
      expect(await cell('ants', 'val').textContent()).toBe('70');
      expect(await cell('bees', 'val').textContent()).toBe('83');
      const img = page.locator('[data-testid=thumb-grid] img').first();
      expect(await img.getAttribute('src')).toMatch(/^studio-image:\/\/thumb\//);
      await poll(() => img.evaluate((i: Img) => i.complete && i.naturalWidth)).toBe(192);
      await screenshot(page, 'electron-dataset');

      const src = (await img.getAttribute('src'))!;
      const id = src.split('/')[3];
      // From main (the page's CSP rightly forbids fetch() to the image scheme).
      const status = (u: string) => app.evaluate(({ net }, url) => net.fetch(url).then((r) => r.status), u);
      expect(await status(`studio-image://thumb/${id}/..%2F..%2F..%2Fetc%2Fpasswd`)).toBe(403);
      expect(await status(`studio-image://thumb/000000000000/train/ants/0013035.jpg`)).toBe(404);

      const st = await apiCall((api) => api.getEngineStatus({}));
      if (!st.ok || !st.data.pid) throw new Error('engine has no pid');
      expect(st.data.pid).not.toBe(app.process().pid);
    });

    it('keeps the window up when the engine dies and starts a fresh one for the next job', async () => {
      const st = await apiCall((api) => api.getEngineStatus({}));
      if (!st.ok || !st.data.pid) throw new Error('engine has no pid');
      process.kill(st.data.pid, 'SIGKILL');
      await page.getByTestId('engine-crash').waitFor();
      await page.getByTestId('engine-crash').getByRole('button', { name: 'Dismiss' }).click();
      await page.getByLabel('Dataset folder path').fill(HYMENOPTERA);
      await page.getByRole('button', { name: 'Open', exact: true }).click();
      await poll(async () => {
        const s = await apiCall((api) => api.getEngineStatus({}));
        return s.ok ? s.data.starts : 0;
      }, 60_000).toBe(2);
    });
  },
);
