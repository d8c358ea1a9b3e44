/**
 * Issue 13 in real Chromium against browser mode: on hymenoptera with planted duplicates, leaks and
 * mislabels (test/helpers/quality-dataset.ts), the Dataset screen's duplicates/leaks view and label
 * review queue (relabel → undo on real files), then the Evaluate screen's confusion-matrix filter and a
 * Grad-CAM heatmap. Screenshots land in test-results/e2e/quality-*.png.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import type { Page } from 'playwright-core';
import { makePlantedDataset, type PlantedDataset } from '../helpers/quality-dataset';
import { screenshot } from './fixtures';
import type { Browser, ServeHandle } from './fixtures';
import { closeSession, connect, openDataset, openSession, type E2eSession } from './session';
import { e2eStep } from './steps';

let tmp: E2eSession['tmp'];
let serve: ServeHandle;
let browser: Browser;
let page: Page;
let ds: PlantedDataset;

const step = e2eStep({ page: () => page, serve: () => serve, prefix: 'quality-' });
const poll = <T>(fn: () => Promise<T> | T, o: { timeout?: number } = {}) =>
  expect.poll(fn, { timeout: 30_000, interval: 100, ...o });
const goto = (label: string) => page.locator('.steps button', { hasText: label }).click();
const text = async (testId: string) => (await page.getByTestId(testId).first().textContent()) ?? '';

beforeAll(async () => {
  ({ tmp, serve, browser, page } = await openSession('ts-e2e-quality-', {
    prepare: async (dir) => void (ds = await makePlantedDataset(dir)),
  }));
}, 120_000);
afterAll(() => closeSession({ tmp, serve, browser }));

describe('data quality screens in Chromium (planted dataset)', () => {
  step('opens the planted dataset', async () => {
    await connect(page, serve);
    await openDataset(page, ds.root);
  });

  step(
    'Dataset: the leak view shows every planted group side by side; keep one and undo',
    async () => {
      await page.getByTestId('find-duplicates').click();
      await poll(() => page.getByTestId('dup-group').count(), { timeout: 300_000 }).toBe(
        ds.exact.length + ds.near.length,
      );
      expect(await text('duplicate-counts')).toMatch(/9 group\(s\) · 5 leak\(s\) .* 2 label conflict\(s\)/);
      // Pairs side by side: every member's photo is really shown.
      const leak = page.locator('[data-testid=dup-group].leak').first();
      const imgs = leak.locator('img');
      expect(await imgs.count()).toBeGreaterThanOrEqual(2);
      await poll(() =>
        imgs.evaluateAll((els) =>
          els.every((e) => (e as unknown as { naturalWidth: number }).naturalWidth > 0),
        ),
      ).toBe(true);
      await leak.scrollIntoViewIfNeeded();
      await screenshot(page, 'quality-1-leaks');

      // Keep only the first copy: every other member of the group is marked out of the project.
      await leak.getByTestId('keep-one').first().click();
      await poll(() => leak.locator('.dup-member.excluded').count()).toBe((await imgs.count()) - 1);
      expect(await text('quality-summary')).not.toMatch(/^0 image\(s\) excluded · 0 byte-identical/);
      await page.getByTestId('quality-undo').click();
      await poll(() => leak.locator('.dup-member.excluded').count()).toBe(0);
      expect(await text('quality-summary')).toMatch(/^0 image\(s\) excluded · 0 byte-identical/);
    },
    360_000,
  );

  step(
    'Dataset: the duplicate settings change what is found; a refused value is named; Defaults restores',
    async () => {
      const all = ds.exact.length + ds.near.length;
      const settings = page.getByTestId('duplicate-settings');
      // Strictest: cosine 1 and no hash distance. Byte copies still group (sha256), edited copies do not.
      await page.getByLabel('Similarity at least').fill('1');
      await page.getByLabel('Hash distance at most').fill('0');
      await page.getByTestId('find-duplicates').click();
      await poll(() => text('duplicate-counts')).toMatch(/similarity ≥ 1\.00, .* hash ≤ 0 bits/);
      const strict = await page.getByTestId('dup-group').count();
      expect(strict).toBeGreaterThanOrEqual(ds.exact.length);
      expect(strict).toBeLessThan(all);
      // Out of the search's range: named in one line, and the search waits.
      await page.getByLabel('Hash distance at most').fill('99');
      expect(await settings.getByRole('alert').textContent()).toMatch(/^Hash distance at most: /);
      expect(await page.getByTestId('find-duplicates').isEnabled()).toBe(false);
      await settings.getByRole('button', { name: 'Defaults' }).click();
      await page.getByTestId('find-duplicates').click();
      await poll(() => text('duplicate-counts')).toMatch(
        /similarity ≥ 0\.70, stands out by 0\.23, hash ≤ 8 bits/,
      );
      expect(await page.getByTestId('dup-group').count()).toBe(all);
    },
  );

  step(
    'Dataset: the review queue shows a planted mislabel large; relabel moves the file, undo moves it back',
    async () => {
      await page.getByTestId('review-labels').click();
      await page.getByTestId('review-item').waitFor({ timeout: 300_000 });
      const item = page.getByTestId('review-item');
      const rel = (await item.locator('strong').first().textContent())!;
      const planted = ds.mislabeled.find((m) => m.rel === rel);
      expect(planted, `the worst suspect ${rel} is one of the planted mislabels`).toBeDefined();
      expect(await text('review-suggested')).toBe(planted!.trueClass);
      await poll(() =>
        item.locator('img').evaluate((e) => (e as unknown as { naturalWidth: number }).naturalWidth),
      ).toBeGreaterThan(0);
      await screenshot(page, 'quality-2-review');

      await page.getByTestId('relabel').click();
      const confirm = page.getByTestId('relabel-confirm');
      await confirm.waitFor();
      const from = path.join(ds.root, ...rel.split('/'));
      expect(await confirm.textContent()).toContain(from);
      await page.getByTestId('relabel-confirm-yes').click();
      await poll(() => existsSync(from)).toBe(false);
      await poll(() => text('quality-undo')).toContain('relabel');
      await page.getByTestId('quality-undo').click();
      await poll(() => existsSync(from)).toBe(true);
    },
    360_000,
  );

  step(
    'Evaluate: a confusion-matrix cell filters the gallery; a misclassified photo gets a Grad-CAM heatmap',
    async () => {
      await goto('Train');
      await poll(() => page.getByTestId('start').isEnabled()).toBe(true);
      await page.getByTestId('start').click();
      await page.getByTestId('run-summary').waitFor({ timeout: 400_000 });
      await goto('Evaluate');
      await page.getByTestId('confusion-matrix').waitFor();
      const cells = page.getByTestId('cm-cell');
      let cell = -1;
      for (let i = 0; i < (await cells.count()); i++) {
        const c = cells.nth(i);
        if (
          (await c.getAttribute('data-true')) !== (await c.getAttribute('data-pred')) &&
          Number(await c.getAttribute('data-count')) > 0
        ) {
          cell = i;
          break;
        }
      }
      expect(cell, 'the model makes at least one error').toBeGreaterThanOrEqual(0);
      const chosen = cells.nth(cell);
      const count = Number(await chosen.getAttribute('data-count'));
      await chosen.click();
      await poll(() => page.getByTestId('miss-item').count()).toBe(count);
      expect(await text('cm-filter')).toContain(`(${count})`);
      await screenshot(page, 'quality-3-filtered-gallery');

      await page.getByTestId('miss-item').first().click();
      await page.getByTestId('show-heatmap').click();
      const heat = page.getByTestId('gradcam-heat');
      await heat.waitFor({ timeout: 120_000 });
      expect(await heat.getAttribute('src')).toMatch(/^data:image\/png;base64,/);
      await poll(() =>
        heat.evaluate((e) => (e as unknown as { naturalWidth: number }).naturalWidth),
      ).toBeGreaterThan(0);
      await page.getByLabel('Heatmap opacity').fill('0.8');
      await poll(() =>
        heat.evaluate((e) => (e as unknown as { style: { opacity: string } }).style.opacity),
      ).toBe('0.8');
      await screenshot(page, 'quality-4-heatmap');
    },
    600_000,
  );
});
