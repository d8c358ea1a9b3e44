/**
 * `npm run -s bench:ui [-- --images 100k|10k|<n>]`: is the UI usable on a large dataset? Builds (once,
 * under the OS temp dir, see ui-dataset.ts: hard links to real JPEGs) a dataset of that many images from the
 * photos in ../shared, starts browser mode (`serve`, as users run it) and drives real Chromium:
 * opens the dataset from the Dataset screen and measures the scan (server time, progress shown while
 * it runs, frame intervals meanwhile: a frozen window shows as long frames), time to the first grid
 * paint, the openDataset answer's size, flicking and jumping through the virtualised grid, a re-split,
 * the memory of main, the engine process and the renderer, and (ui-train.ts) how often the training
 * charts redraw while epochs end many times a second. Prints ONE JSON object. Timings on a
 * busy machine are noisy: the load average is reported beside them.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';
import { chromiumPath, startServe } from '../test/e2e/fixtures';
import { TreeSampler } from './proc-tree';
import { buildLinkedDataset } from './ui-dataset';
import { FLICK, INSTRUMENT_OPEN, JUMP, RESPLIT } from './ui-page';
import { measureTraining, tinyDataset } from './ui-train';
import { chromiumPid, processMemory, stats } from './ui-stats';

const REPO = path.resolve(import.meta.dirname, '..');
const PHOTOS = path.resolve(REPO, '../shared/datasets/hymenoptera_data');
const log = (s: string) => process.stderr.write(`[bench:ui] ${s}\n`);
/** Epochs of the training phase: one batch each, so they end many times a second. */
const EPOCHS = 100;
const mb = (bytes: number) => Math.round((bytes / 2 ** 20) * 10) / 10;

function parseImages(arg: string): number {
  const m = /^(\d+)(k?)$/i.exec(arg);
  if (!m) throw new Error(`--images takes 10k, 100k or a number, got "${arg}"`);
  return Number(m[1]) * (m[2] ? 1000 : 1);
}

async function main() {
  const { values } = parseArgs({ options: { images: { type: 'string', default: '100k' } } });
  const images = parseImages(values.images!);
  const dataset = await buildLinkedDataset(images, PHOTOS, log);
  log(`dataset ${dataset.dir} (${dataset.built ? `built in ${dataset.buildS.toFixed(0)} s` : 'reused'})`);

  const state = await mkdtemp(path.join(os.tmpdir(), 'ts-bench-ui-'));
  const serve = await startServe({ roots: [path.dirname(dataset.dir), state], dataDir: state });
  const browser = await chromium.launch({
    executablePath: chromiumPath(),
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run'],
  });
  const browserPid = await chromiumPid();
  const mainTree = new TreeSampler(serve.proc.pid!).start();
  const chromeTree = new TreeSampler(browserPid).start();
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    page.on('pageerror', (e) => log(`page error: ${e.message}`));
    const frames: number[] = [];
    const epochAt: number[] = [];
    let openAnswer: { bytes: number; scanMs: number | null; files: number | null } | null = null;
    page.on('websocket', (ws) =>
      ws.on('framereceived', ({ payload }) => {
        const s = typeof payload === 'string' ? payload : payload.toString('utf8');
        frames.push(Buffer.byteLength(s));
        if (s.includes('"event":"jobEpoch"')) epochAt.push(performance.now());
        // The openDataset answer: the one frame carrying a dataset view.
        if (!openAnswer && s.includes('"scanMs"') && s.startsWith('{"id"')) {
          const r = JSON.parse(s) as {
            result: { ok: boolean; data?: { scanMs: number; files?: unknown[]; images?: number } };
          };
          const d = r.result.data;
          openAnswer = {
            bytes: Buffer.byteLength(s),
            scanMs: d?.scanMs ?? null,
            files: d?.files?.length ?? d?.images ?? null,
          };
        }
      }),
    );
    await page.goto(serve.url);
    await page.getByText('Server: connected').waitFor({ timeout: 60_000 });
    const load1 = os.loadavg()[0];

    log(`opening ${images} images…`);
    await page.getByLabel('Dataset folder path').fill(dataset.dir);
    await page.evaluate(INSTRUMENT_OPEN);
    await page.getByRole('button', { name: 'Open', exact: true }).click();
    // A function, not source text: the app's CSP forbids eval.
    const painted = () =>
      (globalThis as unknown as { __ui: { marks: Record<string, number> } }).__ui.marks.gridPainted !==
      undefined;
    await page.waitForFunction(painted, null, {
      timeout: 60 * 60_000,
      polling: 200,
    });
    const ui = (await page.evaluate(
      '(() => { window.__ui.stop(); return { marks: window.__ui.marks, frames: window.__ui.frames, progressTexts: window.__ui.progressTexts }; })()',
    )) as { marks: Record<string, number>; frames: number[]; progressTexts: number };
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Performance.enable');
    const heap = async () => {
      await cdp.send('HeapProfiler.collectGarbage').catch(() => undefined);
      const { metrics } = await cdp.send('Performance.getMetrics');
      const m = Object.fromEntries(metrics.map((x) => [x.name, x.value]));
      return { jsHeapMB: mb(m.JSHeapUsedSize ?? 0), domNodes: m.Nodes ?? null };
    };
    const afterOpen = { ...(await heap()), processes: await processMemory(serve.proc.pid!, browserPid) };

    log('scrolling…');
    const grid = page.getByTestId('thumb-grid');
    await grid.evaluate((el) => el.scrollIntoView({ block: 'center' }));
    await page.waitForTimeout(1000);
    type Flick = { frames: number[]; scrollTop: number; scrollHeight: number; cells: number };
    const flick = (px: number, n: number) =>
      page.evaluate(`(${FLICK})(${JSON.stringify({ px, frames: n })})`) as Promise<Flick>;
    const slow = await flick(40, 120);
    const fast = await flick(4000, 120);
    const jumps = [];
    for (const f of [0.5, 0.9, 0.1])
      jumps.push(
        (await page.evaluate(`(${JUMP})(${f})`)) as { fraction: number; cellMs: number; imgMs: number },
      );

    log('re-splitting…');
    await page.evaluate('window.scrollTo(0, 0)');
    const resplit = (await page.evaluate(`(${RESPLIT})(0.3)`)) as { ms: number | null };
    await page.waitForTimeout(500);
    const end = { ...(await heap()), processes: await processMemory(serve.proc.pid!, browserPid) };

    log(`training ${EPOCHS} fast epochs…`);
    const tiny = await tinyDataset(PHOTOS, path.join(state, 'tiny'), 6);
    const training = await measureTraining(page, tiny, EPOCHS, epochAt);

    const out = {
      bench: 'ui',
      images,
      files: openAnswer?.['files'] ?? null,
      dataset: { dir: dataset.dir, reused: !dataset.built, mb: mb(dataset.bytes) },
      open: {
        serverScanMs: openAnswer?.['scanMs'] ?? null,
        clickToProgressShownMs: ui.marks.progressShown ?? null,
        clickToFirstFileCountMs: ui.marks.firstCount ?? null,
        progressTextUpdates: ui.progressTexts,
        clickToHeadingMs: ui.marks.heading ?? null,
        clickToGridPaintMs: ui.marks.gridPainted ?? null,
        framesWhileOpening: stats(ui.frames),
      },
      transport: {
        openDatasetAnswerMB: openAnswer ? mb(openAnswer['bytes']) : null,
        largestFrameMB: mb(Math.max(0, ...frames)),
      },
      scroll: {
        slow40pxPerFrame: { ...stats(slow.frames), cellsInDom: slow.cells },
        flick4000pxPerFrame: { ...stats(fast.frames), cellsInDom: fast.cells },
        gridHeightPx: fast.scrollHeight,
        jumps,
      },
      resplit: { ms: resplit.ms, note: 'includes the slider’s 60 ms debounce' },
      training,
      memory: { afterOpen, end, peak: { main: await mainTree.stop(), chromium: await chromeTree.stop() } },
      loadAvg1AtStart: Math.round(load1 * 100) / 100,
      cores: os.availableParallelism(),
    };
    process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
  } finally {
    await browser.close().catch(() => undefined);
    await serve.stop();
    await rm(state, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (e: Error) => {
    process.stderr.write(`bench:ui failed: ${e.stack ?? e.message}\n`);
    process.exit(1);
  },
);
