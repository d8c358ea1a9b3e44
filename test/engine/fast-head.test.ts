/**
 * The fast head trainer (train/fast-head.ts) against the tfjs loop it replaces for pooled heads, on real
 * MobileNetV2-0.35 features of hymenoptera: the same seed reaches the same validation accuracy (± 1 point),
 * the same weights (float tolerance) for every optimizer and with dropout (the same masks), and stop,
 * early stopping and "restore best" behave as trainLoop's.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { EngineEvent } from '@shared/engine-events';
import { HEAD_PRESETS, HeadSpec } from '@shared/head';
import { mixSeed } from '@shared/random';
import { TrainConfig } from '@shared/train';
import { initBackend } from '../../src/main/engine/backend';
import { loadBase } from '../../src/main/engine/bases/load';
import { resolveBase } from '../../src/main/engine/bases/resolve';
import { scanDataset } from '../../src/main/engine/dataset/scan';
import { extractFeatures, type FeatureSet } from '../../src/main/engine/extract/features';
import { buildHead, reseedDropout } from '../../src/main/engine/head/build';
import { OrtExtractor } from '../../src/main/engine/onnx/extractor';
import { tf } from '../../src/main/engine/tf';
import { denseStackOf } from '../../src/main/engine/train/dense-stack';
import { fastHeadLoop, type FastHeadOptions } from '../../src/main/engine/train/fast-head';
import type { FastResume } from '../../src/main/engine/train/fast-head-state';
import { hoistPooling } from '../../src/main/engine/train/hoist';
import { trainLoop, type LoopResult } from '../../src/main/engine/train/loop';
import { featureTrainSource, featureValSource } from '../../src/main/engine/train/sources';
import { HYMENOPTERA, MODELS } from '../helpers/shared';

let set: FeatureSet;
const CLASSES = 2;

beforeAll(async () => {
  await initBackend('wasm');
  const base = await loadBase(
    await resolveBase('mobilenet_v2_0.35_224', { mirrorDir: MODELS, download: false }),
  );
  const pixel = { inputSize: base.inputSize, resize: 'stretch' as const, preprocessing: base.preprocessing };
  const extractor = await OrtExtractor.create(base, pixel, { device: 'cpu' });
  const files = (await scanDataset(HYMENOPTERA)).files;
  set = await extractFeatures({
    files,
    base,
    extractor,
    pixel,
    store: null,
    form: 'avg',
    augment: null,
    views: 1,
    seed: 1,
  });
  await extractor.close();
  base.full.dispose();
}, 300_000);

interface Trained {
  result: LoopResult;
  events: EngineEvent[];
  valAcc: number;
  weights: Float32Array[];
}

/** One head phase as pipeline/train-head.ts runs it, on either path. */
async function train(
  path: 'fast' | 'tfjs',
  head: HeadSpec,
  cfg: Partial<TrainConfig>,
  stopAfter?: (e: EngineEvent) => boolean,
  hooks?: {
    onEpochEnd?: FastHeadOptions['onEpochEnd'];
    /** Resume: checkpoint weights written into the head first, then the loop continues. */
    resume?: { weights: Float32Array[]; step: number; state: FastResume };
    classWeights?: number[];
  },
): Promise<Trained> {
  const config = TrainConfig.parse({ head, earlyStopping: null, ...cfg });
  const built = buildHead(config.head, set.featureShape, CLASSES, config.seed);
  const hoisted = hoistPooling(config.head, built, set);
  const items = (s: string) => hoisted.items.filter((it) => it.file.split === s);
  const source = featureTrainSource(set.table, items('train'), hoisted.inputShape, config.seed);
  const val = featureValSource(set.table, items('val'), hoisted.inputShape, hoisted.model);
  const events: EngineEvent[] = [];
  let step = hooks?.resume?.step ?? 0;
  hooks?.resume?.weights.forEach((w, i) => {
    const v = built.model.weights[i];
    v.write(tf.tensor(w, v.shape as number[]));
  });
  const stop = new AbortController();
  const common = {
    jobId: 't',
    phase: 'head' as const,
    train: source,
    val,
    config,
    learningRate: config.learningRate,
    epochs: config.epochs,
    epochOffset: 0,
    classWeights: hooks?.classWeights ?? null,
    shuffle: source.shuffle,
    signal: stop.signal,
    onEvent: (e: EngineEvent) => {
      events.push(e);
      if (stopAfter?.(e)) stop.abort();
    },
  };
  let result: LoopResult;
  if (path === 'fast') {
    const dense = denseStackOf(hoisted.logits);
    if (!('stack' in dense)) throw new Error(dense.reason);
    result = await fastHeadLoop({
      ...common,
      stack: dense.stack,
      stepSeed: () => mixSeed(config.seed, ++step),
      onEpochEnd: hooks?.onEpochEnd,
      resume: hooks?.resume?.state,
    });
  } else
    result = await trainLoop({
      ...common,
      forward: (x) => {
        reseedDropout(built.layers, mixSeed(config.seed, ++step));
        return hoisted.logits.apply(x, { training: true }) as tf.Tensor2D;
      },
      regularization: () => {
        const losses = built.model.calculateLosses();
        return losses.length ? (tf.addN(losses) as tf.Scalar) : null;
      },
      variables: built.model.trainableWeights.map((w) => w.read() as tf.Variable),
      snapshotWeights: built.model.weights,
    });
  reseedDropout(built.layers, null);
  // Accuracy of the weights the loop returned, read through the tfjs head as evaluation does.
  const probs = await val.predict(0, val.size);
  const pred = (await probs.argMax(1).data()) as Int32Array;
  probs.dispose();
  const valAcc = pred.filter((p, i) => p === val.labels[i]).length / val.size;
  const weights = built.model.weights.map((w) => Float32Array.from(w.read().dataSync()));
  built.model.dispose();
  return { result, events, valAcc, weights };
}

/** Largest |a − b| relative to the largest |b|, over all weight arrays. */
function maxRelDiff(a: Float32Array[], b: Float32Array[]): number {
  let diff = 0;
  let scale = 0;
  a.forEach((w, k) =>
    w.forEach((v, i) => {
      diff = Math.max(diff, Math.abs(v - b[k][i]));
      scale = Math.max(scale, Math.abs(b[k][i]));
    }),
  );
  return diff / scale;
}

const DROPOUT_L2 = HeadSpec.parse({
  layers: [
    { type: 'globalAveragePooling' },
    { type: 'dropout', rate: 0.3 },
    { type: 'dense', units: 64, activation: 'relu', l2: 0.001 },
    { type: 'dropout', rate: 0.2 },
  ],
});
const TWO_DENSE = HeadSpec.parse({
  layers: [
    { type: 'globalAveragePooling' },
    { type: 'dense', units: 64, activation: 'tanh' },
    { type: 'dense', units: 32, activation: 'swish', l2: 0.01 },
  ],
});

describe('fast head trainer vs the tfjs loop (hymenoptera, MobileNetV2-0.35 features)', () => {
  it('light head, 10 epochs, same seed: same history shape, same accuracy (± 1 point), same weights', async () => {
    const cfg = { seed: 42, epochs: 10 };
    const fast = await train('fast', HeadSpec.parse(HEAD_PRESETS.light), cfg);
    const ref = await train('tfjs', HeadSpec.parse(HEAD_PRESETS.light), cfg);
    console.log(
      `light: fast ${fast.valAcc} vs tfjs ${ref.valAcc}; weights Δ ${maxRelDiff(fast.weights, ref.weights)}`,
    );
    expect(ref.valAcc).toBeGreaterThan(0.85);
    expect(Math.abs(fast.valAcc - ref.valAcc)).toBeLessThanOrEqual(0.01);
    expect(maxRelDiff(fast.weights, ref.weights)).toBeLessThan(1e-3);
    const kinds = (t: Trained) => t.events.map((e) => `${e.type}:${'epoch' in e ? e.epoch : ''}`);
    expect(kinds(fast)).toEqual(kinds(ref));
    expect(fast.result.history).toHaveLength(10);
    fast.result.history.forEach((h, i) => {
      expect(h.loss).toBeCloseTo(ref.result.history[i].loss, 3);
      expect(h.valLoss!).toBeCloseTo(ref.result.history[i].valLoss!, 3);
      expect(h.best).toBe(ref.result.history[i].best);
    });
  }, 300_000);

  it.each(['sgd', 'rmsprop', 'adam'] as const)(
    'two dense layers (tanh, swish, l2), %s: the same weights after 3 epochs',
    async (optimizer) => {
      const cfg = { seed: 7, epochs: 3, optimizer, learningRate: optimizer === 'sgd' ? 0.01 : 1e-3 };
      const fast = await train('fast', TWO_DENSE, cfg);
      const ref = await train('tfjs', TWO_DENSE, cfg);
      const d = maxRelDiff(fast.weights, ref.weights);
      console.log(`${optimizer}: weights Δ ${d}, acc ${fast.valAcc} vs ${ref.valAcc}`);
      expect(d).toBeLessThan(1e-3);
      fast.result.history.forEach((h, i) => expect(h.loss).toBeCloseTo(ref.result.history[i].loss, 3));
    },
    300_000,
  );

  it('class weights (balanced-style): the same weights after 3 epochs', async () => {
    const cfg = { seed: 9, epochs: 3 };
    const light = HeadSpec.parse(HEAD_PRESETS.light);
    const classWeights = [0.6, 1.5];
    const fast = await train('fast', light, cfg, undefined, { classWeights });
    const ref = await train('tfjs', light, cfg, undefined, { classWeights });
    const d = maxRelDiff(fast.weights, ref.weights);
    console.log(`class weights: weights Δ ${d}`);
    expect(d).toBeLessThan(1e-3);
    fast.result.history.forEach((h, i) => expect(h.loss).toBeCloseTo(ref.result.history[i].loss, 4));
  }, 300_000);

  it("dropout and l2, 10 epochs: tfjs' own dropout masks, so the same weights and accuracy (± 1 point)", async () => {
    const cfg = { seed: 3, epochs: 10 };
    const fast = await train('fast', DROPOUT_L2, cfg);
    const ref = await train('tfjs', DROPOUT_L2, cfg);
    const d = maxRelDiff(fast.weights, ref.weights);
    console.log(`dropout+l2: fast ${fast.valAcc} vs tfjs ${ref.valAcc}; weights Δ ${d}`);
    expect(d).toBeLessThan(1e-3);
    expect(fast.valAcc).toBeGreaterThan(0.85);
    expect(Math.abs(fast.valAcc - ref.valAcc)).toBeLessThanOrEqual(0.01);
  }, 300_000);

  it('early stopping restores the best epoch; a stop ends within one batch with the best weights', async () => {
    // lr 0.05 overfits fast: validation loss rises, patience 2 ends the phase early.
    const cfg = {
      seed: 5,
      epochs: 30,
      learningRate: 0.05,
      earlyStopping: { patience: 2, restoreBest: true },
    };
    const light = HeadSpec.parse(HEAD_PRESETS.light);
    const fast = await train('fast', light, cfg);
    expect(fast.result.earlyStopped).toBe(true);
    const h = fast.result.history;
    expect(h.length).toBeLessThan(30);
    expect(h.slice(-2).every((e) => !e.best)).toBe(true);
    const bestAcc = h.filter((e) => e.best).at(-1)!.valAcc!;
    expect(fast.valAcc).toBeCloseTo(bestAcc, 6);

    // Stop during epoch 2's third batch: that batch ends, no fourth starts, epoch 1's weights return.
    const stopped = await train(
      'fast',
      light,
      { seed: 5, epochs: 3 },
      (e) => e.type === 'batch' && e.epoch === 2 && e.batch === 3,
    );
    expect(stopped.result.stopped).toBe(true);
    expect(stopped.result.history).toHaveLength(1);
    expect(stopped.events.filter((e) => e.type === 'batch' && e.epoch === 2)).toHaveLength(3);
    expect(stopped.valAcc).toBeCloseTo(stopped.result.history[0].valAcc!, 6);
  }, 300_000);

  it.each(['adam', 'rmsprop'] as const)(
    'an epoch-end checkpoint (%s, dropout) resumed ends with the weights of the uninterrupted run',
    async (optimizer) => {
      const cfg = { seed: 11, epochs: 4, optimizer };
      const copy = (ts: { name: string; tensor: tf.Tensor }[]) =>
        ts.map((t) => ({ name: t.name, tensor: t.tensor.clone() }));
      let saved: { weights: Float32Array[]; step: number; state: FastResume } | null = null;
      let steps = 0;
      const whole = await train(
        'fast',
        DROPOUT_L2,
        cfg,
        (e) => {
          if (e.type === 'batch') steps++;
          return false;
        },
        {
          onEpochEnd: async (s) => {
            if (s.epochs !== 2) return;
            saved = {
              weights: s.weights.map((w) => Float32Array.from(w.read().dataSync())),
              step: steps,
              state: {
                epochs: s.epochs,
                history: [...s.history],
                best: s.best && { ...s.best, weights: s.best.weights.map((w) => w.clone()) },
                sinceBest: s.sinceBest,
                optimizer: copy((await s.optimizer.getWeights()) as { name: string; tensor: tf.Tensor }[]),
                optimizerScalars: Object.fromEntries(
                  Object.entries(s.optimizer)
                    .filter(([, v]) => v instanceof tf.Variable && v.size === 1)
                    .map(([k, v]) => [k, (v as tf.Variable).dataSync()[0]]),
                ),
              },
            };
          },
        },
      );
      expect(saved).not.toBeNull();
      const resumed = await train('fast', DROPOUT_L2, cfg, undefined, { resume: saved! });
      expect(resumed.result.history.map((h) => h.epoch)).toEqual([1, 2, 3, 4]);
      expect(resumed.events.filter((e) => e.type === 'epoch').map((e) => 'epoch' in e && e.epoch)).toEqual([
        3, 4,
      ]);
      const d = maxRelDiff(resumed.weights, whole.weights);
      console.log(`${optimizer} resume: weights Δ ${d}`);
      expect(d).toBeLessThan(1e-6);
      expect(resumed.valAcc).toBe(whole.valAcc);
    },
    300_000,
  );
});
