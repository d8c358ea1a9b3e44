/** The set-up every e2e file shares: one served app and one Chromium page per file. */
import path from 'node:path';
import type { Page } from 'playwright-core';
import { expect } from 'vitest';
import { tempDir } from '../helpers/app';
import { launchBrowser, SHARED, startServe, type Browser, type ServeHandle } from './fixtures';

export interface E2eSession {
  tmp: Awaited<ReturnType<typeof tempDir>>;
  serve: ServeHandle;
  browser: Browser;
  page: Page;
}

/**
 * A temp dir (`prepare` fills it), `npm run serve` confined to `roots` (default: ../shared and the temp
 * dir, state inside it) and a fresh Chromium page whose errors are printed.
 */
export async function openSession(
  prefix: string,
  o: { prepare?: (dir: string) => Promise<void>; roots?: (dir: string) => string[] } = {},
): Promise<E2eSession> {
  const tmp = await tempDir(prefix);
  let serve: ServeHandle | undefined;
  try {
    await o.prepare?.(tmp.dir);
    serve = await startServe({
      roots: o.roots?.(tmp.dir) ?? [SHARED, tmp.dir],
      dataDir: path.join(tmp.dir, 'state'),
    });
    const browser = await launchBrowser();
    browser.page.on('pageerror', (e) => console.error('page error:', e.message));
    return { tmp, serve, browser, page: browser.page };
  } catch (e) {
    await closeSession({ serve, tmp });
    throw e;
  }
}

export async function closeSession(s: Partial<E2eSession>): Promise<void> {
  await s.browser?.close();
  await s.serve?.stop();
  await s.tmp?.cleanup();
}

/** Load the app and wait until its WebSocket is connected. */
export async function connect(page: Page, serve: ServeHandle): Promise<void> {
  await page.goto(serve.url);
  await expect
    .poll(() => page.getByTestId('status-connection').textContent(), { timeout: 30_000 })
    .toContain('connected');
}

/** Type a dataset folder into the Dataset screen and open it. */
export async function openPath(page: Page, dir: string): Promise<void> {
  await page.getByLabel('Dataset folder path').fill(dir);
  await page.getByRole('button', { name: 'Open', exact: true }).click();
}

/** Open a dataset folder and wait for its class table. */
export async function openDataset(page: Page, dir: string): Promise<void> {
  await openPath(page, dir);
  await page.getByTestId('class-table').waitFor({ timeout: 60_000 });
}
