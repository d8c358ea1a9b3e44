/**
 * A long-lived engine trains and releases runs without keeping tensors (issue 11, defect 11: 4 kept
 * per released run). In process, as the CLI and bench run the engine, and through the real engine
 * host, whose status is what the app shows.
 */
import { copyFileSync, mkdirSync, readdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HEAD_PRESETS } from '@shared/head';
import { TrainConfig } from '@shared/train';
import type { TrainConfigInput } from '@shared/train';
import { EngineHost } from '../../src/main/engine-host/host';
import { nodeEngineLauncher } from '../../src/main/engine-host/launcher';
import { initBackend } from '../../src/main/engine/backend';
import { scanDataset } from '../../src/main/engine/dataset/scan';
import { exportRun } from '../../src/main/engine/export';
import { trainOn } from '../helpers/train';
import { tf } from '../../src/main/engine/tf';
import { HYMENOPTERA } from '../helpers/shared';

const BASE = 'mobilenet_v1_0.25_224';
let tmp: string;
let data: string;

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'ts-leak-'));
  data = path.join(tmp, 'data');
  for (const cls of ['ants', 'bees']) {
    mkdirSync(path.join(data, cls), { recursive: true });
    const src = path.join(HYMENOPTERA, 'train', cls);
    for (const f of readdirSync(src)
      .filter((n) => n.endsWith('.jpg'))
      .slice(0, 6))
      copyFileSync(path.join(src, f), path.join(data, cls, f));
  }
});
afterAll(() => rm(tmp, { recursive: true, force: true }));

const config = (over: TrainConfigInput = {}) =>
  TrainConfig.parse({ base: BASE, head: HEAD_PRESETS.light, epochs: 2, batchSize: 4, ...over });

describe('tensors after released runs', () => {
  it('in process: train (pooled head, Flatten head, fine-tune), build the full model, export, dispose → back to baseline', async () => {
    await initBackend('auto');
    const baseline = tf.memory().numTensors;
    const runs: TrainConfigInput[] = [
      { head: HEAD_PRESETS.light },
      {
        head: { layers: [{ type: 'flatten' }, { type: 'dense', units: 8 }, { type: 'batchNormalization' }] },
      },
      { head: HEAD_PRESETS.linear, fineTune: { layers: 2, epochs: 1 } },
      { head: HEAD_PRESETS.light },
    ];
    const after: number[] = [];
    for (const [i, over] of runs.entries()) {
      // A fresh cache for the first run, so the base really runs (in process: engines 1).
      const run = await trainOn({
        dataDir: data,
        config: config(over),
        cacheDir: path.join(tmp, i === 0 ? 'cache-cold' : 'cache'),
        engines: 1,
      });
      expect(run.history.length).toBeGreaterThan(0);
      run.fullModel();
      await exportRun(run, { outDir: path.join(tmp, `out-${i}`), formats: ['tfjs', 'savedmodel'] });
      expect(tf.memory().numTensors).toBeGreaterThan(baseline);
      run.dispose();
      after.push(tf.memory().numTensors);
    }
    expect(after).toEqual(runs.map(() => baseline));
  });

  it('through the engine host: the status tensor count returns to its baseline after each release', async () => {
    const host = new EngineHost(nodeEngineLauncher());
    try {
      // The engine's own tfjs, loaded by describing a base (and its tensors freed again).
      await host.run('describeBase', {
        base: BASE,
        modelsDir: path.join(tmp, 'models'),
        download: false,
        backend: 'auto',
      }).result;
      const baseline = host.status().memory?.tensors;
      expect(baseline).toBeTypeOf('number');
      const live: number[] = [];
      const released: number[] = [];
      for (let i = 0; i < 3; i++) {
        const job = host.run('train', {
          scan: await scanDataset(data),
          config: config({ epochs: 1 }),
          cacheDir: path.join(tmp, 'cache'),
          backend: 'auto',
        });
        await job.result;
        live.push(host.status().memory!.tensors!);
        expect(await host.run('releaseRun', { runId: job.jobId }).result).toEqual({ released: true });
        released.push(host.status().memory!.tensors!);
      }
      expect(live.every((n) => n > baseline!)).toBe(true);
      expect(released).toEqual([baseline, baseline, baseline]);
    } finally {
      host.dispose();
    }
  });
});
