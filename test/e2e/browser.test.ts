/**
 * The real app in real Chromium: `npm run serve` (same handlers, same engine host as the desktop app)
 * driven through its UI. Screenshots of each screen land in test-results/e2e/ (and one per failure).
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import type { Page } from 'playwright-core';
import { ExtractionDevice, OrtDeviceName } from '@shared/backends';
import type { StudioApi } from '@shared/ipc/contract';
import { HYMENOPTERA, makeDataset, makeLargeDataset, screenshot } from './fixtures';
import type { Browser, ServeHandle } from './fixtures';
import { flickScroll, type Img } from './page-scripts';
import { closeSession, openDataset, openPath, openSession, type E2eSession } from './session';
import { e2eStep } from './steps';

let tmp: E2eSession['tmp'];
let serve: ServeHandle;
let browser: Browser;
let page: Page;
let badRoot: string;
let largeRoot: string;
const LARGE = 10_000;

const step = e2eStep({
  page: () => page,
  serve: () => serve,
  // Leave no dialog open for the next step.
  afterFailure: async (p) => {
    if (await p.locator('.modal-backdrop').count()) await p.keyboard.press('Escape');
  },
});

/** vitest's expect.poll gives up after 1 s; thumbnails and scans on 2 busy cores need longer. */
const poll = <T>(fn: () => Promise<T> | T, o: { timeout?: number } = {}) =>
  expect.poll(fn, { timeout: 20_000, ...o });

const cell = (cls: string, split: string) =>
  page.locator(`[data-testid=class-table] tr[data-class="${cls}"] td[data-split=${split}]`);
const apiCall = <T>(fn: (api: StudioApi) => Promise<T>) =>
  page.evaluate(`(${fn.toString()})(globalThis.api)`) as Promise<T>;

beforeAll(async () => {
  ({ tmp, serve, browser, page } = await openSession('ts-e2e-', {
    prepare: async (dir) => {
      badRoot = path.join(dir, 'bad');
      // Uneven on purpose: "rare" triggers both balance warnings.
      await makeDataset(badRoot, { common: 30, rare: 6 }, true);
      largeRoot = path.join(dir, 'large');
      await makeLargeDataset(largeRoot, LARGE);
    },
  }));
});
afterAll(() => closeSession({ tmp, serve, browser }));

describe('browser mode in Chromium', () => {
  step('refuses requests without the token (401)', async () => {
    expect((await fetch(`${serve.base}/`)).status).toBe(401);
    expect((await fetch(`${serve.base}/?token=not-the-token`)).status).toBe(401);
  });

  step('loads the app from the tokenised URL and connects its WebSocket', async () => {
    await page.goto(serve.url);
    expect(new URL(page.url()).searchParams.get('token')).toBeNull(); // traded for a cookie
    await poll(() => page.getByTestId('status-connection').textContent()).toContain('connected');
    await page.getByRole('heading', { name: 'Open a dataset' }).waitFor();
    expect(await page.getByTestId('status-backend').textContent()).toContain('not started');
    expect(await page.getByTestId('status-runtime').textContent()).toBe('Frozen base: not started');
    for (const s of ['Dataset', 'Augment', 'Model', 'Train', 'Evaluate', 'Export'])
      await page.locator(`.steps button`, { hasText: s }).waitFor();
  });

  step('opens hymenoptera_data and shows 2 classes with the right counts', async () => {
    await openDataset(page, HYMENOPTERA);
    expect(await page.locator('[data-testid=class-table] tbody tr').count()).toBe(2);
    expect(await cell('ants', 'train').textContent()).toBe('124');
    expect(await cell('bees', 'train').textContent()).toBe('121');
    expect(await cell('ants', 'val').textContent()).toBe('70');
    expect(await cell('bees', 'val').textContent()).toBe('83');
    expect(await page.locator('[data-testid=balance-chart] .recharts-bar-rectangle').count()).toBe(4);
    expect(await page.getByTestId('balance-warnings').count()).toBe(0);
    expect(await page.locator('.problems .count').textContent()).toBe('0');
    await poll(() => page.getByTestId('status-engine').textContent()).toContain('idle');
    await screenshot(page, '1-dataset');
  });

  step('scrolls the virtualised grid, requesting only visible thumbnails', async () => {
    const thumbRequests: string[] = [];
    page.on('request', (r) => {
      if (r.url().includes('/image/thumb/')) thumbRequests.push(r.url());
    });
    const grid = page.getByTestId('thumb-grid');
    // The whole grid on screen: lazy <img>s below the page's fold are (rightly) not fetched.
    await grid.evaluate((el) => el.scrollIntoView({ block: 'center' }));
    expect(await page.getByTestId('grid-count').textContent()).toBe('194 images');
    const loaded = () =>
      grid.evaluate(
        (el) => [...el.querySelectorAll('img')].filter((i) => i.complete && i.naturalWidth > 0).length,
      );
    await poll(loaded, { timeout: 30_000 }).toBeGreaterThan(5);
    const inDom = await grid.locator('.thumb').count();
    expect(inDom).toBeGreaterThan(5);
    expect(inDom).toBeLessThan(194);
    // Thumbnails are the sharp-made 192×192 ones.
    expect(
      await grid
        .locator('img')
        .first()
        .evaluate((i: Img) => [i.naturalWidth, i.naturalHeight]),
    ).toEqual([192, 192]);

    await grid.evaluate((el) => (el.scrollTop = el.scrollHeight));
    await grid.locator('.thumb[data-pos="193"]').waitFor();
    expect(await grid.locator('.thumb[data-pos="0"]').count()).toBe(0);
    await poll(() =>
      grid.locator('.thumb[data-pos="193"] img').evaluate((i: Img) => i.complete && i.naturalWidth),
    ).toBe(192);
    expect(await grid.locator('.thumb').count()).toBeLessThan(194);
    // Jumping from top to bottom skipped the middle rows: far fewer requests than images.
    expect(new Set(thumbRequests).size).toBeLessThan(194);

    await page.locator('[data-class-tab=bees]').click();
    await poll(() => page.getByTestId('grid-count').textContent()).toBe('204 images');
    await page.locator('.segmented button', { hasText: 'val' }).click();
    await poll(() => page.getByTestId('grid-count').textContent()).toBe('83 images');
    await page.locator('.segmented button', { hasText: 'all' }).click();
    await screenshot(page, '2-grid');
  });

  step('opens a large preview with file name, size and dimensions', async () => {
    const grid = page.getByTestId('thumb-grid');
    const thumb = grid.locator('.thumb').nth(3);
    const rel = (await thumb.getAttribute('data-rel'))!;
    await thumb.click();
    const preview = page.getByTestId('preview');
    await preview.waitFor();
    const meta = await sharp(path.join(HYMENOPTERA, rel)).metadata();
    const bytes = (await stat(path.join(HYMENOPTERA, rel))).size;
    expect(await page.getByTestId('preview-name').textContent()).toBe(path.basename(rel));
    expect(await page.getByTestId('preview-dims').textContent()).toBe(`${meta.width} × ${meta.height} px`);
    const kb = bytes / 1024;
    expect(await page.getByTestId('preview-size').textContent()).toBe(
      `${kb < 10 ? kb.toFixed(1) : Math.round(kb)} KB`,
    );
    await poll(() =>
      preview.locator('.preview-image img').evaluate((i: Img) => i.complete && i.naturalWidth),
    ).toBe(Math.min(meta.width!, 1600));
    await screenshot(page, '3-preview');
    await preview.press('ArrowRight');
    await poll(() => page.getByTestId('preview-name').textContent()).not.toBe(path.basename(rel));
    await preview.press('Escape');
    await poll(() => page.getByTestId('preview').count()).toBe(0);
  });

  step('applies split options instantly', async () => {
    await page.getByLabel('Use the folders’ own split').uncheck();
    // Stratified 20 % of each class (194 and 204 images).
    await poll(() => cell('ants', 'val').textContent()).toBe('39');
    await poll(() => cell('bees', 'val').textContent()).toBe('41');
    expect(await cell('ants', 'train').textContent()).toBe('155');
    await page.getByLabel('Validation fraction').fill('0.3');
    await poll(() => cell('ants', 'val').textContent()).toBe('58');
    await page.getByLabel('Use the folders’ own split').check();
    await poll(() => cell('ants', 'val').textContent()).toBe('70');
    expect(await cell('bees', 'val').textContent()).toBe('83');
  });

  step('browses to a broken folder and lists its problems, exportable as CSV', async () => {
    await page.getByRole('button', { name: 'Browse…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Choose a dataset folder' });
    await dialog.waitFor();
    // It starts at the path in the field; go to the top and walk down.
    await poll(() => page.getByTestId('fb-path').textContent()).toContain(HYMENOPTERA);
    await dialog.getByRole('button', { name: '↑ Up' }).click();
    await poll(() => page.getByTestId('fb-path').textContent()).toContain(path.dirname(HYMENOPTERA));
    await dialog.getByRole('button', { name: 'Allowed folders' }).click();
    await dialog.locator('.fb-list button', { hasText: tmp.dir }).click();
    await dialog.locator('.fb-list button', { hasText: /^\s*bad$/ }).click();
    await poll(() => page.getByTestId('fb-path').textContent()).toContain(badRoot);
    await screenshot(page, '4-folder-browser');
    await dialog.getByRole('button', { name: 'Open this folder' }).click();

    await poll(() => page.locator('.dataset-head h1').textContent(), { timeout: 60_000 }).toBe('bad');
    expect(await cell('common', 'total').textContent()).toBe('30');
    expect(await cell('rare', 'total').textContent()).toBe('6');
    const warnings = (await page.getByTestId('balance-warnings').textContent())!;
    expect(warnings).toContain('“rare” has only 6 images');
    expect(warnings).toContain('under a third');

    const problems = page.getByTestId('problems');
    expect(await problems.locator('.count').textContent()).toBe('3');
    const row = (name: string) => problems.locator(`[data-problem="common/${name}"]`);
    expect(await row('empty.jpg').textContent()).toContain('empty file (0 bytes)');
    expect(await row('notes.jpg').textContent()).toContain('not an image');
    expect(await row('truncated.jpg').textContent()).toMatch(/corrupt/);
    await problems.scrollIntoViewIfNeeded();
    await screenshot(page, '5-problems');

    const [download] = await Promise.all([
      page.waitForEvent('download'),
      problems.getByRole('button', { name: 'Export CSV' }).click(),
    ]);
    expect(download.suggestedFilename()).toBe('bad-problems.csv');
    const csv = await readFile((await download.path())!, 'utf8');
    const lines = csv.trim().split('\r\n');
    expect(lines[0]).toBe('file,path,reason,stage');
    expect(lines).toHaveLength(4);
    expect(lines.some((l) => l.startsWith('common/empty.jpg,') && l.includes('empty file (0 bytes)'))).toBe(
      true,
    );
  });

  step(
    `stays bounded with ${LARGE.toLocaleString('en-US')} images in one class`,
    async () => {
      const thumbRequests = new Set<string>();
      page.on('request', (r) => {
        if (r.url().includes('/image/thumb/')) thumbRequests.add(r.url());
      });
      await openPath(page, largeRoot);
      await page.getByTestId('scan-progress').waitFor();
      await poll(() => page.locator('.dataset-head h1').textContent(), { timeout: 120_000 }).toBe('large');
      expect(await cell('many', 'total').textContent()).toBe('10,000');
      await page.locator('[data-class-tab=many]').click();
      const grid = page.getByTestId('thumb-grid');
      await grid.evaluate((el) => el.scrollIntoView({ block: 'center' }));
      const columns = Number(await grid.getAttribute('data-columns'));
      expect(Number(await grid.getAttribute('data-rows'))).toBe(Math.ceil(LARGE / columns));

      // Flick through it the way a user does: many steps, one per frame (measured, not asserted).
      const flickRequestsBefore = thumbRequests.size;
      const frames = await grid.evaluate(flickScroll);
      frames.sort((a, b) => a - b);
      await page.waitForTimeout(500);
      console.log(
        `[e2e] 10k grid flick (48,000 px): ${frames.length} frames, median ${frames[frames.length >> 1].toFixed(1)} ms, ` +
          `p95 ${frames[Math.floor(frames.length * 0.95)].toFixed(1)} ms; ${thumbRequests.size - flickRequestsBefore} thumbnails requested`,
      );

      // Jumps: every thumbnail requested belongs to a cell that was rendered (rows in view + overscan).
      const renderedRels = new Set<string>();
      const collect = async () => {
        for (const r of await grid
          .locator('.thumb')
          .evaluateAll((els) => els.map((e) => e.getAttribute('data-rel'))))
          if (r) renderedRels.add(r);
      };
      await collect(); // cells left from the flick may still be finishing their requests
      thumbRequests.clear();
      for (const fraction of [0.5, 0.75]) {
        await grid.evaluate((el, f) => (el.scrollTop = el.scrollHeight * f), fraction);
        const row = Math.floor((LARGE / columns) * fraction);
        const pos = Math.min(LARGE - 1, row * columns + 1);
        await poll(() => grid.locator(`.thumb[data-pos="${pos}"]`).count()).toBe(1);
        await poll(() =>
          grid.locator(`.thumb[data-pos="${pos}"] img`).evaluate((i: Img) => i.complete && i.naturalWidth),
        ).toBe(192);
        expect(await grid.locator('.thumb').count()).toBeLessThan(20 * columns);
        await collect();
      }
      await page.waitForTimeout(500);
      await screenshot(page, '6-large-grid');
      const requestedRels = [...thumbRequests].map((u) =>
        decodeURIComponent(new URL(u).pathname.split('/').slice(4).join('/')),
      );
      expect(requestedRels.length).toBeGreaterThan(0);
      expect(requestedRels.filter((r) => !renderedRels.has(r))).toEqual([]);
      console.log(
        `[e2e] 10k grid, two jumps: ${requestedRels.length} thumbnails requested, all of rendered cells`,
      );
    },
    240_000,
  );

  step(
    'survives the engine process being killed: the window stays, the user is told, the next job works',
    async () => {
      const status = await apiCall((api) => api.getEngineStatus({}));
      if (!status.ok || !status.data.pid) throw new Error(`no engine pid: ${JSON.stringify(status)}`);
      const pid = status.data.pid;
      process.kill(pid, 'SIGKILL');
      const banner = page.getByTestId('engine-crash');
      await banner.waitFor();
      expect(await banner.textContent()).toMatch(/engine process was killed/);
      await poll(() => page.getByTestId('status-engine').textContent()).toContain('crashed');
      await screenshot(page, '7-engine-crash');
      await banner.getByRole('button', { name: 'Dismiss' }).click();

      await openPath(page, HYMENOPTERA);
      await poll(() => page.locator('.dataset-head h1').textContent(), { timeout: 60_000 }).toBe(
        'hymenoptera_data',
      );
      expect(await cell('ants', 'train').textContent()).toBe('124');
      const after = await apiCall((api) => api.getEngineStatus({}));
      expect(after.ok && after.data.pid).not.toBe(pid);
      expect(after.ok && after.data.starts).toBe(2);
    },
  );

  step('rejects bad payloads with a typed error through the same window.api', async () => {
    const r = await apiCall((api) => api.openDataset({ path: 42 } as never));
    expect(r).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });
    const f = await apiCall((api) => api.openDataset({ path: '/etc' }));
    expect(f).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
  });

  step('keeps the dataset across the other steps and remembers the recent dataset', async () => {
    await page.locator('.steps button', { hasText: 'Train' }).click();
    await page.getByRole('heading', { name: 'Train', exact: true }).waitFor();
    await page.getByTestId('start').waitFor();
    await screenshot(page, '8-train-step');
    await page.locator('.steps button', { hasText: 'Dataset' }).click();
    // The dataset survived the round trip through another step.
    expect(await cell('ants', 'train').textContent()).toBe('124');
    const settings = await apiCall((api) => api.getSettings({}));
    expect(settings.ok && settings.data.recentDatasets.map((r) => r.name)).toEqual([
      'hymenoptera_data',
      'large',
      'bad',
    ]);
  });
  step('changes settings through main: theme, devices, compute backend, cache folder', async () => {
    await page.getByRole('button', { name: 'Settings' }).click();
    const dialog = page.getByRole('dialog', { name: 'Settings' });
    await dialog.waitFor();
    await dialog.getByLabel('Theme').selectOption('dark');
    await poll(() => page.evaluate('document.documentElement.dataset.theme')).toBe('dark');
    // What can run the frozen base here, as the engine process checks it: cpu yes, cuda no (and why).
    const device = (name: string) => dialog.locator(`[data-testid=device-row][data-device=${name}]`);
    await poll(() => dialog.getByTestId('device-row').count()).toBe(OrtDeviceName.options.length);
    expect(await device('cpu').getAttribute('data-available')).toBe('true');
    expect(await device('cpu').textContent()).toContain('available');
    expect(await device('cuda').getAttribute('data-available')).toBe('false');
    expect(await device('cuda').textContent()).toMatch(/unavailable: .*CUDA/);
    const choices = dialog.getByLabel('Frozen base device').locator('option');
    expect(await choices.evaluateAll((os) => os.map((o) => o.getAttribute('value')))).toEqual(
      ExtractionDevice.options,
    );
    expect(await choices.filter({ hasText: 'unavailable here' }).count()).toBeGreaterThan(0);
    await dialog.getByLabel('Frozen base device').selectOption('tfjs');
    await dialog.getByLabel('Compute backend').selectOption('wasm');
    const cache = path.join(tmp.dir, 'my-cache');
    await dialog.getByLabel('Cache folder').fill(cache);
    await dialog.getByRole('button', { name: 'Save' }).click();
    await poll(async () => {
      const s = await apiCall((api) => api.getSettings({}));
      return s.ok && [s.data.theme, s.data.preferredDevice, s.data.preferredBackend, s.data.cacheDir];
    }).toEqual(['dark', 'tfjs', 'wasm', cache]);
    await screenshot(page, '9-settings-dark');
    await dialog.press('Escape');
    // Thumbnails now land in the new cache folder (a class never shown before: not in the browser's cache).
    await page.getByLabel('Recent datasets').selectOption({ label: `bad — ${badRoot}` });
    await poll(() => page.locator('.dataset-head h1').textContent(), { timeout: 60_000 }).toBe('bad');
    await page.locator('[data-class-tab=rare]').click();
    await poll(
      async () => (await readdir(path.join(cache, 'images', 'thumbs')).catch(() => [])).length,
    ).toBeGreaterThan(0);
  });
});
