/**
 * The Settings dialog's channels through the real app core (handlers → engine process, real weights,
 * real ONNX Runtime): the device list, the preferred device carried by the train job into the run (and
 * a forced device that cannot start failing it with one line), the engine status's runtime line, and
 * the feature cache's report and clearing on a store made by small real runs.
 */
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CacheReport, ClearResult } from '@shared/cache';
import type { DeviceInfo } from '@shared/backends';
import { HEAD_PRESETS } from '@shared/head';
import type { ApiResult, EngineStatus } from '@shared/ipc/contract';
import type { RunView } from '@shared/ipc/run-record';
import { TrainConfig } from '@shared/train';
import type { AppCore } from '../../src/main/core/app-core';
import { dispatch } from '../../src/main/core/dispatch';
import { makeCore, makeDataset, tempDir } from '../helpers/app';

const BASE = 'mobilenet_v1_0.25_224';
const IMAGES = 24;
let tmp: Awaited<ReturnType<typeof tempDir>>;
let core: AppCore;
let datasetId: string;
let cacheDir: string;

const call = async (channel: string, req: unknown) => dispatch(core.handlers, channel, req);
const ok = <T>(r: ApiResult<unknown>): T => {
  if (!r.ok) throw new Error(`expected success, got ${r.error.code}: ${r.error.message}`);
  return r.data as T;
};
const config = (over: Record<string, unknown> = {}) =>
  TrainConfig.parse({ base: BASE, head: HEAD_PRESETS.light, epochs: 2, batchSize: 8, ...over });
const setDevice = async (value: string) => ok(await call('setSetting', { key: 'preferredDevice', value }));

/** Start a run and resolve with its final view. */
async function train(over: Record<string, unknown> = {}): Promise<RunView> {
  const started = ok<RunView>(await call('startTraining', { datasetId, config: config(over) }));
  return new Promise<RunView>((resolve) => {
    const off = core.events.subscribe((e, p) => {
      const v = p as RunView;
      if (e === 'runUpdate' && v.id === started.id && v.finishedAt !== null) {
        off();
        resolve(v);
      }
    });
  });
}

beforeAll(async () => {
  tmp = await tempDir();
  const data = path.join(tmp.dir, 'ds');
  await makeDataset(data, { red: IMAGES / 2, blue: IMAGES / 2 });
  core = makeCore(path.join(tmp.dir, 'state'), { mode: 'browser', fsRoots: [tmp.dir] });
  cacheDir = core.cacheDir();
  datasetId = ok<{ id: string }>(await call('openDataset', { path: data })).id;
});
afterAll(async () => {
  core.dispose();
  await tmp.cleanup();
});

describe('settings channels', () => {
  it('lists the devices: cpu available, cuda unavailable with its reason', async () => {
    const { devices } = ok<{ devices: DeviceInfo[] }>(await call('listDevices', {}));
    expect(devices.map((d) => d.name).sort()).toEqual(['coreml', 'cpu', 'cuda', 'dml', 'webgpu']);
    expect(devices.find((d) => d.name === 'cpu')).toMatchObject({ unavailable: null, inAuto: true });
    const cuda = devices.find((d) => d.name === 'cuda')!;
    expect(cuda.unavailable).toMatch(/CUDA provider|CUDA/);
    expect(cuda.unavailable).not.toContain('\n');
    expect(devices.find((d) => d.name === 'webgpu')?.inAuto).toBe(false);
    // Asking is not a job the user started: nothing announced.
    expect(ok<EngineStatus>(await call('getEngineStatus', {})).jobs).toEqual([]);
  });

  it('starts with an empty cache report', async () => {
    const r = ok<CacheReport>(await call('getCacheReport', {}));
    expect(r).toMatchObject({ root: cacheDir, totalBytes: 0, sets: [], bases: [] });
  });

  it('runs the frozen base on ONNX Runtime cpu under auto, and reports it in the summary and status', async () => {
    const run = await train();
    expect(run.status).toBe('done');
    expect(run.summary!.features).toMatchObject({ computed: IMAGES, cached: 0, corrupt: 0 });
    expect(run.summary!.features.runtime).toMatch(/^onnxruntime cpu on CPU/);
    expect(run.summary!.features.runtime).toMatch(/cuda unavailable/);
    const status = ok<EngineStatus>(await call('getEngineStatus', {}));
    expect(status.runtime).toBe(run.summary!.features.runtime);
  });

  it('reports what that run stored, per base and variant', async () => {
    const r = ok<CacheReport>(await call('getCacheReport', {}));
    expect(r.bases).toHaveLength(1);
    expect(r.bases[0]).toMatchObject({ baseId: BASE, sets: 1, records: IMAGES });
    expect(r.bases[0].bytes).toBeGreaterThan(0);
    expect(r.sets[0]).toMatchObject({ baseId: BASE, form: 'avg', records: IMAGES, vectorShape: [256] });
    expect(r.totalBytes).toBeGreaterThanOrEqual(r.bases[0].bytes);
  });

  it('fails a run on a forced device that cannot start, with that one-line reason', async () => {
    await setDevice('cuda');
    const run = await train();
    expect(run.status).toBe('failed');
    expect(run.error).toMatch(/^device cuda cannot start: /);
    expect(run.error).not.toContain('\n');
    expect(run.error).not.toMatch(/\bat .*\.ts:\d+/); // no stack
  });

  it('refuses to clear while a run trains', async () => {
    await setDevice('auto');
    const started = ok<RunView>(
      await call('startTraining', { datasetId, config: config({ epochs: 400, earlyStopping: null }) }),
    );
    const r = await call('clearCache', {});
    expect(r.ok ? null : r.error.code).toBe('CONFLICT');
    const end = new Promise<void>((resolve) => {
      const off = core.events.subscribe((e, p) => {
        if (e === 'runUpdate' && (p as RunView).id === started.id && (p as RunView).finishedAt) {
          off();
          resolve();
        }
      });
    });
    ok(await call('stopTraining', { runId: started.id }));
    await end;
  });

  it('clears one base, keeping models and thumbnails; a tfjs run then recomputes the features', async () => {
    // A real thumbnail (as the Dataset screen makes them) and a model in the cache folder.
    const thumb = await core.image('thumb', datasetId, 'red/img_000.jpg');
    expect(thumb.status).toBe(200);
    const model = path.join(cacheDir, 'models', 'some_base', 'model.json');
    await mkdir(path.dirname(model), { recursive: true });
    await writeFile(model, '{}');

    const other = ok<{ cleared: ClearResult; report: CacheReport }>(
      await call('clearCache', { base: 'no_such_base' }),
    );
    expect(other.cleared.removedSets).toBe(0);
    expect(other.report.bases[0].records).toBe(IMAGES);

    const { cleared, report } = ok<{ cleared: ClearResult; report: CacheReport }>(
      await call('clearCache', { base: BASE }),
    );
    expect(cleared.removedSets).toBe(1);
    expect(cleared.removedBytes).toBeGreaterThan(0);
    expect(report.bases).toEqual([]);
    expect(existsSync(model)).toBe(true);
    expect(existsSync(path.join(cacheDir, 'images', 'thumbs'))).toBe(true);

    await setDevice('tfjs');
    const run = await train();
    expect(run.status).toBe('done');
    expect(run.summary!.features).toMatchObject({ computed: IMAGES, cached: 0 });
    expect(run.summary!.features.runtime).toMatch(/^tfjs /);
    await setDevice('auto');
  });

  it('clears everything', async () => {
    expect(ok<CacheReport>(await call('getCacheReport', {})).totalBytes).toBeGreaterThan(0);
    const { cleared, report } = ok<{ cleared: ClearResult; report: CacheReport }>(
      await call('clearCache', {}),
    );
    expect(cleared.removedSets).toBe(1);
    expect(report.totalBytes).toBe(0);
    expect(existsSync(path.join(cacheDir, 'images', 'thumbs'))).toBe(true);
  });

  it('rejects an unknown device setting', async () => {
    const r = await call('setSetting', { key: 'preferredDevice', value: 'tpu' });
    expect(r.ok ? null : r.error.code).toBe('BAD_REQUEST');
  });
});
