/**
 * The training-related contract channels through the real app core (handlers → engine host → engine
 * process with real weights): bases, augment previews, start/stop/list/delete runs with their history
 * file, predictions, export, and the errors each answers with.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HEAD_PRESETS } from '@shared/head';
import type { ApiResult, EventPayload } from '@shared/ipc/contract';
import type { RunView } from '@shared/ipc/run-record';
import { TrainConfig } from '@shared/train';
import type { AppCore } from '../../src/main/core/app-core';
import { dispatch } from '../../src/main/core/dispatch';
import { makeCore, makeDataset, tempDir } from '../helpers/app';

let tmp: Awaited<ReturnType<typeof tempDir>>;
let core: AppCore;
let data: string;
let datasetId: string;
const updates: EventPayload<'runUpdate'>[] = [];

const call = async (channel: string, req: unknown) => dispatch(core.handlers, channel, req);
const ok = <T>(r: ApiResult<unknown>): T => {
  if (!r.ok) throw new Error(`expected success, got ${r.error.code}: ${r.error.message}`);
  return r.data as T;
};
const fail = (r: ApiResult<unknown>) => {
  if (r.ok) throw new Error(`expected failure, got ${JSON.stringify(r.data).slice(0, 200)}`);
  return r.error;
};
const config = (over: Record<string, unknown> = {}) =>
  TrainConfig.parse({
    base: 'mobilenet_v1_0.25_224',
    head: HEAD_PRESETS.light,
    epochs: 3,
    batchSize: 4,
    ...over,
  });

/** Resolves with the run's final view (the runUpdate that carries finishedAt). */
const finished = (id: string) =>
  new Promise<RunView>((resolve) => {
    const off = core.events.subscribe((e, p) => {
      const v = p as RunView;
      if (e === 'runUpdate' && v.id === id && v.finishedAt !== null) {
        off();
        resolve(v);
      }
    });
  });

beforeAll(async () => {
  tmp = await tempDir();
  data = path.join(tmp.dir, 'ds');
  await makeDataset(data, { red: 14, blue: 14 });
  core = makeCore(path.join(tmp.dir, 'state'), { mode: 'browser', fsRoots: [tmp.dir] });
  core.events.subscribe((e, p) => e === 'runUpdate' && updates.push(p as RunView));
  datasetId = ok<{ id: string }>(await call('openDataset', { path: data })).id;
});
afterAll(async () => {
  core.dispose();
  await tmp.cleanup();
});

describe('training channels', () => {
  it('lists the bases with where they are', async () => {
    const { bases } = ok<{ bases: { id: string; state: string; custom: boolean }[] }>(
      await call('listBases', {}),
    );
    expect(bases.find((b) => b.id === 'mobilenet_v1_0.25_224')?.state).toBe('local');
    // Keras' own weight file (issue 12): not here yet, fetchable on demand.
    expect(bases.find((b) => b.id === 'resnet50')?.state).toBe('download');
    expect(bases.every((b) => !b.custom)).toBe(true);
  });

  it('adds a local model folder as a base only if it is one', async () => {
    const e = fail(await call('addLocalBase', { path: data }));
    expect(e.code).toBe('NOT_FOUND');
    expect(fail(await call('addLocalBase', { path: '/etc' })).code).toBe('FORBIDDEN');
    expect(fail(await call('describeBase', { base: '/usr/share' })).code).toBe('FORBIDDEN');
    expect(
      fail(await call('startTraining', { datasetId, config: config({ base: '/usr/share' }) })).code,
    ).toBe('FORBIDDEN');
  });

  it('makes augment previews for dataset images only', async () => {
    const rel = 'red/img_000.jpg';
    const r = ok<{ items: { rel: string; variants: string[]; original: string }[] }>(
      await call('augmentPreview', {
        datasetId,
        rels: [rel],
        variants: 4,
        seed: 3,
        spec: { rotationRange: 30 },
      }),
    );
    expect(r.items[0].variants).toHaveLength(4);
    expect(r.items[0].original).toMatch(/^data:image\/jpeg/);
    expect(
      fail(await call('augmentPreview', { datasetId, rels: ['../x.jpg'], variants: 1, seed: 1, spec: {} }))
        .code,
    ).toBe('FORBIDDEN');
    expect(
      fail(await call('augmentPreview', { datasetId: 'nope', rels: [rel], variants: 1, seed: 1, spec: {} }))
        .code,
    ).toBe('NOT_FOUND');
  });

  it('refuses an invalid head before starting, naming the layer', async () => {
    const e = fail(
      await call('startTraining', {
        datasetId,
        config: config({ head: { layers: [{ type: 'flatten' }, { type: 'globalAveragePooling' }] } }),
      }),
    );
    expect(e.code).toBe('BAD_REQUEST');
    expect(e.message).toMatch(/layer 2/);
    expect(fail(await call('startTraining', { datasetId: 'nope', config: config() })).code).toBe('NOT_FOUND');
  });

  let runId = '';
  it('trains a run: events, history on disk, the config remembered for the dataset', async () => {
    const v = ok<RunView>(await call('startTraining', { datasetId, config: config() }));
    runId = v.id;
    expect(v.status).toBe('running');
    expect(fail(await call('startTraining', { datasetId, config: config() })).code).toBe('CONFLICT');
    const done = await finished(runId);
    expect(done.status).toBe('done');
    expect(done.live).toBe(true);
    expect(done.epochs).toHaveLength(3);
    expect(done.summary?.evaluation.val?.confusion.flat().reduce((a, b) => a + b, 0)).toBe(
      done.summary?.evaluation.val?.count,
    );
    expect(updates.filter((u) => u.id === runId).map((u) => u.status)).toEqual(['running', 'done']);
    const { runs } = ok<{ runs: RunView[] }>(await call('listRuns', {}));
    expect(runs[0].id).toBe(runId);
    await core.runs['store'].flushed();
    const file = JSON.parse(readFileSync(path.join(tmp.dir, 'state', 'runs.json'), 'utf8')) as {
      runs: RunView[];
    };
    expect(file.runs[0]).toMatchObject({ id: runId, status: 'done' });
    expect(file.runs[0].epochs).toHaveLength(3);
    const settings = ok<{ datasetConfigs: Record<string, { train?: TrainConfig }> }>(
      await call('getSettings', {}),
    );
    expect(Object.values(settings.datasetConfigs)[0].train?.base).toBe('mobilenet_v1_0.25_224');
  });

  it('predicts files, folders and uploaded bytes with the kept model', async () => {
    const bytes = readFileSync(path.join(data, 'blue', 'img_002.jpg')).toString('base64');
    const r = ok<{ predictions: { name: string; top: { label: string }[]; error: string | null }[] }>(
      await call('predictImages', {
        runId,
        items: [
          { name: 'one', path: path.join(data, 'red', 'img_001.jpg') },
          { name: 'folder', path: path.join(data, 'blue') },
          { name: 'upload.jpg', data: bytes },
        ],
        k: 2,
      }),
    );
    expect(r.predictions).toHaveLength(1 + 14 + 1);
    expect(r.predictions.every((p) => p.error === null && p.top.length === 2)).toBe(true);
    expect(r.predictions[1].name).toBe(path.join('blue', 'img_000.jpg'));
    expect(
      fail(await call('predictImages', { runId, items: [{ name: 'x', path: '/etc/hostname' }] })).code,
    ).toBe('FORBIDDEN');
  });

  it('exports into an allowed folder, and refuses others', async () => {
    const out = path.join(tmp.dir, 'exports', 'new', 'run1');
    const r = ok<{ formats: { tfjs: { dir: string }; savedmodel: { dir: string } } }>(
      await call('exportModel', { runId, outDir: out, formats: ['tfjs', 'savedmodel'] }),
    );
    expect(existsSync(path.join(r.formats.tfjs.dir, 'model.json'))).toBe(true);
    expect(existsSync(path.join(r.formats.savedmodel.dir, 'saved_model.pb'))).toBe(true);
    expect(fail(await call('exportModel', { runId, outDir: '/usr/lib/x', formats: ['tfjs'] })).code).toBe(
      'FORBIDDEN',
    );
    expect(fail(await call('exportModel', { runId: 'nope', outDir: out, formats: ['tfjs'] })).code).toBe(
      'NOT_FOUND',
    );
    expect(fail(await call('showInFolder', { path: out })).code).toBe('UNSUPPORTED');
  });

  it('stops a run: it keeps its best weights, evaluates them and says "stopped"', async () => {
    const v = ok<RunView>(
      await call('startTraining', { datasetId, config: config({ epochs: 400, earlyStopping: null }) }),
    );
    await new Promise<void>((resolve) => {
      const off = core.events.subscribe((e, p) => {
        if (e === 'jobEpoch' && (p as { jobId: string }).jobId === v.id) {
          off();
          resolve();
        }
      });
    });
    expect(ok<{ stopping: boolean }>(await call('stopTraining', { runId: v.id })).stopping).toBe(true);
    const end = await finished(v.id);
    expect(end.status).toBe('stopped');
    expect(end.summary?.stopped).toBe(true);
    expect(end.epochs.length).toBeLessThan(400);
    expect(updates.filter((u) => u.id === v.id).map((u) => u.status)).toEqual([
      'running',
      'stopping',
      'stopped',
      'stopped',
    ]);
  });

  it('forgets a run: out of the history and the engine', async () => {
    const { runs } = ok<{ runs: RunView[] }>(await call('deleteRun', { runId }));
    expect(runs.map((r) => r.id)).not.toContain(runId);
    expect(fail(await call('predictImages', { runId, items: [{ name: 'x', path: data }] })).code).toBe(
      'NOT_FOUND',
    );
  });

  it('knows a run’s model is gone when the engine restarts', async () => {
    const { runs } = ok<{ runs: RunView[] }>(await call('listRuns', {}));
    expect(runs[0].live).toBe(true);
    core.engine.restart();
    const after = ok<{ runs: RunView[] }>(await call('listRuns', {}));
    expect(after.runs[0].live).toBe(false);
    const e = fail(
      await call('exportModel', {
        runId: after.runs[0].id,
        outDir: path.join(tmp.dir, 'e2'),
        formats: ['tfjs'],
      }),
    );
    expect(e.code).toBe('NOT_FOUND');
    expect(e.message).toMatch(/no longer in memory/);
  });
});
