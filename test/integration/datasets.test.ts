/**
 * Datasets through the UI's path — core handlers, the real engine host and engine process: opened
 * (scanned) once, re-split without rescanning, and trained on exactly as the user saw them.
 */
import { realpathSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HEAD_PRESETS } from '@shared/head';
import type { ApiResult, EventPayload } from '@shared/ipc/contract';
import type { RunView } from '@shared/ipc/run-record';
import type { AppCore } from '../../src/main/core/app-core';
import { dispatch } from '../../src/main/core/dispatch';
import { HYMENOPTERA, makeCore, makeDataset, tempDir, writeJpeg } from '../helpers/app';

let tmp: Awaited<ReturnType<typeof tempDir>>;
let core: AppCore;

beforeAll(async () => {
  tmp = await tempDir();
  core = makeCore(tmp.dir, { mode: 'browser', fsRoots: [HYMENOPTERA, tmp.dir] });
});
afterAll(async () => {
  core.dispose();
  await tmp.cleanup();
});

const ok = <T>(r: ApiResult<T>): T => {
  if (!r.ok) throw new Error(`expected success, got ${r.error.code}: ${r.error.message}`);
  return r.data;
};

describe('datasets through the engine process', () => {
  it('opens a real dataset through the engine process and re-splits it without rescanning', async () => {
    const seen: string[] = [];
    const off = core.events.subscribe((e) => seen.push(e));
    const view = ok(await dispatch(core.handlers, 'openDataset', { path: HYMENOPTERA })) as {
      id: string;
      classes: string[];
      counts: { train: number[]; val: number[] };
      files: unknown[];
    };
    off();
    expect(view.classes).toEqual(['ants', 'bees']);
    expect(view.counts.train).toEqual([124, 121]);
    expect(view.counts.val).toEqual([70, 83]);
    expect(seen).toContain('jobProgress');
    expect(seen).toContain('jobState');

    const r = ok(
      await dispatch(core.handlers, 'resplitDataset', {
        datasetId: view.id,
        split: { valFraction: 0.25, seed: 7, resplit: true },
      }),
    ) as { counts: { train: number[]; val: number[] }; splits: string[] };
    expect(r.splits).toHaveLength(view.files.length);
    for (const c of [0, 1]) {
      const total = view.counts.train[c] + view.counts.val[c];
      expect(r.counts.train[c] + r.counts.val[c]).toBe(total);
      expect(r.counts.val[c]).toBe(Math.round(total * 0.25));
    }
    // Back to the folders' own split.
    const back = ok(
      await dispatch(core.handlers, 'resplitDataset', {
        datasetId: view.id,
        split: { valFraction: 0.25, seed: 7, resplit: false },
      }),
    ) as { counts: { train: number[]; val: number[] } };
    expect(back.counts.train).toEqual([124, 121]);
    // The split is remembered per dataset.
    const settings = ok(await dispatch(core.handlers, 'getSettings', {})) as {
      datasetConfigs: Record<string, { split?: { valFraction: number } }>;
      recentDatasets: { path: string }[];
    };
    // Datasets are remembered by their real path (../shared may be a symlink, as in CI).
    const real = realpathSync(HYMENOPTERA);
    expect(settings.recentDatasets[0].path).toBe(real);
    expect(settings.datasetConfigs[real].split?.valFraction).toBe(0.25);
  });

  it('scans once for a run started from the UI, and trains on the dataset the user saw', async () => {
    const data = path.join(tmp.dir, 'seen');
    await makeDataset(data, { blue: 12, red: 12 });
    const events: { name: string; payload: unknown }[] = [];
    const off = core.events.subscribe((name, payload) => events.push({ name, payload }));
    try {
      const view = ok(await dispatch(core.handlers, 'openDataset', { path: data })) as {
        id: string;
        classes: string[];
      };
      // What the user sees on the Dataset screen: a re-split (no rescan), two classes.
      const split = ok(
        await dispatch(core.handlers, 'resplitDataset', {
          datasetId: view.id,
          split: { valFraction: 0.5, seed: 3, resplit: false },
        }),
      ) as { counts: { train: number[]; val: number[] } };
      // The folder changes behind the app's back: a run must not pick this up by scanning again.
      await mkdir(path.join(data, 'green'));
      for (let i = 0; i < 12; i++) await writeJpeg(path.join(data, 'green', `g${i}.jpg`), 60, 40, 200 + i);
      const started = ok(
        await dispatch(core.handlers, 'startTraining', {
          datasetId: view.id,
          config: { base: 'mobilenet_v1_0.25_224', head: HEAD_PRESETS.light, epochs: 2, batchSize: 4 },
        }),
      ) as RunView;
      const end = await new Promise<RunView>((resolve) => {
        const stop = core.events.subscribe((e, p) => {
          if (e === 'runUpdate' && (p as RunView).id === started.id && (p as RunView).finishedAt) {
            stop();
            resolve(p as RunView);
          }
        });
      });
      expect(end.status, end.error ?? '').toBe('done');

      const scans =
        events.filter(
          (e) =>
            e.name === 'jobState' &&
            (e.payload as EventPayload<'jobState'>).kind === 'scan' &&
            (e.payload as EventPayload<'jobState'>).state === 'running',
        ).length +
        events.filter(
          (e) =>
            e.name === 'jobProgress' &&
            (e.payload as EventPayload<'jobProgress'>).jobId === started.id &&
            (e.payload as EventPayload<'jobProgress'>).stage === 'scan',
        ).length;
      expect(scans).toBe(1);
      // Trained on the scan as split on screen: its two classes, its validation images (half of each
      // class, not the default fifth).
      expect(end.summary?.classes).toEqual(view.classes);
      expect(end.summary?.problems).toBe(0);
      expect(end.summary?.evaluation.val?.count).toBe(split.counts.val.reduce((a, b) => a + b, 0));
      expect(split.counts.val).toEqual([6, 6]);
    } finally {
      off();
    }
  });
});
