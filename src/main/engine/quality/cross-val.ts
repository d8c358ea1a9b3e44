/**
 * k-fold cross-validation of a head on stored features, with the engine's own head builder and training
 * loop (so the score is that of the procedure `train` runs).
 */
import type { HeadSpec } from '@shared/head';
import { mixSeed } from '@shared/random';
import type { TrainConfig } from '@shared/train';
import type { FeatureItem } from '../extract/features';
import { buildHead, reseedDropout } from '../head/build';
import { DTYPE } from '../store/format';
import { globalPool } from '../store/pool';
import type { StoredForm } from '../store/store';
import { MemoryTable, type FeatureTable } from '../store/table';
import { hoistPooling, storedFormFor } from '../train/hoist';
import { balancedClassWeights } from '../train/loss';
import { denseStackOf } from '../train/dense-stack';
import { fastHeadLoop } from '../train/fast-head';
import { trainLoop } from '../train/loop';
import { featureTrainSource, featureValSource, seededShuffle } from '../train/sources';
import { tf } from '../tf';
import { QualityStoppedError } from './errors';
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

/** Stored vectors of one form for the items, in item order (each item's clean view). */
export interface CvSource {
  table: FeatureTable;
  rows: ArrayLike<number>;
}

/** Items as training sources read them: one row each (their clean view in `table`). */
export interface CvInputs {
  table: FeatureTable;
  items: FeatureItem[];
  /** Shape of one row: the map for Flatten heads, [channels] for pooling heads. */
  shape: number[];
  form: StoredForm;
}

/**
 * Training items prepared once for many cross-validation fits: for each stored form available (pooled
 * vectors, full maps), the table rows of the items' clean views. A pooling head trains on pooled vectors
 * (pooling has no weights, as `hoistPooling` does in a run); a form that is missing is pooled from full
 * maps when those are there (in memory, once).
 */
export class CvData {
  private readonly forms = new Map<StoredForm, CvInputs>();
  readonly labels: Int32Array;

  constructor(
    readonly items: readonly FeatureItem[],
    readonly featureShape: number[],
    readonly numClasses: number,
    sources: Partial<Record<StoredForm, CvSource>>,
    /** Items with equal keys share a fold (default: content hash, so byte copies never straddle folds). */
    readonly groupKeys: readonly string[] = items.map((it) => it.hash),
  ) {
    if (groupKeys.length !== items.length) throw new Error('one group key per item');
    this.labels = Int32Array.from(items, (it) => it.file.classIndex);
    for (const [form, src] of Object.entries(sources) as [StoredForm, CvSource][]) {
      if (src.rows.length !== items.length) throw new Error(`${form}: one row per item`);
      this.forms.set(form, {
        table: src.table,
        items: items.map((it, i) => ({ ...it, views: [src.rows[i]] })),
        shape: form === 'full' ? featureShape : [featureShape[featureShape.length - 1]],
        form,
      });
    }
  }

  /** The same data restricted to items[indices] (their stored rows shared, nothing copied). */
  subset(indices: readonly number[]): CvData {
    const sources: Partial<Record<StoredForm, CvSource>> = {};
    for (const [form, inputs] of this.forms)
      sources[form] = { table: inputs.table, rows: indices.map((i) => inputs.items[i].views[0]) };
    return new CvData(
      indices.map((i) => this.items[i]),
      this.featureShape,
      this.numClasses,
      sources,
      indices.map((i) => this.groupKeys[i]),
    );
  }

  /** Whether a head can be cross-validated on what is stored (Flatten heads need full maps). */
  supports(spec: HeadSpec): boolean {
    const form = storedFormFor(spec, this.featureShape);
    return this.forms.has(form) || (form !== 'full' && this.forms.has('full'));
  }

  /** Items as the head's first trainable layer sees them, with that input's shape. */
  async inputsFor(spec: HeadSpec): Promise<CvInputs> {
    const form = storedFormFor(spec, this.featureShape);
    const have = this.forms.get(form);
    if (have) return have;
    const full = this.forms.get('full');
    if (form === 'full' || !full)
      throw new Error(
        `cross-validation needs ${form === 'full' ? 'full feature maps' : `${form}-pooled vectors`}`,
      );
    const channels = this.featureShape[2];
    const size = full.table.vectorSize;
    const table = new MemoryTable(this.items.length, channels, 'float32');
    const buf = new Float32Array(size);
    for (let i = 0; i < this.items.length; i++) {
      await full.table.read([full.items[i].views[0]], buf);
      const v = globalPool(buf, channels, form);
      table.set(i, DTYPE.f32, new Uint8Array(v.buffer, v.byteOffset, v.byteLength));
    }
    const pooled: CvInputs = {
      table,
      items: this.items.map((it, i) => ({ ...it, views: [i] })),
      shape: [channels],
      form,
    };
    this.forms.set(form, pooled);
    return pooled;
  }
}

export interface CrossValOptions {
  data: CvData;
  head: HeadSpec;
  settings: CvTrainSettings;
  folds: number;
  /** Fold assignment (default: stratified by label, grouped by `data.groupKeys`, seeded by settings.seed). */
  fold?: Int32Array;
  signal?: AbortSignal;
  /**
   * Each fold's held-out items also serve as its validation set, as a run's validation split does: early
   * stopping (settings.earlyStopping) and "restore best" on their loss. The score then estimates what a
   * run reports (its val accuracy at the restored epoch), still from the training split alone.
   */
  heldOutAsValidation?: boolean;
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
 * k-fold cross-validation of one head. No fold sees its held-out items: training runs without a
 * validation set for exactly `epochs` epochs (the held-out fold is only predicted at the end).
 */
export async function crossValidate(o: CrossValOptions): Promise<CrossValResult> {
  const t0 = Date.now();
  const { data, settings } = o;
  const n = data.items.length;
  const C = data.numClasses;
  const labels = data.labels;
  const fold = o.fold ?? stratifiedGroupFolds(labels, data.groupKeys, o.folds, settings.seed);
  const k = Math.max(...fold) + 1;
  const inputs = await data.inputsFor(o.head);
  const probs = new Float32Array(n * C);
  const foldAccuracy: number[] = [];
  for (let f = 0; f < k; f++) {
    if (o.signal?.aborted) throw new QualityStoppedError();
    const trainIdx: number[] = [];
    const heldIdx: number[] = [];
    for (let i = 0; i < n; i++) (fold[i] === f ? heldIdx : trainIdx).push(i);
    if (heldIdx.length === 0) continue;
    const p = await fitAndPredict({
      inputs,
      train: trainIdx.map((i) => inputs.items[i]),
      heldOut: heldIdx.map((i) => inputs.items[i]),
      featureShape: data.featureShape,
      numClasses: C,
      spec: o.head,
      settings,
      seed: mixSeed(settings.seed, f),
      signal: o.signal,
      heldOutAsValidation: o.heldOutAsValidation,
    });
    let correct = 0;
    heldIdx.forEach((i, j) => {
      const row = p.subarray(j * C, (j + 1) * C);
      probs.set(row, i * C);
      if (argmax(row) === labels[i]) correct++;
    });
    foldAccuracy.push(correct / heldIdx.length);
    o.onFold?.(f + 1, k);
  }
  const { accuracy, logLoss } = scoreProbs(probs, labels, C);
  return { probs, fold, accuracy, logLoss, foldAccuracy, ms: Date.now() - t0 };
}

/** Accuracy and mean cross-entropy of probabilities [n × classes] against labels. */
export function scoreProbs(
  probs: Float32Array,
  labels: ArrayLike<number>,
  C: number,
): { accuracy: number; logLoss: number } {
  const n = labels.length;
  let correct = 0;
  let loss = 0;
  for (let i = 0; i < n; i++) {
    const row = probs.subarray(i * C, (i + 1) * C);
    if (argmax(row) === labels[i]) correct++;
    loss -= Math.log(Math.max(row[labels[i]], 1e-7));
  }
  return { accuracy: n ? correct / n : 0, logLoss: n ? loss / n : 0 };
}

export function argmax(row: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < row.length; i++) if (row[i] > row[best]) best = i;
  return best;
}

export interface FitInput {
  inputs: Pick<CvInputs, 'table' | 'shape' | 'form'>;
  train: FeatureItem[];
  heldOut: FeatureItem[];
  featureShape: number[];
  numClasses: number;
  spec: HeadSpec;
  settings: CvTrainSettings;
  seed: number;
  signal?: AbortSignal;
  heldOutAsValidation?: boolean;
}

/** Build, train (buildHead + trainLoop, as a run does) and predict held-out items; frees the head. */
export async function fitAndPredict(o: FitInput): Promise<Float32Array> {
  const { inputs, numClasses: C } = o;
  const head = buildHead(o.spec, o.featureShape, C, o.seed);
  try {
    const models = hoistPooling(o.spec, head, {
      form: inputs.form,
      featureShape: o.featureShape,
      vectorShape: inputs.shape,
      items: [],
    });
    const counts = new Array<number>(C).fill(0);
    for (const it of o.train) counts[it.file.classIndex]++;
    const train = featureTrainSource(inputs.table, o.train, inputs.shape, o.seed);
    const classWeights = o.settings.classWeight === 'balanced' ? balancedClassWeights(counts) : null;
    const heldOut = featureValSource(inputs.table, o.heldOut, inputs.shape, models.model);
    const asVal = o.heldOutAsValidation ?? false;
    const config = { ...o.settings, earlyStopping: asVal ? o.settings.earlyStopping : null };
    let step = 0;
    // Pooled vectors through Dense/Dropout layers: the fast head loop, as a run trains them (same
    // results, a fraction of tfjs' per-op dispatch, which was most of cross-validation's time).
    const dense = inputs.shape.length === 1 ? denseStackOf(models.logits) : null;
    // What both loops are told alike; they differ only in how the head computes.
    const loop = {
      jobId: 'cross-validation',
      phase: 'head' as const,
      train,
      val: asVal ? heldOut : null,
      config,
      learningRate: o.settings.learningRate,
      epochs: o.settings.epochs,
      epochOffset: 0,
      classWeights,
      shuffle: seededShuffle(o.seed),
      signal: o.signal,
    };
    const res =
      dense && 'stack' in dense
        ? await fastHeadLoop({ ...loop, stack: dense.stack, stepSeed: () => mixSeed(o.seed, ++step) })
        : await trainLoop({
            ...loop,
            forward: (x) => {
              reseedDropout(head.layers, mixSeed(o.seed, ++step));
              return models.logits.apply(x, { training: true }) as tf.Tensor2D;
            },
            regularization: () => {
              const losses = head.model.calculateLosses();
              return losses.length ? (tf.addN(losses) as tf.Scalar) : null;
            },
            variables: head.model.trainableWeights.map((w) => w.read() as tf.Variable),
            snapshotWeights: head.model.weights,
          });
    if (res.stopped) throw new QualityStoppedError();
    reseedDropout(head.layers, null);
    const src = heldOut;
    const out = new Float32Array(o.heldOut.length * C);
    for (let s = 0; s < o.heldOut.length; s += 256) {
      const p = await src.predict(s, Math.min(o.heldOut.length, s + 256));
      out.set(await p.data(), s * C);
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
