/**
 * The Model screen's "Add a model" with a real Keras file (../shared's MobileNet v1 0.25 full-model
 * .h5, with its ImageNet classifier) and the feature-layer picker, and the Keras recipe preset button,
 * in real Chromium against browser mode.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import type { Page } from 'playwright-core';
import { HEAD_PRESETS } from '@shared/head';
import { tempDir } from '../helpers/app';
import { launchBrowser, screenshot, SHARED, startServe } from './fixtures';
import type { Browser, ServeHandle } from './fixtures';
import { e2eStep } from './steps';

let tmp: Awaited<ReturnType<typeof tempDir>>;
let serve: ServeHandle;
let browser: Browser;
let page: Page;
const H5 = path.join(SHARED, 'models', 'keras', 'mobilenet_v1_0.25_224.h5');

const step = e2eStep({ page: () => page, serve: () => serve, prefix: 'add-model-' });
const poll = <T>(fn: () => Promise<T> | T, o: { timeout?: number } = {}) =>
  expect.poll(fn, { timeout: 30_000, interval: 100, ...o });

beforeAll(async () => {
  tmp = await tempDir('ts-e2e-add-model-');
  serve = await startServe({ roots: [SHARED, tmp.dir], dataDir: path.join(tmp.dir, 'state') });
  browser = await launchBrowser();
  page = browser.page;
  page.on('pageerror', (e) => console.error('page error:', e.message));
});

afterAll(async () => {
  await browser?.close();
  await serve?.stop();
  await tmp?.cleanup();
});

describe('Add a model (Keras file) and the Keras recipe preset', () => {
  step(
    'a Keras .h5 full model is added; its feature layer is picked from its layers and shapes',
    async () => {
      await page.goto(serve.url);
      await poll(() => page.getByTestId('status-connection').textContent()).toContain('connected');
      await page.locator('.steps button', { hasText: 'Model' }).click();
      await page.getByLabel(/Add a model/).fill(H5);
      await page.getByRole('button', { name: 'Add', exact: true }).click();

      const dialog = page.getByTestId('feature-layer-dialog');
      await dialog.waitFor({ timeout: 120_000 });
      const radio = (name: string) => dialog.locator(`input[value="${name}"]`);
      const row = (name: string) => dialog.locator('label', { has: page.locator(`input[value="${name}"]`) });
      // The suggestion (last feature map before the classifier) is preselected; vectors cannot be picked.
      await poll(() => radio('conv_pw_13_relu').isChecked(), { timeout: 60_000 }).toBe(true);
      expect(await row('conv_pw_13_relu').textContent()).toContain('suggested');
      expect(await row('conv_pw_11_relu').textContent()).toContain('[14, 14, 128]');
      expect(await radio('reshape_2').isDisabled()).toBe(true);
      await radio('conv_pw_11_relu').check();
      await screenshot(page, 'add-model-feature-layer');
      await dialog.getByRole('button', { name: 'Use this layer' }).click();
      await dialog.waitFor({ state: 'detached', timeout: 120_000 });

      // The added model is the chosen base, cut at the pick.
      await poll(() => page.locator(`[data-base="${H5}"]`).getAttribute('aria-checked')).toBe('true');
      await poll(() => page.getByTestId('base-shape').textContent(), { timeout: 120_000 }).toBe(
        '[14, 14, 128]',
      );
    },
  );

  step('"Keras recipe (VGG16)" sets the VGG16 base and the Flatten → Dense 256 → Dropout head', async () => {
    await page.getByRole('button', { name: 'Keras recipe (VGG16)' }).click();
    await poll(() => page.locator('[data-base="vgg16"]').getAttribute('aria-checked')).toBe('true');
    await poll(() =>
      page.getByTestId('head-block').evaluateAll((els) => els.map((e) => e.getAttribute('data-type'))),
    ).toEqual(HEAD_PRESETS.keras.layers.map((l) => l.type));
    await screenshot(page, 'add-model-recipe');
  });
});
