/**
 * The UI bench's training phase: a run whose epochs end far faster than 10 a second (a few real photos,
 * one batch per epoch, a cached-features head), watched from the page: how often the charts redraw
 * (MutationObserver on the loss chart's point count), the worst second, and frame intervals meanwhile.
 */
import { copyFile, mkdir, readdir } from 'node:fs/promises';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { stats } from './ui-stats';

const BASE = 'mobilenet_v1_0.25_224';

/** Page side: chart point-count changes and every frame interval, until `__train.stop()`. */
const WATCH = `(() => {
  const w = { times: [], frames: [], running: true };
  window.__train = w;
  let last = null;
  const obs = new MutationObserver(() => {
    const el = document.querySelector('[data-testid=loss-chart]');
    const n = el ? Number(el.getAttribute('data-points')) : null;
    if (n !== null && n !== last) { last = n; w.times.push(performance.now()); }
  });
  obs.observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-points'] });
  let prev = performance.now();
  const tick = (t) => { w.frames.push(t - prev); prev = t; if (w.running) requestAnimationFrame(tick); };
  requestAnimationFrame(tick);
  w.stop = () => { w.running = false; obs.disconnect(); return { times: w.times, frames: w.frames }; };
})()`;

/** `perClass` real photos per class of hymenoptera's train split, copied under `dir`. */
export async function tinyDataset(photos: string, dir: string, perClass: number): Promise<string> {
  for (const cls of ['ants', 'bees']) {
    const from = path.join(photos, 'train', cls);
    await mkdir(path.join(dir, cls), { recursive: true });
    for (const f of (await readdir(from)).filter((n) => n.endsWith('.jpg')).slice(0, perClass))
      await copyFile(path.join(from, f), path.join(dir, cls, f));
  }
  return dir;
}

/** `epochAt`: filled by the caller's socket listener with the arrival time of each jobEpoch event. */
export async function measureTraining(page: Page, datasetDir: string, epochs: number, epochAt: number[]) {
  const goto = (label: string) => page.locator('.steps button', { hasText: label }).click();
  await goto('Dataset');
  await page.getByLabel('Dataset folder path').fill(datasetDir);
  await page.getByRole('button', { name: 'Open', exact: true }).click();
  await page
    .locator('.dataset-head h1', { hasText: path.basename(datasetDir) })
    .waitFor({ timeout: 120_000 });
  await goto('Model');
  await page.locator(`[data-base="${BASE}"]`).click();
  await page.getByTestId('base-shape').filter({ hasText: '[7, 7, 256]' }).waitFor({ timeout: 120_000 });
  await goto('Train');
  await page.getByLabel('Epochs', { exact: true }).fill(String(epochs));
  await page.getByLabel('Batch size', { exact: true }).fill('32');
  await page.getByLabel('Early stopping').uncheck();
  epochAt.length = 0;
  await page.evaluate(WATCH);
  await page.getByTestId('start').click();
  await page.getByTestId('run-summary').waitFor({ timeout: 30 * 60_000 });
  const w = (await page.evaluate('window.__train.stop()')) as { times: number[]; frames: number[] };
  let worst = 0;
  for (let i = 0, j = 0; i < w.times.length; i++) {
    while (w.times[i] - w.times[j] >= 1000) j++;
    worst = Math.max(worst, i - j + 1);
  }
  const spanS = w.times.length > 1 ? (w.times.at(-1)! - w.times[0]) / 1000 : 0;
  const epochSpanS = epochAt.length > 1 ? (epochAt.at(-1)! - epochAt[0]) / 1000 : 0;
  return {
    epochs,
    epochReportsSeen: epochAt.length,
    engineEpochsPerS: epochSpanS ? Math.round((epochAt.length / epochSpanS) * 10) / 10 : null,
    chartUpdates: w.times.length,
    chartUpdatesPerS: spanS ? Math.round((w.times.length / spanS) * 10) / 10 : null,
    chartUpdatesWorstSecond: worst,
    framesWhileTraining: stats(w.frames),
  };
}
