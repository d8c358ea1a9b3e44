import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mulberry32 } from '@shared/random';
import { tf } from '../tf';
import { trainLoop, type BatchSource, type ValSource } from './loop';
import { seededShuffle } from './sources';

// Two Gaussian blobs in 2-D, one per class: a softmax layer learns them in a few epochs.
const rand = mulberry32(7);
const N = 64;
const xs = new Float32Array(N * 2);
const ys = new Int32Array(N);
for (let i = 0; i < N; i++) {
  ys[i] = i % 2;
  xs[2 * i] = (ys[i] ? 1 : -1) + (rand() - 0.5);
  xs[2 * i + 1] = (ys[i] ? -1 : 1) + (rand() - 0.5);
}
let model: tf.Sequential;
beforeAll(async () => {
  await tf.setBackend('cpu');
  model = tf.sequential({ layers: [tf.layers.dense({ units: 2, inputShape: [2] })] });
});
afterAll(() => model.dispose());

const train: BatchSource = {
  size: N,
  labels: ys,
  batch: async (idx) =>
    tf.tensor2d(Float32Array.from(idx.flatMap((i) => [xs[2 * i], xs[2 * i + 1]])), [idx.length, 2]),
};
/** The training points as validation, labelled as trained (`flipped`: each the other class). */
const val = (flipped: boolean): ValSource => ({
  size: N,
  labels: flipped ? ys.map((y) => 1 - y) : ys,
  predict: async (s, e) =>
    tf.tidy(() => tf.softmax(model.predict(tf.tensor2d(xs.slice(2 * s, 2 * e), [e - s, 2])) as tf.Tensor2D)),
});

/** Starts from all-zero weights (validation loss ln 2 either way) and trains 3 epochs. */
async function run(flipped: boolean, startsFrom?: { epoch: number }) {
  model.weights.forEach((w) => w.write(tf.zerosLike(w.read())));
  const result = await trainLoop({
    jobId: 'loop-test',
    phase: 'fine-tune',
    forward: (x) => model.apply(x, { training: true }) as tf.Tensor2D,
    variables: model.trainableWeights.map((w) => w.read() as tf.Variable),
    snapshotWeights: model.weights,
    train,
    val: val(flipped),
    config: {
      optimizer: 'adam',
      momentum: 0.9,
      batchSize: 16,
      earlyStopping: { patience: 5, restoreBest: true },
    },
    learningRate: 0.05,
    epochs: 3,
    epochOffset: 10,
    startsFrom,
    classWeights: null,
    shuffle: seededShuffle(1),
  });
  const moved = Math.max(...model.weights.map((w) => Math.max(...Array.from(w.read().dataSync(), Math.abs))));
  return { ...result, moved };
}

describe('trainLoop: the weights a phase starts from compete for "best" (fine-tuning after the head)', () => {
  it('a phase that only makes validation worse ends on the weights it started from', async () => {
    const r = await run(true, { epoch: 10 });
    expect(r.history.map((h) => h.epoch)).toEqual([11, 12, 13]);
    expect(r.history.every((h) => h.valLoss! > Math.LN2)).toBe(true);
    expect(r.history.map((h) => h.best)).toEqual([false, false, false]);
    expect(r.moved).toBe(0);
  });

  it('without it the phase ends on its own best epoch, however bad', async () => {
    const r = await run(true);
    expect(r.history.map((h) => h.best)[0]).toBe(true);
    expect(r.moved).toBeGreaterThan(0);
  });

  it('a phase that improves on them ends on its best epoch as before', async () => {
    const r = await run(false, { epoch: 10 });
    expect(r.history.every((h) => h.valLoss! < Math.LN2)).toBe(true);
    expect(r.history.some((h) => h.best)).toBe(true);
    expect(r.moved).toBeGreaterThan(0);
  });
});
