import type { HeadSpec } from '../../../shared/head';
import type { TrainConfig } from '../../../shared/train';
import { readVector, type FeatureItem } from '../extract/features';
import { buildHead, reseedDropout } from '../head/build';
import { globalPool, hoistPooling } from '../train/hoist';
import { balancedClassWeights } from '../train/loss';
import { trainLoop } from '../train/loop';
import { featureTrainSource, featureValSource, seededShuffle } from '../train/sources';
import { tf } from '../tf';
import { mixSeed } from '../util/random';
import { stratifiedGroupFolds } from './folds';

/** The training settings cross-validation copies from a run's config. */
export type CvTrainSettings = Pick<
  TrainConfig,
  | 'optimizer'
  | 'momentum'
  | 'batchSize'
  | 'epochs'
  | 'learningRate'
  | 'classWeight'
  | 'seed'
  | 'earlyStopping'
>;

/**
 * Training items prepared once for many cross-validation fits: the full feature maps (for Flatten heads)
 * and, computed on first use, pooled vectors (for heads that start with global pooling: pooling has no
 * weights, so every such head trains on the pooled vectors, as `hoistPooling` does in a real run).
 */
export class CvData {
  private pooled = new Map<'avg' | 'max', FeatureItem[]>();
  constructor(
    readonly items: FeatureItem[],
    readonly featureShape: number[],
    readonly numClasses: number,
    /** Items with equal keys share a fold (default: content hash, so byte copies never straddle folds). */
    readonly groupKeys: string[] = items.map((it) => it.hash),
  ) {
    if (groupKeys.length !== items.length) throw new Error('one group key per item');
  }

  get labels(): Int32Array {
    return Int32Array.from(this.items, (it) => it.file.classIndex);
  }

  /** Items as the head's first trainable layer sees them, with that input's shape. */
  async inputsFor(
    spec: HeadSpec,
  ): Promise<{ items: FeatureItem[]; shape: number[]; pooledMode: 'avg' | 'max' | null }> {
    const first = spec.layers[0]?.type;
    const mode = first === 'globalAveragePooling' ? 'avg' : first === 'globalMaxPooling' ? 'max' : null;
    if (!mode || this.featureShape.length !== 3)
      return { items: this.items, shape: this.featureShape, pooledMode: null };
    const channels = this.featureShape[2];
    let pooled = this.pooled.get(mode);
    if (!pooled) {
      // Only the first view: cross-validation scores clean features (views > 1 only with augmentation).
      pooled = await Promise.all(
        this.items.map(async (it) => ({
          ...it,
          views: [globalPool(await readVector(it.views[0]), channels, mode)],
        })),
      );
      this.pooled.set(mode, pooled);
    }
    return { items: pooled, shape: [channels], pooledMode: mode };
  }
}

export interface CrossValOptions {
  data: CvData;
  head: HeadSpec;
  settings: CvTrainSettings;
  folds: number;
  /** Fold assignment (default: stratified by label, grouped by `data.groupKeys`, seeded by settings.seed). */
  fold?: Int32Array;
  /**
   * Let each fold's held-out part play the run's validation split (early stopping, restore best), as
   * `train` uses its validation split. Off: every fold trains exactly `epochs` epochs, blind to it.
   */
  heldOutAsValidation?: boolean;
  signal?: AbortSignal;
  /** After each fold: (folds done, folds). */
  onFold?: (done: number, total: number) => void;
}

export interface CrossValResult {
  /** Out-of-fold probabilities, row-major [n × classes]: each row from the model that never saw it. */
  probs: Float32Array;
  fold: Int32Array;
  accuracy: number;
  /** Mean held-out cross-entropy. */
  logLoss: number;
  foldAccuracy: number[];
  ms: number;
}

/**
 * k-fold cross-validation of one head on cached features, with the engine's own head builder and
 * training loop (so the score is that of the procedure `train` runs). No fold sees its held-out items:
 * training runs without a validation set (the held-out fold is only predicted at the end).
 */
export async function crossValidate(o: CrossValOptions): Promise<CrossValResult> {
  const t0 = Date.now();
  const { data, settings } = o;
  const n = data.items.length;
  const C = data.numClasses;
  const labels = data.labels;
  const fold = o.fold ?? stratifiedGroupFolds(labels, data.groupKeys, o.folds, settings.seed);
  const k = Math.max(...fold) + 1;
  const { items, shape } = await data.inputsFor(o.head);
  const probs = new Float32Array(n * C);
  const foldAccuracy: number[] = [];
  for (let f = 0; f < k; f++) {
    if (o.signal?.aborted) throw new Error('stopped');
    const trainIdx: number[] = [];
    const heldIdx: number[] = [];
    for (let i = 0; i < n; i++) (fold[i] === f ? heldIdx : trainIdx).push(i);
    if (heldIdx.length === 0) continue;
    const p = await fitAndPredict(
      trainIdx.map((i) => items[i]),
      heldIdx.map((i) => items[i]),
      shape,
      data.featureShape,
      C,
      o.head,
      settings,
      mixSeed(settings.seed, f),
      o.heldOutAsValidation ?? false,
      o.signal,
    );
    let correct = 0;
    heldIdx.forEach((i, j) => {
      const row = p.subarray(j * C, (j + 1) * C);
      probs.set(row, i * C);
      if (argmax(row) === labels[i]) correct++;
    });
    foldAccuracy.push(correct / heldIdx.length);
    o.onFold?.(f + 1, k);
  }
  let correct = 0;
  let loss = 0;
  for (let i = 0; i < n; i++) {
    const row = probs.subarray(i * C, (i + 1) * C);
    if (argmax(row) === labels[i]) correct++;
    loss -= Math.log(Math.max(row[labels[i]], 1e-7));
  }
  return { probs, fold, accuracy: correct / n, logLoss: loss / n, foldAccuracy, ms: Date.now() - t0 };
}

export function argmax(row: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < row.length; i++) if (row[i] > row[best]) best = i;
  return best;
}

/** Build, train (buildHead + trainLoop, as a run does) and predict held-out items; disposes the head. */
export async function fitAndPredict(
  train: FeatureItem[],
  heldOut: FeatureItem[],
  inputShape: number[],
  featureShape: number[],
  numClasses: number,
  spec: HeadSpec,
  settings: CvTrainSettings,
  seed: number,
  heldOutAsValidation: boolean,
  signal?: AbortSignal,
): Promise<Float32Array> {
  const head = buildHead(spec, featureShape, numClasses, seed);
  try {
    const pooled = inputShape.length !== featureShape.length;
    const models = pooled
      ? hoistPooling(spec, head, [], featureShape)
      : { model: head.model, logits: head.logits, inputShape };
    const counts = new Array<number>(numClasses).fill(0);
    for (const it of train) counts[it.file.classIndex]++;
    let step = 0;
    const res = await trainLoop({
      jobId: 'cross-validation',
      phase: 'head',
      forward: (x) => {
        reseedDropout(head.layers, mixSeed(seed, ++step));
        return models.logits.apply(x, { training: true }) as tf.Tensor2D;
      },
      regularization: () => {
        const losses = head.model.calculateLosses();
        return losses.length ? (tf.addN(losses) as tf.Scalar) : null;
      },
      variables: head.model.trainableWeights.map((w) => w.read() as tf.Variable),
      snapshotWeights: head.model.weights,
      train: featureTrainSource(train, inputShape),
      val: heldOutAsValidation ? featureValSource(heldOut, inputShape, models.model) : null,
      config: heldOutAsValidation ? settings : { ...settings, earlyStopping: null },
      learningRate: settings.learningRate,
      epochs: settings.epochs,
      epochOffset: 0,
      classWeights: settings.classWeight === 'balanced' ? balancedClassWeights(counts) : null,
      shuffle: seededShuffle(seed),
      signal,
    });
    if (res.stopped) throw new Error('stopped');
    reseedDropout(head.layers, null);
    const src = featureValSource(heldOut, inputShape, models.model);
    const out = new Float32Array(heldOut.length * numClasses);
    for (let s = 0; s < heldOut.length; s += 256) {
      const p = await src.predict(s, Math.min(heldOut.length, s + 256));
      out.set(await p.data(), s * numClasses);
      p.dispose();
    }
    return out;
  } finally {
    disposeLayers(head.layers);
  }
}

/**
 * Free a head's weights. `LayersModel.dispose` only decrements each layer's reference count, and a
 * layer applied in two graphs (the head and its pooled twin) would keep its weights forever.
 */
export function disposeLayers(layers: tf.layers.Layer[]): void {
  for (const l of layers) {
    try {
      while (l.dispose().refCountAfterDispose > 0);
    } catch {
      // Never built or already freed: nothing to release.
    }
  }
}
