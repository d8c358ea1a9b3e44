import { mkdtempSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AugmentSpec } from '@shared/augment';
import { HeadSpec } from '@shared/head';
import { initBackend } from '../../src/main/engine/backend';
import { loadBase, type FeatureBase } from '../../src/main/engine/bases/load';
import { resolveBase } from '../../src/main/engine/bases/resolve';
import { scanDataset } from '../../src/main/engine/dataset/scan';
import { prepareBatch, preparePixelBatch } from '../../src/main/engine/extract/batch';
import { compileFrozen } from '../../src/main/engine/finetune/frozen-graph';
import { LazyBoundaryExtractor } from '../../src/main/engine/finetune/extractor';
import { buildBoundaryRunner } from '../../src/main/engine/finetune/frozen-outputs';
import {
  chooseUnfrozen,
  setTrainable,
  splitAtBoundary,
  type BoundarySplit,
} from '../../src/main/engine/finetune/split';
import { topFeatures } from '../../src/main/engine/finetune/sources';
import { encodeVector, MemoryTable } from '../../src/main/engine/store/table';
import { buildHead } from '../../src/main/engine/head/build';
import { weightedCrossEntropy } from '../../src/main/engine/train/loss';
import { tf } from '../../src/main/engine/tf';
import { HYMENOPTERA, MODELS } from '../helpers/shared';
import { trainOn } from '../helpers/train';

const V1 = 'mobilenet_v1_0.25_224';
const V2 = 'mobilenet_v2_0.35_224';
const bases = new Map<string, FeatureBase>();
const tmp = mkdtempSync(path.join(os.tmpdir(), 'ts-boundary-run-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
let photos: tf.Tensor4D;
let labels: Int32Array;
let photoBytes: Uint8Array[];

beforeAll(async () => {
  await initBackend('wasm');
  for (const id of [V1, V2])
    bases.set(id, await loadBase(await resolveBase(id, { mirrorDir: MODELS, download: false })));
  const scan = await scanDataset(HYMENOPTERA);
  // 8 real photos, both classes, both splits.
  const files = scan.files
    .filter((f) => f.format !== 'gif')
    .filter((_, i) => i % 47 === 0)
    .slice(0, 8);
  photoBytes = await Promise.all(files.map(async (f) => new Uint8Array(await readFile(f.path))));
  const batch = await prepareBatch(
    photoBytes.map((bytes) => ({ bytes, augment: null, seed: 0 })),
    { inputSize: [224, 224], resize: 'stretch', preprocessing: 'tf' },
  );
  expect(batch.okCount).toBe(8);
  photos = tf.tensor4d(batch.input, [8, 224, 224, 3]);
  labels = Int32Array.from(files, (f) => f.classIndex);
  expect(new Set(labels).size).toBe(2);
});

/** Boundary rows of `photos` from the compiled (BatchNorm-folded graph) frozen part, as training reads them. */
async function boundaryRows(base: FeatureBase, split: BoundarySplit): Promise<tf.Tensor2D> {
  const runner = await compileFrozen(split.frozen!, base.inputSize);
  expect(runner.kind, runner.why).toBe('graph');
  if (runner.reads !== 'floats') throw new Error('a tfjs graph reads preprocessed floats');
  const outs = await runner.run(photos.dataSync() as Float32Array, 8);
  runner.dispose();
  // Through the store's encoding and table too (boundary rows are float32): what is cached is what trains.
  const table = new MemoryTable(8, split.size, 'float32');
  for (let k = 0; k < 8; k++) {
    const row = new Float32Array(split.size);
    let off = 0;
    outs.forEach((o, j) => {
      const n = split.boundary[j].size;
      row.set(o.subarray(k * n, (k + 1) * n), off);
      off += n;
    });
    const enc = encodeVector(row, 'float32');
    table.set(k, enc.dtype, enc.bytes);
  }
  const rows = new Float32Array(8 * split.size);
  await table.read([0, 1, 2, 3, 4, 5, 6, 7], rows);
  return tf.tensor2d(rows, [8, split.size]);
}

const relMaxDiff = (a: tf.Tensor, b: tf.Tensor) =>
  tf.tidy(() => {
    const scale = tf.max(tf.abs(a)).dataSync()[0];
    expect(scale).toBeGreaterThan(0);
    return tf.max(tf.abs(tf.sub(a, b))).dataSync()[0] / scale;
  });

describe('the base split at the unfreeze boundary', () => {
  it.each([
    [V1, 2, 1],
    [V1, 5, 1],
    [V1, 20, 1],
    [V2, 2, 1],
    [V2, 16, 2], // cut inside block 14: its expand branch and the residual both cross
    [V2, 19, 2], // cut between block 14's expand conv and its BatchNorm, plus the residual
    [V2, 20, 1], // a clean cut between blocks 13 and 14
    [V2, 40, 1],
  ])(
    '%s, top %i layers: frozen → boundary (%i tensors) → top equals the whole base on real photos',
    async (id, n, crossing) => {
      const base = bases.get(id)!;
      const split = splitAtBoundary(base.model, chooseUnfrozen(base.model, { layers: n }));
      expect(split.boundary).toHaveLength(crossing);
      expect(split.unfrozen).toHaveLength(n);
      const rows = await boundaryRows(base, split);
      const full = base.model.predict(photos) as tf.Tensor;
      const fromCache = topFeatures(rows, split);
      expect(fromCache.shape).toEqual(full.shape);
      expect(relMaxDiff(full, fromCache)).toBeLessThanOrEqual(1e-4);
      tf.dispose([rows, full, fromCache]);
    },
  );

  it('names what crosses the MobileNetV2 residual cut (a stable cache key)', () => {
    const base = bases.get(V2)!;
    const split = splitAtBoundary(base.model, chooseUnfrozen(base.model, { layers: 16 }));
    expect(split.boundary.map((b) => [b.name, b.shape])).toEqual([
      ['block_14_depthwise_relu:0:0', [7, 7, 336]],
      ['block_13_project_BN:0:0', [7, 7, 56]],
    ]);
    const from = splitAtBoundary(
      base.model,
      chooseUnfrozen(base.model, { layers: 0, fromLayer: 'block_14_project' }),
    );
    expect(from.boundary.map((b) => b.name)).toEqual(split.boundary.map((b) => b.name));
  });

  it.each([
    [V1, 5],
    [V2, 16],
  ])(
    '%s, top %i layers: gradients of the unfrozen weights and the head equal full-model fine-tuning',
    async (id, n) => {
      const base = bases.get(id)!;
      const split = splitAtBoundary(base.model, chooseUnfrozen(base.model, { layers: n }));
      setTrainable(base.model, split.unfrozen);
      const spec = HeadSpec.parse({
        layers: [{ type: 'globalAveragePooling' }, { type: 'dense', units: 16, activation: 'relu' }],
      });
      const head = buildHead(spec, base.featureShape, 2, 3);
      const vars = [...head.model.trainableWeights, ...split.unfrozen.flatMap((l) => l.trainableWeights)].map(
        (w) => w.read() as tf.Variable,
      );
      expect(vars.length).toBeGreaterThan(4 + n); // every unfrozen layer trains (BatchNorm: γ and β)
      const y = tf.tensor1d(labels, 'int32');
      const gradsOf = (features: () => tf.Tensor) =>
        tf.variableGrads(
          () =>
            weightedCrossEntropy(
              head.logits.apply(features(), { training: true }) as tf.Tensor2D,
              y,
              null,
              true,
            ),
          vars,
        ).grads;
      const full = gradsOf(() => base.model.apply(photos, { training: false }) as tf.Tensor);
      const rows = await boundaryRows(base, split);
      const cut = gradsOf(
        () =>
          split.top.apply(
            tf
              .split(
                rows,
                split.boundary.map((b) => b.size),
                1,
              )
              .map((p, i) => tf.reshape(p, [8, ...split.boundary[i].shape])),
            { training: false },
          ) as tf.Tensor,
      );
      let worst = 0;
      for (const v of vars) {
        const g = full[v.name];
        expect(tf.max(tf.abs(g)).dataSync()[0], v.name).toBeGreaterThan(0);
        worst = Math.max(worst, relMaxDiff(g, cut[v.name]));
      }
      expect(worst).toBeLessThanOrEqual(1e-4);
      setTrainable(base.model, []);
      tf.dispose([y, rows, ...Object.values(full), ...Object.values(cut)]);
      head.model.dispose();
    },
  );
});

describe('the single frozen pass of a boundary fine-tune', () => {
  it('with every layer unfrozen the boundary is the image itself: rows hold it preprocessed, on both engines', async () => {
    const base = bases.get(V1)!;
    const outputs = { fineTune: { layers: 10_000 }, features: 'avg' } as const;
    const pixel = {
      inputSize: base.inputSize,
      resize: 'stretch' as const,
      preprocessing: base.preprocessing,
    };
    const items = photoBytes.slice(0, 2).map((bytes) => ({ bytes, augment: null, seed: 0 }));
    const want = await prepareBatch(items, pixel);
    const size = 224 * 224 * 3;
    for (const engine of [{ kind: 'tfjs' }, { kind: 'onnxruntime', device: 'cpu' }] as const) {
      const runner = await buildBoundaryRunner(base, outputs, engine);
      try {
        expect(runner.layout.split.boundary.map((b) => b.isInput)).toEqual([true]);
        const raw = await preparePixelBatch(items, pixel);
        const rows = await runner.run(raw.input, 2);
        const width = size + 256;
        expect(rows.length).toBe(2 * width);
        for (let k = 0; k < 2; k++) {
          const got = rows.slice(k * width, k * width + size);
          const ref = want.input.slice(k * size, (k + 1) * size);
          expect(Buffer.from(got.buffer).equals(Buffer.from(ref.buffer)), `${engine.kind} image ${k}`).toBe(
            true,
          );
        }
      } finally {
        runner.dispose();
      }
    }
  });

  it('gives the same rows (boundary + pooled features) in worker engines as in process, and on ONNX Runtime within 1e-4', async () => {
    const base = bases.get(V2)!;
    const outputs = { fineTune: { layers: 16 }, features: 'avg' } as const;
    const runner = await buildBoundaryRunner(base, outputs);
    expect(runner.layout.entrySizes).toEqual([7 * 7 * 336, 7 * 7 * 56, 1280]);
    runner.dispose();
    const backend = await initBackend('wasm');
    const pixel = {
      inputSize: base.inputSize,
      resize: 'stretch' as const,
      preprocessing: base.preprocessing,
    };
    const items = photoBytes.slice(0, 4).map((bytes) => ({ bytes, augment: null, seed: 0 }));
    const local = new LazyBoundaryExtractor(base, backend, pixel, 1, outputs, 'tfjs');
    const pool = new LazyBoundaryExtractor(base, backend, pixel, 2, outputs, 'tfjs');
    const ort = new LazyBoundaryExtractor(base, backend, pixel, 1, outputs, 'cpu');
    try {
      const [a, b, c] = [await local.run(items), await pool.run(items), await ort.run(items)];
      expect([local.started, pool.started]).toEqual([1, 2]);
      expect(ort.describe()).toMatch(/onnxruntime/);
      const width = 7 * 7 * 392 + 1280;
      expect(b.rows.length).toBe(4 * width);
      expect(Array.from(b.rows)).toEqual(Array.from(a.rows));
      // ONNX Runtime: each part of a row within 1e-4 of tfjs, relative to that part's scale.
      expect(c.rows.length).toBe(4 * width);
      for (const [from, to] of [
        [0, 7 * 7 * 336],
        [7 * 7 * 336, 7 * 7 * 392],
        [7 * 7 * 392, width],
      ]) {
        let scale = 0;
        let diff = 0;
        for (let k = 0; k < 4; k++)
          for (let i = k * width + from; i < k * width + to; i++) {
            scale = Math.max(scale, Math.abs(a.rows[i]));
            diff = Math.max(diff, Math.abs(a.rows[i] - c.rows[i]));
          }
        expect(scale).toBeGreaterThan(0);
        expect(diff / scale).toBeLessThanOrEqual(1e-4);
      }
      // The pooled tail is the mean of the feature map the whole base computes.
      const gap = tf.tidy(() =>
        tf.mean(base.model.predict(photos.slice(0, 1)) as tf.Tensor, [1, 2]).dataSync(),
      );
      const row = a.rows.subarray(7 * 7 * 392, 7 * 7 * 392 + 1280);
      expect(Math.max(...Array.from(gap, (v, i) => Math.abs(v - row[i])))).toBeLessThan(1e-4);
    } finally {
      await Promise.all([local.close(), pool.close(), ort.close()]);
    }
  });
});

describe('a fine-tune run from the boundary cache', () => {
  it('hymenoptera, MobileNetV2-0.35, top 20 layers, 5 epochs, keras augmentation, 5 views: one frozen pass, today’s accuracy, exports what it evaluated', async () => {
    const logs: string[] = [];
    const run = await trainOn({
      onEvent: (e) => e.type === 'log' && logs.push(e.message),
      dataDir: HYMENOPTERA,
      config: {
        base: V2,
        augment: AugmentSpec.parse({ shearRange: 0.2, zoomRange: 0.2, horizontalFlip: true }),
        augmentViews: 5,
        fineTune: { layers: 20, epochs: 5 },
      },
      cacheDir: path.join(tmp, 'cache'),
      mirrorDir: MODELS,
      backend: 'wasm',
      engines: 2,
    });
    // 245 training images × 5 views + 153 validation images, each through the base once.
    expect(run.features.computed).toBe(245 * 5 + 153);
    expect(run.fineTuned).toBe(true);
    expect(run.history.filter((h) => h.phase === 'fine-tune')).toHaveLength(5);
    // The run ends on its best epoch on validation loss, the head phase's included: fine-tuning keeps its
    // weights only when it beats the head (on 245 photos it mostly overfits what the head already fits).
    // The validation set has 153 images, so one image is 0.65 points.
    const best = run.history.filter((h) => h.best).at(-1)!;
    expect(run.accuracy).toBeGreaterThanOrEqual(0.88);
    expect(Math.abs(run.accuracy! - best.valAcc!)).toBeLessThanOrEqual(1 / 153 + 1e-9);
    // The exported model (base with its fine-tuned top + head) predicts what was evaluated from the cache.
    const wrong = run.evaluation.val!.misclassified.slice(0, 6);
    expect(wrong.length).toBeGreaterThan(0);
    const batch = await prepareBatch(
      await Promise.all(
        wrong.map(async (m) => ({ bytes: new Uint8Array(await readFile(m.path)), augment: null, seed: 0 })),
      ),
      run.pixel,
    );
    const probs = tf.tidy(() =>
      (
        run.fullModel().predict(tf.tensor4d(batch.input, [wrong.length, 224, 224, 3])) as tf.Tensor
      ).arraySync(),
    ) as number[][];
    // Training the top trained the base (its unfrozen layers moved, the frozen ones did not), unless the
    // run went back to the head's weights: then the base is as it was.
    const pristine = bases.get(V2)!.model;
    const moved = (name: string) =>
      tf.tidy(
        () =>
          tf
            .max(
              tf.abs(
                tf.sub(
                  run.base.model.getLayer(name).getWeights()[0],
                  pristine.getLayer(name).getWeights()[0],
                ),
              ),
            )
            .dataSync()[0],
      );
    const keptFineTune = best.phase === 'fine-tune';
    expect(run.fineTuneKept).toBe(keptFineTune);
    expect(logs.some((m) => m.startsWith('fine-tuning did not lower the validation loss'))).toBe(
      !keptFineTune,
    );
    for (const layer of ['Conv_1', 'block_14_expand'])
      if (keptFineTune) expect(moved(layer), layer).toBeGreaterThan(0);
      else expect(moved(layer), layer).toBe(0);
    expect(moved('block_13_project')).toBe(0);
    wrong.forEach((m, i) =>
      m.probabilities.forEach((p, c) => expect(Math.abs(p - probs[i][c])).toBeLessThan(1e-4)),
    );
    run.dispose();
  });
});
