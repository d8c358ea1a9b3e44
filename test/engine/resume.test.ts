import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { EngineEvent, EpochMetrics } from '@shared/engine-events';
import { HEAD_PRESETS } from '@shared/head';
import type { TrainConfigInput } from '@shared/train';
import { tf } from '../../src/main/engine/tf';
import { CHECKPOINT_FILE, disposeCheckpoint, loadCheckpoint } from '../../src/main/engine/train/checkpoint';
import { resumeRun } from '../../src/main/engine/train/resume-run';
import type { TrainRun } from '../../src/main/engine/pipeline/run';
import { chooseUnfrozen } from '../../src/main/engine/finetune/split';
import { HYMENOPTERA, MODELS } from '../helpers/shared';
import { trainOn } from '../helpers/train';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'ts-resume-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const cacheDir = path.join(tmp, 'cache');
const REPO = path.resolve(import.meta.dirname, '../..');

// The Keras head has dropout: its masks come from (seed, step), so a resume must restore the step too.
const config = {
  base: 'mobilenet_v1_0.25_224',
  head: HEAD_PRESETS.keras,
  epochs: 6,
  seed: 7,
  earlyStopping: { patience: 6, restoreBest: true },
};

const comparable = (h: EpochMetrics[]) =>
  h.map(({ phase, epoch, epochs, loss, acc, valLoss, valAcc, best }) => ({
    phase,
    epoch,
    epochs,
    loss,
    acc,
    valLoss,
    valAcc,
    best,
  }));

/** Runs training in a child process and SIGKILLs it at `killAt` (epoch, batch) of the given phase. */
function trainAndKill(
  runDir: string,
  killAt: { phase: string; epoch: number; batch: number },
  run: { config: TrainConfigInput } = { config },
) {
  const child = spawn(
    process.execPath,
    [
      // tsx's loader in this very process (its CLI would fork, and the kill would miss the trainer).
      '--import',
      'tsx',
      path.join(REPO, 'test', 'helpers', 'train-child.ts'),
      JSON.stringify({ dataDir: HYMENOPTERA, cacheDir, mirrorDir: MODELS, runDir, ...run }),
    ],
    { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const seen: EngineEvent[] = [];
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  let buf = '';
  child.stdout.on('data', (d: Buffer) => {
    buf += d.toString();
    let nl;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const e = JSON.parse(buf.slice(0, nl)) as EngineEvent;
      buf = buf.slice(nl + 1);
      seen.push(e);
      if (
        e.type === 'batch' &&
        e.phase === killAt.phase &&
        e.epoch === killAt.epoch &&
        e.batch >= killAt.batch
      )
        child.kill('SIGKILL');
    }
  });
  return new Promise<{ signal: NodeJS.Signals | null; seen: EngineEvent[]; err: string }>((resolve) =>
    child.on('close', (_code, signal) => resolve({ signal, seen, err })),
  );
}

function maxDiff(a: tf.LayerVariable[], b: tf.LayerVariable[]): number {
  let worst = 0;
  a.forEach((w, i) =>
    tf.tidy(() => {
      worst = Math.max(worst, tf.max(tf.abs(tf.sub(w.read(), b[i].read()))).dataSync()[0]);
    }),
  );
  return worst;
}

/** Resume the run in `runDir` (wasm, one engine) and collect the epochs it reports. */
async function resumeCollecting(runDir: string): Promise<{ resumed: TrainRun; epochs: number[] }> {
  const epochs: number[] = [];
  const resumed = await resumeRun(runDir, {
    cacheDir,
    mirrorDir: MODELS,
    backend: 'wasm',
    engines: 1,
    onEvent: (e) => e.type === 'epoch' && epochs.push(e.epoch),
  });
  return { resumed, epochs };
}

/** The head-only runs below: wasm, one engine, the shared feature cache. */
const headRun = {
  dataDir: HYMENOPTERA,
  config,
  cacheDir,
  mirrorDir: MODELS,
  backend: 'wasm' as const,
  engines: 1,
};

describe('resuming a run killed mid-epoch', () => {
  let reference: TrainRun;

  it('an uninterrupted run with the same seed (the reference; also warms the feature cache)', async () => {
    reference = await trainOn({ ...headRun, runDir: path.join(tmp, 'reference') });
    expect(reference.history).toHaveLength(6);
    // A finished run keeps its record but drops its checkpoints: nothing is left to resume.
    expect(existsSync(path.join(tmp, 'reference', CHECKPOINT_FILE))).toBe(false);
    expect(JSON.parse(readFileSync(path.join(tmp, 'reference', 'run.json'), 'utf8')).state).toBe('done');
  });

  it('SIGKILL in epoch 4, then resume: the same history and final weights as the uninterrupted run', async () => {
    const runDir = path.join(tmp, 'killed');
    const killed = await trainAndKill(runDir, { phase: 'head', epoch: 4, batch: 3 });
    expect(killed.signal, killed.err).toBe('SIGKILL');
    const epochsDone = killed.seen.filter((e) => e.type === 'epoch').length;
    expect(epochsDone).toBe(3);
    expect(killed.seen.some((e) => e.type === 'batch' && e.epoch === 4)).toBe(true);
    const ckpt = (await loadCheckpoint(runDir))!;
    expect(ckpt.epochs).toBe(3);
    expect(ckpt.step).toBe(3 * 8); // 245 training images (244 decodable), batch 32: 8 steps an epoch

    const { resumed, epochs } = await resumeCollecting(runDir);
    expect(epochs).toEqual([4, 5, 6]); // only the epochs the killed run had not completed
    expect(resumed.features.computed).toBe(0);
    expect(comparable(resumed.history)).toEqual(comparable(reference.history));
    const a = reference.head.model.weights;
    const b = resumed.head.model.weights;
    expect(b.map((w) => w.originalName)).toEqual(a.map((w) => w.originalName));
    expect(maxDiff(a, b)).toBeLessThanOrEqual(1e-5);
    expect(resumed.accuracy).toBe(reference.accuracy);
    resumed.dispose();
  });

  it('Stop as epoch 4 ends, while its checkpoint is written: the run ends stopped with it on disk, and a resume finishes as the uninterrupted run', async () => {
    const runDir = path.join(tmp, 'stopped');
    const controller = new AbortController();
    const stopped = await trainOn({
      ...headRun,
      runDir,
      signal: controller.signal,
      // The epoch event comes just before the epoch-end checkpoint: the Stop lands during its write.
      onEvent: (e) => e.type === 'epoch' && e.epoch === 4 && controller.abort(),
    });
    expect(stopped.stopped).toBe(true);
    expect(stopped.history).toHaveLength(4);
    stopped.dispose();
    // The run waited for the write before it ended: the folder is stopped, with epoch 4's checkpoint.
    expect(JSON.parse(readFileSync(path.join(runDir, 'run.json'), 'utf8')).state).toBe('stopped');
    const ckpt = (await loadCheckpoint(runDir))!;
    expect([ckpt.epochs, ckpt.step]).toEqual([4, 4 * 8]);
    disposeCheckpoint(ckpt);

    const { resumed, epochs } = await resumeCollecting(runDir);
    expect(epochs).toEqual([5, 6]);
    expect(comparable(resumed.history)).toEqual(comparable(reference.history));
    expect(maxDiff(reference.head.model.weights, resumed.head.model.weights)).toBeLessThanOrEqual(1e-5);
    resumed.dispose();
  });
});

describe('resuming a boundary fine-tune killed in its fine-tune phase', () => {
  // Head with dropout, two augmented views, 2 head epochs then 3 fine-tune epochs of the top 5 layers.
  const ftConfig: TrainConfigInput = {
    base: 'mobilenet_v1_0.25_224',
    head: {
      layers: [
        { type: 'globalAveragePooling' },
        { type: 'dense', units: 32, activation: 'relu' },
        { type: 'dropout', rate: 0.3 },
      ],
    },
    augment: { horizontalFlip: true, zoomRange: 0.2 },
    augmentViews: 2,
    epochs: 2,
    seed: 11,
    fineTune: { layers: 5, epochs: 3, learningRate: 1e-4 },
  };
  let reference: TrainRun;
  const unfrozenWeights = (r: TrainRun) =>
    chooseUnfrozen(r.base.model, { layers: 5 }).flatMap((l) => l.weights);

  it('the uninterrupted run (warms the boundary store)', async () => {
    reference = await trainOn({
      dataDir: HYMENOPTERA,
      config: ftConfig,
      cacheDir,
      mirrorDir: MODELS,
      backend: 'wasm',
      engines: 1,
      runDir: path.join(tmp, 'ft-reference'),
    });
    expect(reference.fineTuned).toBe(true);
    expect(reference.history.map((h) => h.phase)).toEqual([
      'head',
      'head',
      'fine-tune',
      'fine-tune',
      'fine-tune',
    ]);
  });

  it('SIGKILL in fine-tune epoch 2, then resume: same history, head and base weights', async () => {
    const runDir = path.join(tmp, 'ft-killed');
    const killed = await trainAndKill(
      runDir,
      { phase: 'fine-tune', epoch: 4, batch: 3 },
      { config: ftConfig },
    );
    expect(killed.signal, killed.err).toBe('SIGKILL');
    const ckpt = (await loadCheckpoint(runDir))!;
    expect([ckpt.phase, ckpt.epochs]).toEqual(['fine-tune', 1]);
    const { resumed, epochs } = await resumeCollecting(runDir);
    expect(epochs).toEqual([4, 5]);
    expect(resumed.features.computed).toBe(0);
    expect(comparable(resumed.history)).toEqual(comparable(reference.history));
    expect(maxDiff(reference.head.model.weights, resumed.head.model.weights)).toBeLessThanOrEqual(1e-5);
    const base = unfrozenWeights(reference);
    expect(base.length).toBeGreaterThan(5);
    expect(maxDiff(base, unfrozenWeights(resumed))).toBeLessThanOrEqual(1e-5);
    expect(resumed.accuracy).toBe(reference.accuracy);
    resumed.dispose();
  });
});
