/**
 * The Model screen in real Chromium against browser mode: "Add a model" with a real Keras file
 * (../shared's MobileNet v1 0.25 full-model .h5, with its ImageNet classifier) and the feature-layer
 * picker; the Keras recipe preset button; a base card's download progress and Cancel, against a
 * loopback server standing in for Keras' host (TRANSFER_STUDIO_DOWNLOAD_ORIGIN) that sends slowly.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import type { Page } from 'playwright-core';
import { HEAD_PRESETS } from '@shared/head';
import { screenshot, SHARED } from './fixtures';
import type { Browser, ServeHandle } from './fixtures';
import { closeSession, connect, openSession, type E2eSession } from './session';
import { e2eStep } from './steps';

let tmp: E2eSession['tmp'];
let serve: ServeHandle;
let browser: Browser;
let page: Page;
let host: Server;
const requested: string[] = [];
/** What the slow host claims to send: about VGG16's notop file. */
const SIZE = 58_889_256;
const H5 = path.join(SHARED, 'models', 'keras', 'mobilenet_v1_0.25_224.h5');

const step = e2eStep({ page: () => page, serve: () => serve, prefix: 'add-model-' });
const poll = <T>(fn: () => Promise<T> | T, o: { timeout?: number } = {}) =>
  expect.poll(fn, { timeout: 30_000, interval: 100, ...o });

beforeAll(async () => {
  // ~2.5 MB/s: slow enough to watch and cancel, never finished within the test.
  host = createServer((req, res) => {
    requested.push(req.url!);
    res.writeHead(200, { 'content-length': String(SIZE), 'content-type': 'application/octet-stream' });
    const chunk = Buffer.alloc(256 * 1024, 7);
    const timer = setInterval(() => res.write(chunk), 100);
    res.on('close', () => clearInterval(timer));
  });
  await new Promise<void>((r) => host.listen(0, '127.0.0.1', r));
  process.env.TRANSFER_STUDIO_DOWNLOAD_ORIGIN = `http://127.0.0.1:${(host.address() as AddressInfo).port}`;
  ({ tmp, serve, browser, page } = await openSession('ts-e2e-add-model-'));
});

afterAll(async () => {
  await closeSession({ tmp, serve, browser });
  host?.closeAllConnections();
  host?.close();
  delete process.env.TRANSFER_STUDIO_DOWNLOAD_ORIGIN;
});

describe('Add a model (Keras file) and the Keras recipe preset', () => {
  step(
    'a Keras .h5 full model is added; its feature layer is picked from its layers and shapes',
    async () => {
      await connect(page, serve);
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

  step('a base card shows its download (bytes of total, speed, time left) and Cancel stops it', async () => {
    const card = page.locator('[data-base="vgg16"]');
    await card.getByRole('button', { name: 'Download now' }).click();
    const status = card.getByTestId('base-download');
    await status.waitFor({ timeout: 60_000 });
    // Bytes of the announced total, a speed and an ETA, as the engine measures them.
    await poll(() => status.textContent(), { timeout: 60_000 }).toMatch(
      /\d+(\.\d)? MB of 56 MB · [\d.]+ (KB|MB)\/s · .+ left/,
    );
    const pct1 = Number(await status.getByRole('progressbar').getAttribute('aria-valuenow'));
    await poll(async () =>
      Number(await status.getByRole('progressbar').getAttribute('aria-valuenow')),
    ).toBeGreaterThan(pct1);
    expect(requested.at(-1)).toBe(
      '/tensorflow/keras-applications/vgg16/vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5',
    );
    await screenshot(page, 'add-model-download');
    await status.getByRole('button', { name: 'Cancel' }).click();
    await status.waitFor({ state: 'detached', timeout: 30_000 });
    await poll(() => page.getByRole('alert').first().textContent()).toMatch(/vgg16: .*cancel/i);
    expect(await card.locator('.chip').first().textContent()).toBe('needs download');
  });
});
