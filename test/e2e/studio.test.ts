/**
 * Augment → Model → Train → Evaluate → Export in real Chromium against browser mode (`npm run serve`),
 * on ../shared/datasets/hymenoptera_data with MobileNet v1 0.25 from ../shared/models. The server gets
 * a fresh data dir (so the feature cache starts cold); the second run reuses the first run's features.
 * Screenshots of each screen land in test-results/e2e/.
 */
import { existsSync, readFileSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import type { Page } from 'playwright-core';
import { HEAD_PRESETS, HeadSpec } from '@shared/head';
import { inferHead } from '@shared/head-shape';
import { HYMENOPTERA, screenshot } from './fixtures';
import type { Browser, ServeHandle } from './fixtures';
import { DROP_FILE, FRAME_TIMES, TIMED_STOP, WATCH_PROGRESS } from './page-scripts';
import { closeSession, connect, openDataset, openSession, type E2eSession } from './session';
import { e2eStep } from './steps';

let tmp: E2eSession['tmp'];
let serve: ServeHandle;
let browser: Browser;
let page: Page;
const BASE = 'mobilenet_v1_0.25_224';
const VAL_SIZE = 153;

const step = e2eStep({
  page: () => page,
  serve: () => serve,
  prefix: 'studio-',
});

const poll = <T>(fn: () => Promise<T> | T, o: { timeout?: number } = {}) =>
  expect.poll(fn, { timeout: 30_000, interval: 100, ...o });
const goto = (label: string) => page.locator('.steps button', { hasText: label }).click();
const variantSrcs = () =>
  page.getByTestId('aug-variant').evaluateAll((els) => els.map((e) => e.getAttribute('src') ?? ''));
const attr = (testId: string, name: string) => page.getByTestId(testId).first().getAttribute(name);

beforeAll(async () => {
  ({ tmp, serve, browser, page } = await openSession('ts-e2e-studio-'));
});
afterAll(() => closeSession({ tmp, serve, browser }));

describe('the studio screens in Chromium', () => {
  step('opens hymenoptera_data', async () => {
    await connect(page, serve);
    await openDataset(page, HYMENOPTERA);
  });

  step('Augment: the engine’s previews follow the options', async () => {
    await goto('Augment');
    await poll(async () => (await variantSrcs()).length, { timeout: 60_000 }).toBe(16);
    // No augmentation: every variant is the original, pixel for pixel (same JPEG bytes).
    const original = (await page.getByTestId('aug-original').getAttribute('src'))!;
    expect(original).toMatch(/^data:image\/jpeg;base64,/);
    expect(new Set(await variantSrcs())).toEqual(new Set([original]));

    const before = await variantSrcs();
    const t0 = Date.now();
    await page.getByTestId('aug-rotation').fill('40');
    await poll(async () => (await variantSrcs()).join() !== before.join()).toBe(true);
    console.log(`[e2e] rotation ±40°: 16 new previews in ${Date.now() - t0} ms (debounce + engine + decode)`);
    const rotated = await variantSrcs();
    expect(new Set(rotated).size).toBe(16);
    expect(rotated).not.toContain(original);

    await page.getByRole('button', { name: 'Keras recipe' }).click();
    await poll(async () => (await variantSrcs()).join() !== rotated.join()).toBe(true);
    const keras = await variantSrcs();
    const t1 = Date.now();
    await page.getByTestId('aug-reseed').click();
    await poll(async () => (await variantSrcs()).join() !== keras.join()).toBe(true);
    console.log(
      `[e2e] reseed: 16 new previews in ${Date.now() - t1} ms; ${await page.getByTestId('aug-timing').textContent()}`,
    );

    await page.getByRole('button', { name: 'Random per class' }).click();
    await poll(() => page.locator('.aug-row-images').count()).toBe(4);
    await poll(async () => (await variantSrcs()).length).toBe(16);
    await screenshot(page, 'studio-1-augment');
    // Train on clean images below: one feature pass per image keeps the suite quick.
    await page.getByRole('button', { name: 'None' }).click();
  });

  step(
    'Model: the Keras head built in the editor shows the engine’s shapes and parameter counts',
    async () => {
      await goto('Model');
      await page.locator(`[data-base="${BASE}"]`).click();
      await poll(() => page.getByTestId('base-shape').textContent(), { timeout: 60_000 }).toBe('[7, 7, 256]');
      await page.getByLabel('Head preset').selectOption('clear');
      await poll(() => page.getByTestId('head-block').count()).toBe(0);
      await page.getByRole('button', { name: '+ Flatten' }).click();
      await page.getByRole('button', { name: '+ Dense' }).click();
      await page.getByTestId('head-block').nth(1).getByLabel('units').fill('256');
      await page.getByRole('button', { name: '+ Dropout' }).click();

      const expected = inferHead(HeadSpec.parse(HEAD_PRESETS.keras), [7, 7, 256], 2);
      expect(expected.error).toBeUndefined();
      const blocks = page.getByTestId('head-block');
      await poll(() => blocks.count()).toBe(3);
      for (let i = 0; i < 3; i++) {
        const b = blocks.nth(i);
        expect(await b.getAttribute('data-type')).toBe(HEAD_PRESETS.keras.layers[i].type);
        expect(await b.getByTestId('block-shape').textContent()).toBe(
          `[${expected.layers[i].outputShape.join(', ')}]`,
        );
        expect(await b.getByTestId('block-params').textContent()).toBe(
          expected.layers[i].params.toLocaleString('en-US'),
        );
      }
      const cls = page.getByTestId('head-classifier');
      expect(await cls.getByTestId('block-shape').textContent()).toBe('[2]');
      expect(await cls.getByTestId('block-params').textContent()).toBe(
        expected.layers[3].params.toLocaleString('en-US'),
      );
      expect(await attr('head-total', 'data-value')).toBe(String(expected.totalParams));
      expect(await attr('head-trainable', 'data-value')).toBe(String(expected.trainableParams));
      await screenshot(page, 'studio-2-model');
    },
  );

  step('Model: an invalid stack is marked at the offending block; drag and delete fix it', async () => {
    await page.getByRole('button', { name: '+ Global average pooling' }).click();
    const blocks = page.getByTestId('head-block');
    const bad = blocks.nth(3);
    await poll(() => bad.getAttribute('aria-invalid')).toBe('true');
    const expected = inferHead(
      { layers: [...HeadSpec.parse(HEAD_PRESETS.keras).layers, { type: 'globalAveragePooling' }] },
      [7, 7, 256],
      2,
    );
    expect(expected.error?.index).toBe(3);
    expect(await bad.getByTestId('block-error').textContent()).toBe(expected.error!.message);
    for (let i = 0; i < 3; i++) expect(await blocks.nth(i).getAttribute('aria-invalid')).toBe('false');
    await screenshot(page, 'studio-3-invalid-head');
    // Train refuses to start and says why.
    await goto('Train');
    expect(await page.getByTestId('start').isDisabled()).toBe(true);
    expect(await page.getByTestId('start-problems').textContent()).toContain('layer 4');
    await goto('Model');
    // Dragging pooling to the top makes a valid stack (pooling first, then Flatten of a vector).
    await blocks.nth(3).dragTo(blocks.nth(0));
    await poll(() => blocks.nth(0).getAttribute('data-type')).toBe('globalAveragePooling');
    expect(await page.locator('[data-testid=head-block][aria-invalid=true]').count()).toBe(0);
    await blocks.nth(0).getByRole('button', { name: 'Delete Global average pooling' }).click();
    await poll(() => blocks.evaluateAll((els) => els.map((e) => e.getAttribute('data-type')))).toEqual([
      'flatten',
      'dense',
      'dropout',
    ]);
  });

  step(
    'Train: a run streams points into the charts, survives navigation, and Stop answers within a second',
    async () => {
      await goto('Train');
      await page.getByLabel('Epochs', { exact: true }).fill('40');
      await page.getByLabel('Early stopping').uncheck();
      await poll(() => page.getByTestId('start').isEnabled()).toBe(true);
      const t0 = Date.now();
      await page.getByTestId('start').click();
      await poll(() => attr('run-status', 'data-status')).toBe('running');
      await page.getByTestId('stage-progress').waitFor({ timeout: 60_000 });
      await poll(() => page.getByTestId('nav-training').count()).toBe(1);
      await poll(async () => Number(await attr('loss-chart', 'data-points')), {
        timeout: 120_000,
      }).toBeGreaterThan(0);
      console.log(`[e2e] first training point ${Date.now() - t0} ms after Start (cold feature cache)`);
      const first = Number(await attr('loss-chart', 'data-points'));
      await poll(async () => Number(await attr('loss-chart', 'data-points'))).toBeGreaterThan(first);
      // Leave and come back: the run and its curves are still there, still growing.
      await goto('Dataset');
      await page.getByTestId('class-table').waitFor();
      await goto('Train');
      const back = Number(await attr('loss-chart', 'data-points'));
      expect(back).toBeGreaterThan(first);
      await poll(async () => Number(await attr('loss-chart', 'data-points'))).toBeGreaterThan(back);
      // Two epochs in: real dots in the SVG for train and validation.
      await poll(() => page.locator('[data-testid=loss-chart] .recharts-line-dot').count(), {
        timeout: 60_000,
      }).toBeGreaterThanOrEqual(4);
      await screenshot(page, 'studio-4-training');
      // How smooth the page stays while points stream in (measured, not asserted: bench territory).
      const frames = (await page.evaluate(FRAME_TIMES)) as number[];
      frames.sort((a, b) => a - b);
      console.log(
        `[e2e] while training: ${frames.length} frames in 2 s, median ${frames[frames.length >> 1].toFixed(1)} ms, ` +
          `p95 ${frames[Math.floor(frames.length * 0.95)].toFixed(1)} ms`,
      );

      // Stop, timed in the page: click → the status reads "stopped".
      const ms = (await page.evaluate(TIMED_STOP)) as number;
      console.log(`[e2e] Stop → "stopped" shown in ${ms.toFixed(0)} ms`);
      expect(ms).toBeLessThan(1000);
      await page.getByTestId('run-summary').waitFor({ timeout: 30_000 });
      expect(await page.getByTestId('run-status').textContent()).toContain('kept the best weights');
      // What ran the frozen base, as the status bar shows the backend (auto here: ONNX Runtime on the CPU).
      expect(await page.getByTestId('status-runtime').textContent()).toMatch(
        /^Frozen base: onnxruntime cpu on CPU/,
      );
      await poll(() => page.getByTestId('start').count()).toBe(1);
      await screenshot(page, 'studio-5-stopped');
    },
    240_000,
  );

  step('Evaluate: a 2×2 confusion matrix over the 153 validation images, metrics and mistakes', async () => {
    await goto('Evaluate');
    const cells = page.getByTestId('cm-cell');
    await poll(() => cells.count()).toBe(4);
    const counts = (await cells.evaluateAll((els) =>
      els.map((e) => Number(e.getAttribute('data-count'))),
    )) as number[];
    expect(counts.reduce((a, b) => a + b, 0)).toBe(VAL_SIZE);
    const diagonal = (await page
      .locator('[data-testid=cm-cell].cm-diag')
      .evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-count'))))) as number[];
    const correct = diagonal.reduce((a, b) => a + b, 0);
    expect(await page.getByTestId('eval-accuracy').textContent()).toBe(
      `${((correct / VAL_SIZE) * 100).toFixed(1)}%`,
    );
    expect(await page.locator('[data-testid=class-metrics] tbody tr').count()).toBe(2);
    expect(await page.getByTestId('miss-item').count()).toBe(VAL_SIZE - correct);
    if (VAL_SIZE - correct > 0) {
      await page.getByTestId('miss-item').first().click();
      await page.getByTestId('miss-preview').waitFor();
      await screenshot(page, 'studio-6b-misclassified');
      await page.keyboard.press('Escape');
    }
    await page.getByRole('button', { name: 'Row %' }).click();
    await screenshot(page, 'studio-6-evaluate');
  });

  step('Evaluate: Try it predicts chosen and dropped images', async () => {
    const ant = path.join(
      HYMENOPTERA,
      'val',
      'ants',
      (await readdir(path.join(HYMENOPTERA, 'val', 'ants'))).sort()[0],
    );
    await page.getByTestId('tryit-input').setInputFiles(ant);
    await poll(() => page.getByTestId('tryit-result').count()).toBe(1);
    expect(['ants', 'bees']).toContain(await page.getByTestId('tryit-top').first().textContent());

    // A real drop: a DataTransfer holding a file made from a bee photo's bytes.
    const beeFile = (await readdir(path.join(HYMENOPTERA, 'val', 'bees'))).sort()[0];
    const bytes = readFileSync(path.join(HYMENOPTERA, 'val', 'bees', beeFile)).toString('base64');
    // Dropped onto the screen's heading: anywhere on the Evaluate screen takes images.
    const args = ['.evaluate-screen h1', bytes, beeFile].map((a) => JSON.stringify(a)).join(', ');
    await page.evaluate(`(${DROP_FILE})(${args})`);
    await poll(() => page.getByTestId('tryit-result').count()).toBe(2);
    const top = page.getByTestId('tryit-result').first();
    expect(await top.textContent()).toContain(beeFile);
    expect(['ants', 'bees']).toContain(await top.getByTestId('tryit-top').textContent());
    // The window's "drop a dataset folder" handler left it alone.
    expect(await page.locator('.drop-overlay').count()).toBe(0);
    expect(await page.locator('.topbar-dataset').textContent()).toBe('hymenoptera_data');
    await screenshot(page, 'studio-7-try-it');
  });

  step('Export: both formats; the paths are shown and exist on disk', async () => {
    await goto('Export');
    const parent = path.join(tmp.dir, 'exports');
    await page.getByLabel('Into folder (on the server)').fill(parent);
    for (const format of ['TensorFlow.js', 'TensorFlow SavedModel'])
      await page.getByRole('checkbox', { name: format }).check();
    await page.evaluate(WATCH_PROGRESS);
    await page.getByTestId('export-button').click();
    await page.getByTestId('export-result').waitFor({ timeout: 60_000 });
    // The progress bar was on screen while the engine wrote (however briefly).
    expect(await page.evaluate('window.__sawExportProgress')).toBe(true);
    const paths = (await page
      .getByTestId('export-path')
      .evaluateAll((els) => els.map((e) => e.getAttribute('data-path')))) as string[];
    expect(paths).toHaveLength(3);
    const [outDir, tfjs, saved] = paths;
    expect(path.dirname(outDir)).toBe(parent);
    expect(existsSync(path.join(tfjs, 'model.json'))).toBe(true);
    expect(existsSync(path.join(tfjs, 'weights.bin'))).toBe(true);
    expect(existsSync(path.join(saved, 'saved_model.pb'))).toBe(true);
    expect(saved).toBe(path.join(outDir, 'savedmodel', '1'));
    for (const p of paths) expect(await page.getByText(p, { exact: true }).count()).toBeGreaterThan(0);
    await screenshot(page, 'studio-8-export');
  });

  step(
    'Train: a second run reuses the cached features; the history compares both runs on one chart',
    async () => {
      await goto('Train');
      await page.getByLabel('Epochs', { exact: true }).fill('3');
      await page.getByTestId('start').click();
      await poll(() => attr('run-status', 'data-status'), { timeout: 120_000 }).toBe('done');
      expect(await page.getByTestId('run-summary').textContent()).toContain(
        '0 images through the base, 398 from the cache',
      );
      const rows = page.locator('[data-testid=run-history] tbody tr');
      expect(await rows.count()).toBe(2);
      await rows.nth(0).getByRole('checkbox').check();
      await rows.nth(1).getByRole('checkbox').check();
      const chart = page.getByTestId('compare-chart');
      await chart.waitFor();
      await poll(() => chart.locator('.recharts-line').count()).toBe(2);
      // Reopen the first (stopped) run: its curves come back from the history.
      await rows.nth(1).getByRole('button', { name: 'Open' }).click();
      await poll(() => attr('run-status', 'data-status')).toBe('stopped');
      await screenshot(page, 'studio-9-history-compare');
      // The history is on disk, with config and curves.
      const saved = JSON.parse(readFileSync(path.join(tmp.dir, 'state', 'runs.json'), 'utf8')) as {
        runs: { status: string; config: { head: unknown; epochs: number }; epochs: unknown[] }[];
      };
      expect(saved.runs.map((r) => r.status)).toEqual(['done', 'stopped']);
      expect(saved.runs[0].epochs).toHaveLength(3);
      expect(saved.runs[1].config.head).toEqual(HeadSpec.parse(HEAD_PRESETS.keras));
    },
    180_000,
  );

  step(
    'Settings: the feature cache panel shows what the runs stored; clearing a base asks first and keeps thumbnails',
    async () => {
      await page.getByRole('button', { name: 'Settings' }).click();
      const dialog = page.getByRole('dialog', { name: 'Settings' });
      const panel = dialog.getByTestId('cache-panel');
      const base = panel.locator(`[data-testid=cache-base][data-base="${BASE}"]`);
      await poll(() => base.count()).toBe(1);
      expect(Number(await base.getAttribute('data-bytes'))).toBeGreaterThan(0);
      // The Keras head starts with Flatten: full feature maps, one variant.
      expect(await base.getByTestId('cache-set').textContent()).toContain('feature maps');
      expect(Number(await panel.getByTestId('cache-total').getAttribute('data-bytes'))).toBeGreaterThan(0);
      await screenshot(page, 'studio-10-settings-cache');

      await base.getByRole('button', { name: /^Clear/ }).click();
      const confirm = panel.getByTestId('cache-confirm');
      expect(await confirm.textContent()).toContain('thumbnails are kept');
      await confirm.getByRole('button', { name: 'Cancel' }).click();
      expect(await base.count()).toBe(1); // nothing cleared without confirming
      await base.getByRole('button', { name: /^Clear/ }).click();
      await confirm.getByRole('button', { name: 'Remove' }).click();
      await panel.getByTestId('cache-empty').waitFor();
      expect(await panel.getByTestId('cache-done').textContent()).toMatch(/^Removed .* of cached features/);
      const cache = path.join(tmp.dir, 'state', 'cache');
      expect(existsSync(path.join(cache, 'store'))).toBe(true);
      expect((await readdir(path.join(cache, 'images', 'thumbs'))).length).toBeGreaterThan(0);
      await dialog.press('Escape');
    },
  );

  step('a forced device that cannot start fails the run with its one-line reason', async () => {
    await page.getByRole('button', { name: 'Settings' }).click();
    const dialog = page.getByRole('dialog', { name: 'Settings' });
    await dialog.getByLabel('Frozen base device').selectOption('cuda');
    await poll(() => dialog.getByLabel('Frozen base device').inputValue()).toBe('cuda');
    await dialog.press('Escape');
    await goto('Train');
    await page.getByTestId('start').click();
    await poll(() => attr('run-status', 'data-status'), { timeout: 60_000 }).toBe('failed');
    const text = (await page.getByTestId('run-status').textContent())!;
    expect(text).toMatch(/^Failed: device cuda cannot start: /);
    expect(text).not.toContain('\n');
    await screenshot(page, 'studio-11-device-failed');
  });
});
