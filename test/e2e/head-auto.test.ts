/**
 * The head editor's "Auto" choice in real Chromium against browser mode (`npm run serve`): chosen in the
 * Model screen, it travels in the run's config; the engine cross-validates heads on the training split
 * before training, and the Model screen then shows that run's table with the head it trained.
 * hymenoptera_data with MobileNet v1 0.25 from ../shared/models.
 */
import { afterAll, beforeAll, describe, expect } from 'vitest';
import type { Page } from 'playwright-core';
import { HYMENOPTERA, screenshot } from './fixtures';
import type { Browser, ServeHandle } from './fixtures';
import { closeSession, connect, openDataset, openSession, type E2eSession } from './session';
import { e2eStep } from './steps';

let tmp: E2eSession['tmp'];
let serve: ServeHandle;
let browser: Browser;
let page: Page;
const BASE = 'mobilenet_v1_0.25_224';

const step = e2eStep({ page: () => page, serve: () => serve, prefix: 'head-auto-' });
const poll = <T>(fn: () => Promise<T> | T, o: { timeout?: number } = {}) =>
  expect.poll(fn, { timeout: 30_000, interval: 100, ...o });
const goto = (label: string) => page.locator('.steps button', { hasText: label }).click();

beforeAll(async () => {
  ({ tmp, serve, browser, page } = await openSession('ts-e2e-head-auto-'));
});
afterAll(() => closeSession({ tmp, serve, browser }));

describe('the head editor’s Auto choice in Chromium', () => {
  step('opens hymenoptera_data and picks Auto for MobileNet v1 0.25', async () => {
    await connect(page, serve);
    await openDataset(page, HYMENOPTERA);
    await goto('Model');
    await page.locator(`[data-base="${BASE}"]`).click();
    await poll(() => page.getByTestId('base-shape').textContent(), { timeout: 60_000 }).toBe('[7, 7, 256]');
    await page.getByLabel('Head preset').selectOption('auto');
    await page.getByTestId('head-auto-pending').waitFor();
    expect(await page.getByLabel('Head preset').inputValue()).toBe('auto');
  });

  step('trains with Auto: the Model screen shows the CV table and the head the run trained', async () => {
    await goto('Train');
    await page.getByLabel('Epochs', { exact: true }).fill('3');
    await poll(() => page.getByTestId('start').isEnabled()).toBe(true);
    await page.getByTestId('start').click();
    await page.getByTestId('run-summary').waitFor({ timeout: 600_000 });
    await goto('Model');
    const table = page.getByTestId('head-auto-table');
    await table.waitFor({ timeout: 30_000 });
    const rows = table.locator('tbody tr');
    // Linear × 3 rates, light × 3 rates × 3 L2, keras × 9 (reported skipped: over the work limit).
    await poll(() => rows.count()).toBe(21);
    const winner = table.locator('tr[aria-current=true] td').first();
    const winnerId = await winner.textContent();
    expect(winnerId).toMatch(/^(linear|light) lr=/);
    expect(await page.getByTestId('head-auto-winner').textContent()).toContain(winnerId!);
    expect(await table.locator('tr', { hasText: 'keras' }).first().textContent()).toContain('skipped');
    await page.getByTestId('head-auto').scrollIntoViewIfNeeded();
    await screenshot(page, 'head-auto-1-table');
    // Editing the head by hand leaves Auto.
    await page.getByLabel('Head preset').selectOption('light');
    await poll(() => page.getByTestId('head-auto').count()).toBe(0);
  });
});
