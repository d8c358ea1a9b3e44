/**
 * The engine process's new job kinds, through the real engine host (a child process) with the real
 * MobileNet v1 0.25 weights from ../shared/models: describeBase, augmentPreview, train (thinned batch
 * events, graceful stop), predict, export, releaseRun.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AugmentSpec, NO_AUGMENT } from '@shared/augment';
import type { EngineEvent } from '@shared/engine-events';
import { HEAD_PRESETS } from '@shared/head';
import type { JobResult } from '@shared/ipc/engine-protocol';
import { TrainConfig } from '@shared/train';
import { EngineHost, EngineJobError } from '../../src/main/engine-host/host';
import { nodeEngineLauncher } from '../../src/main/engine-host/launcher';
import { HYMENOPTERA, makeDataset, tempDir } from '../helpers/app';

const BASE = 'mobilenet_v1_0.25_224';
let tmp: Awaited<ReturnType<typeof tempDir>>;
let host: EngineHost;
let data: string;
let cacheDir: string;
/** The dataset as main holds it after opening: the train job takes this scan, it does not scan again. */
let scan: JobResult<'scan'>;

beforeAll(async () => {
  tmp = await tempDir();
  data = path.join(tmp.dir, 'ds');
  cacheDir = path.join(tmp.dir, 'cache');
  await makeDataset(data, { red: 14, blue: 14 });
  host = new EngineHost(nodeEngineLauncher());
  scan = await host.run('scan', { root: data, split: {} }).result;
});
afterAll(async () => {
  host.dispose();
  await tmp.cleanup();
});

const dataUrlPixels = async (url: string) =>
  sharp(Buffer.from(url.split(',')[1], 'base64'))
    .raw()
    .toBuffer({ resolveWithObject: true });

const errorOf = async (p: Promise<unknown>) => {
  try {
    await p;
  } catch (e) {
    return e as EngineJobError;
  }
  throw new Error('expected the job to fail');
};

const config = (over: Partial<TrainConfig> = {}) =>
  TrainConfig.parse({ base: BASE, head: HEAD_PRESETS.light, epochs: 3, batchSize: 4, ...over });

describe('engine jobs for the studio screens', () => {
  it('describes a base: its layers, feature shape and parameters', async () => {
    const d = await host.run('describeBase', {
      base: BASE,
      modelsDir: path.join(cacheDir, 'models'),
      download: false,
      backend: 'auto',
    }).result;
    expect(d.featureShape).toEqual([7, 7, 256]);
    expect(d.featureLayer).toBe('conv_pw_13_relu');
    expect(d.layers.at(-1)?.name).toBe('conv_pw_13_relu');
    expect(d.params).toBe(218_544);
    expect(d.layers.reduce((a, l) => a + l.params, 0)).toBe(d.params);
    expect(d.ref).toBe(BASE);
    expect(host.status().backend).not.toBeNull();
  });

  it('refuses a base that is neither local nor downloadable with NOT_FOUND', async () => {
    const e = await errorOf(
      host.run('describeBase', { base: 'resnet50', modelsDir: cacheDir, download: false, backend: 'auto' })
        .result,
    );
    expect(e.code).toBe('NOT_FOUND');
  });

  it('previews augmentation with the engine’s own augment: deterministic per seed, identity is the original', async () => {
    const file = path.join(
      HYMENOPTERA,
      'train',
      'ants',
      readdirFirst(path.join(HYMENOPTERA, 'train', 'ants')),
    );
    const run = (spec: AugmentSpec, seeds: number[]) =>
      host.run('augmentPreview', {
        items: [{ rel: 'x', path: file, seeds }],
        spec,
        size: 224,
        resize: 'stretch',
      }).result;
    const [plain] = await run(NO_AUGMENT, [1, 2]);
    expect(plain.error).toBeNull();
    expect(plain.variants).toEqual([plain.original, plain.original]);
    const px = await dataUrlPixels(plain.original!);
    expect([px.info.width, px.info.height]).toEqual([224, 224]);

    const spec = AugmentSpec.parse({ rotationRange: 40, horizontalFlip: true, zoomRange: 0.2 });
    const [a] = await run(spec, [1, 2, 3]);
    const [b] = await run(spec, [1, 2, 3]);
    expect(a.variants).toEqual(b.variants);
    expect(new Set([a.original, ...a.variants]).size).toBe(4);

    const [bad] = await host.run('augmentPreview', {
      items: [{ rel: 'gone.jpg', path: path.join(tmp.dir, 'gone.jpg'), seeds: [1] }],
      spec,
      size: 224,
      resize: 'stretch',
    }).result;
    expect(bad.error).toMatch(/cannot decode/);
  });

  let runId = '';
  it('trains, thinning batch events to ≤ 10/s while delivering every epoch', async () => {
    const events: (EngineEvent & { at: number })[] = [];
    const job = host.run(
      'train',
      { scan, config: config({ epochs: 4 }), cacheDir, backend: 'auto' },
      { onEvent: (e) => events.push({ ...e, at: Date.now() }) },
    );
    runId = job.jobId;
    const summary = await job.result;
    expect(summary.classes).toEqual(['blue', 'red']);
    expect(summary.history).toHaveLength(4);
    expect(summary.evaluation.val?.count).toBeGreaterThan(0);
    const cm = summary.evaluation.val!.confusion;
    expect(cm.flat().reduce((a, b) => a + b, 0)).toBe(summary.evaluation.val!.count);
    const epochs = events.filter((e) => e.type === 'epoch');
    expect(epochs.map((e) => e.type === 'epoch' && e.epoch)).toEqual([1, 2, 3, 4]);
    const batches = events.filter((e) => e.type === 'batch');
    const first = events.find((e) => e.type === 'batch' || e.type === 'epoch')!.at;
    const seconds = (epochs.at(-1)!.at - first) / 1000;
    expect(batches.length).toBeLessThanOrEqual(Math.ceil(seconds * 10) + 1);
    expect(events.some((e) => e.type === 'stage' && e.stage === 'extract')).toBe(true);
  });

  it('predicts with the kept run: files by path and uploaded bytes, unreadable ones reported', async () => {
    const red = path.join(data, 'red', 'img_000.jpg');
    const blue = readFileSync(path.join(data, 'blue', 'img_001.jpg'));
    const preds = await host.run('predict', {
      runId,
      items: [
        { name: 'red', path: red },
        { name: 'blue', bytes: new Uint8Array(blue) },
        { name: 'missing', path: path.join(tmp.dir, 'nope.jpg') },
      ],
      k: 2,
    }).result;
    expect(preds.map((p) => p.name)).toEqual(['red', 'blue', 'missing']);
    for (const p of preds.slice(0, 2)) {
      expect(p.error).toBeNull();
      expect(p.top).toHaveLength(2);
      expect(p.top[0].probability + p.top[1].probability).toBeCloseTo(1, 4);
      expect(p.thumb).toMatch(/^data:image\/jpeg;base64,/);
    }
    expect(preds[2].error).toMatch(/unreadable: ENOENT/);
  });

  it('exports the kept run in both formats', async () => {
    const out = path.join(tmp.dir, 'export');
    const stages: EngineEvent[] = [];
    const r = await host.run(
      'export',
      { runId, outDir: out, formats: ['tfjs', 'savedmodel'] },
      { onEvent: (e) => stages.push(e) },
    ).result;
    expect(r.formats.tfjs?.dir).toBe(path.join(out, 'tfjs'));
    expect(existsSync(path.join(r.formats.tfjs!.dir, 'model.json'))).toBe(true);
    expect(existsSync(path.join(r.formats.savedmodel!.dir, 'saved_model.pb'))).toBe(true);
    expect(stages.at(-1)).toMatchObject({ type: 'stage', stage: 'export', done: 2, total: 2 });
  });

  it('stops a run gracefully: it answers within a second with the best weights evaluated', async () => {
    let stopAt = 0;
    const job = host.run(
      'train',
      { scan, config: config({ epochs: 500, earlyStopping: null }), cacheDir, backend: 'auto' },
      {
        onEvent: (e) => {
          if (e.type === 'epoch' && e.epoch === 2 && !stopAt) {
            stopAt = Date.now();
            host.stop(job.jobId);
          }
        },
      },
    );
    const summary = await job.result;
    expect(Date.now() - stopAt).toBeLessThan(1000);
    expect(summary.stopped).toBe(true);
    expect(summary.history.length).toBeGreaterThanOrEqual(2);
    expect(summary.history.length).toBeLessThan(500);
    expect(summary.evaluation.val).not.toBeNull();
  });

  it('fine-tunes the top base layers in the run worker after the head phase', async () => {
    const phases: string[] = [];
    const summary = await host.run(
      'train',
      {
        scan,
        config: config({
          epochs: 1,
          fineTune: { layers: 2, fromLayer: 'conv_pw_13', epochs: 1, learningRate: 1e-5 },
        }),
        cacheDir,
        backend: 'auto',
      },
      { onEvent: (e) => e.type === 'epoch' && phases.push(e.phase) },
    ).result;
    expect(summary.fineTuned).toBe(true);
    expect(phases).toEqual(['head', 'fine-tune']);
    expect(summary.history.map((h) => h.phase)).toEqual(['head', 'fine-tune']);
  }, 120_000);

  it('releases a kept run; its model is gone afterwards (NOT_FOUND)', async () => {
    expect(await host.run('releaseRun', { runId }).result).toEqual({ released: true });
    expect(await host.run('releaseRun', { runId }).result).toEqual({ released: false });
    const e = await errorOf(host.run('predict', { runId, items: [{ name: 'x', path: data }], k: 1 }).result);
    expect(e.code).toBe('NOT_FOUND');
    expect(e.message).toMatch(/not in the engine's memory/);
  });
});

function readdirFirst(dir: string): string {
  return readdirSync(dir).sort()[0];
}
