import type { ExtractItem, PixelOptions, PreparedBatch } from '../extract/batch';
import { preparePixelBatch, releaseBatch } from '../extract/batch';
import type { BatchResult, Extractor } from '../extract/pool';
import type { FeatureBase } from '../bases/load';
import { preprocessInto } from '../image/preprocess';
import { tf } from '../tf';
import { mulberry32 } from '@shared/random';
import { compileFeatureModel } from './compiler';
import type { DevicePreference } from './devices';
import {
  createSession,
  describeDevice,
  loadOrt,
  type DeviceReport,
  type Ort,
  type OrtSession,
} from './session';
import { ortBatchSize } from './tuning';

/** ORT and tfjs features must agree this closely (relative to the largest feature) to share a cache key. */
export const FEATURE_TOLERANCE = 1e-4;

export interface OrtExtractorOptions {
  device?: DevicePreference;
  threads?: number;
  /** Images per run (default: tuned per base). */
  batchSize?: number;
  /**
   * Pool each feature map globally inside the graph and return vectors: what a pooling head stores.
   * A batch's output is then 32 × 1280 floats instead of 32 × 7 × 7 × 1280 (no 8 MB buffer to fill,
   * transpose and pool per batch).
   */
  pool?: 'avg' | 'max' | null;
}

/** The base's layers model, ending in global pooling when asked (shares the base's layers and weights). */
function featureModel(base: FeatureBase, pool: 'avg' | 'max' | null | undefined): tf.LayersModel {
  if (!pool) return base.model;
  const layer =
    pool === 'avg'
      ? tf.layers.globalAveragePooling2d({ dataFormat: 'channelsLast' })
      : tf.layers.globalMaxPooling2d({ dataFormat: 'channelsLast' });
  return tf.model({
    inputs: base.model.inputs,
    outputs: layer.apply(base.model.outputs[0]) as tf.SymbolicTensor,
  });
}

/**
 * n seeded noise images: their bytes (what a bytes-reading session gets) and them through the base's own
 * preprocessing (what tfjs gets): realistic input ranges for any mode.
 */
export function probeInput(base: FeatureBase, n = 1): { bytes: Uint8Array; floats: Float32Array } {
  const [h, w] = base.inputSize;
  const rand = mulberry32(7);
  const bytes = Uint8Array.from({ length: n * h * w * 3 }, () => Math.floor(rand() * 256));
  const floats = new Float32Array(bytes.length);
  preprocessInto({ width: n * w, height: h, data: bytes }, base.preprocessing, floats);
  return { bytes, floats };
}

/** Largest |got − ref| relative to ref's largest magnitude; Infinity when the lengths differ. */
export function relativeDiff(got: ArrayLike<number>, ref: ArrayLike<number>): number {
  if (got.length !== ref.length) return Infinity;
  let scale = 0;
  let diff = 0;
  for (let i = 0; i < ref.length; i++) {
    scale = Math.max(scale, Math.abs(ref[i]));
    diff = Math.max(diff, Math.abs(ref[i] - got[i]));
  }
  return diff / (scale || 1);
}

/** Why a session's features differ from the tfjs layers model's on a probe image, or null. */
async function disagreement(
  ort: Ort,
  session: OrtSession,
  base: FeatureBase,
  model: tf.LayersModel,
): Promise<string | null> {
  const [h, w] = base.inputSize;
  const x = probeInput(base);
  const out = await session.run({ images: new ort.Tensor('uint8', x.bytes, [1, h, w, 3]) });
  const got = out.features.data as Float32Array;
  const ref = tf.tidy(() => (model.predict(tf.tensor4d(x.floats, [1, h, w, 3])) as tf.Tensor).dataSync());
  if (got.length !== ref.length) return `features have ${got.length} values, tfjs gives ${ref.length}`;
  const rel = relativeDiff(got, ref);
  return rel <= FEATURE_TOLERANCE
    ? null
    : `its features differ from tfjs by ${rel.toExponential(1)} (relative), more than ${FEATURE_TOLERANCE}`;
}

/**
 * The frozen base on ONNX Runtime: compiled once to ONNX, ONE session using every core (or a GPU),
 * checked against tfjs on a probe image so cached features never depend on the device. Decoding (sharp,
 * on libuv's pool) of the next batch runs while a batch is in the session: callers keep a few run()
 * calls in flight (extractFeatures does), and runs are queued in order.
 */
export class OrtExtractor implements Extractor {
  readonly engines = 1;
  forwardPasses = 0;
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly ort: Ort,
    private readonly session: OrtSession,
    readonly report: DeviceReport,
    private readonly pixel: PixelOptions,
    readonly batchSize: number,
    /** Milliseconds spent compiling and starting the session. */
    readonly startupMs: number,
    private readonly pooled: 'avg' | 'max' | undefined,
  ) {}

  /** Throws OnnxCompileError (a layer it cannot compile, named) or OrtDeviceError (no device could start). */
  static async create(
    base: FeatureBase,
    pixel: PixelOptions,
    opts: OrtExtractorOptions = {},
  ): Promise<OrtExtractor> {
    const t0 = performance.now();
    const model = featureModel(base, opts.pool);
    // The graph reads raw RGB bytes and preprocesses them itself, as the base's row in the table says.
    const compiled = compileFeatureModel(model, {}, pixel.preprocessing);
    const ort = await loadOrt();
    const { session, report } = await createSession(compiled.bytes, {
      device: opts.device,
      threads: opts.threads,
      verify: (s) => disagreement(ort, s, base, model),
    });
    const batch = opts.batchSize ?? ortBatchSize(base);
    const startup = performance.now() - t0;
    return new OrtExtractor(ort, session, report, pixel, batch, startup, opts.pool ?? undefined);
  }

  describe(): string {
    return describeDevice(this.report, `, batch ${this.batchSize}`);
  }

  async run(items: ExtractItem[]): Promise<BatchResult> {
    const batch = await preparePixelBatch(items, this.pixel);
    try {
      return await this.runPrepared(batch);
    } finally {
      releaseBatch(batch);
    }
  }

  /** Inference alone on an already decoded batch of raw pixels (queued behind the runs in flight). */
  async runPrepared(batch: PreparedBatch<Uint8Array>): Promise<BatchResult> {
    if (batch.okCount === 0) return { features: new Float32Array(0), errors: batch.errors };
    const [h, w] = this.pixel.inputSize;
    const run = this.queue.then(() =>
      this.session.run({ images: new this.ort.Tensor('uint8', batch.input, [batch.okCount, h, w, 3]) }),
    );
    this.queue = run.catch(() => undefined);
    const out = await run;
    this.forwardPasses += batch.okCount;
    return { features: out.features.data as Float32Array, errors: batch.errors, pooled: this.pooled };
  }

  async close(): Promise<void> {
    await this.queue;
    await this.session.release();
  }
}
