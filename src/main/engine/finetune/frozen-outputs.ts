import type { FeatureBase } from '../bases/load';
import type { BoundaryOutputs } from '../extract/protocol';
import type { DevicePreference } from '../onnx/devices';
import { preprocessInto, type Preprocessing } from '../image/preprocess';
import { globalPool } from '../store/pool';
import { tf } from '../tf';
import { compileFrozen, type FrozenRunner } from './frozen-graph';
import { ortFrozenRunner } from './frozen-ort';
import { chooseUnfrozen, splitAtBoundary, type BoundarySplit } from './split';

export type { BoundaryOutputs };

/** What one frozen pass of a boundary fine-tune computes per image view, and how a row is laid out. */
export interface BoundaryLayout {
  split: BoundarySplit;
  /**
   * Floats of each array of a row: every boundary tensor (in `split.boundary` order), then the head's
   * feature vector (the feature map, pooled when the head pools first).
   */
  entrySizes: number[];
  /** Base input → every boundary tensor that is not the input itself, then the feature map. */
  model: tf.LayersModel;
}

/** The frozen pass's layout for a fine-tune spec: its boundary and one model for both of its uses. */
export function boundaryLayout(base: FeatureBase, o: BoundaryOutputs): BoundaryLayout {
  const split = splitAtBoundary(base.model, chooseUnfrozen(base.model, o.fineTune));
  const model = tf.model({
    inputs: base.model.inputs,
    outputs: [...(split.frozen?.outputs ?? []), base.model.outputs[0]],
    name: `${base.model.name}_frozen_pass`,
  });
  const channels = base.featureShape[base.featureShape.length - 1];
  const featureSize = base.featureShape.reduce((a, b) => a * b, 1);
  const entrySizes = [...split.boundary.map((b) => b.size), o.features === 'full' ? featureSize : channels];
  return { split, entrySizes, model };
}

/** The frozen pass of a boundary fine-tune: one row per image view holding every array a row keeps. */
export interface BoundaryRunner {
  layout: BoundaryLayout;
  /** What runs it: 'onnxruntime', 'graph' (tfjs, BatchNorm folded) or 'layers' (tfjs layers model). */
  kind: string;
  /** Why a faster form was not used. */
  why?: string;
  describe(): string;
  /** n images' raw RGB bytes ([n, h, w, 3] flat) → [n × Σ entrySizes], item-major. */
  run(pixels: Uint8Array, n: number): Promise<Float32Array>;
  dispose(): void;
}

/**
 * Preprocesses byte batches for a runner that reads floats, into one buffer reused from batch to batch
 * (a fresh 19 MB array per batch costs more in page faults than filling it). The runner copies its input.
 */
function floatsFor(mode: Preprocessing): (bytes: Uint8Array) => Float32Array {
  let buffer = new Float32Array(0);
  return (bytes) => {
    if (buffer.length < bytes.length) buffer = new Float32Array(bytes.length);
    const out = buffer.subarray(0, bytes.length);
    // One long row of pixels: the mode works per channel only.
    preprocessInto({ width: bytes.length / 3, height: 1, data: bytes }, mode, out);
    return out;
  };
}

export type FrozenEngine = { kind: 'onnxruntime'; device: DevicePreference } | { kind: 'tfjs' };

/**
 * One frozen model for both uses of a fine-tuning run's single pass over the images: its outputs are
 * the boundary tensors (fine-tuning) and the base's feature map (the head phase). On ONNX Runtime
 * (throws OnnxCompileError / OrtDeviceError when it cannot) or as a tfjs graph (falls back to the
 * layers model by itself). The feature map is pooled here when the head pools first: the row stays small.
 */
export async function buildBoundaryRunner(
  base: FeatureBase,
  o: BoundaryOutputs,
  engine: FrozenEngine = { kind: 'tfjs' },
): Promise<BoundaryRunner> {
  const layout = boundaryLayout(base, o);
  const frozen: FrozenRunner =
    engine.kind === 'onnxruntime'
      ? await ortFrozenRunner(layout.model, base, { device: engine.device })
      : await compileFrozen(layout.model, base.inputSize);
  const { split, entrySizes } = layout;
  const channels = base.featureShape[base.featureShape.length - 1];
  const pool = o.features === 'avg' || o.features === 'max' ? o.features : null;
  const row = entrySizes.reduce((a, b) => a + b, 0);
  const pixels = base.inputSize[0] * base.inputSize[1] * 3;
  const sizes = frozen.outputSizes;
  const toFloats = floatsFor(base.preprocessing);
  return {
    layout,
    kind: frozen.kind,
    why: frozen.why,
    describe: () => frozen.describe?.() ?? `tfjs ${frozen.kind}${frozen.why ? ` (${frozen.why})` : ''}`,
    async run(bytes, n) {
      const outs =
        frozen.reads === 'pixels' ? await frozen.run(bytes, n) : await frozen.run(toFloats(bytes), n);
      const rows = new Float32Array(n * row);
      for (let k = 0; k < n; k++) {
        let at = k * row;
        let j = 0;
        for (const b of split.boundary) {
          if (b.isInput) {
            // A boundary tensor that is the input itself: the preprocessed image is what the top reads.
            const data = bytes.subarray(k * pixels, (k + 1) * pixels);
            preprocessInto({ width: pixels / 3, height: 1, data }, base.preprocessing, rows, at);
          } else {
            rows.set(outs[j].subarray(k * sizes[j], (k + 1) * sizes[j]), at);
            j++;
          }
          at += b.size;
        }
        const map = outs[j].subarray(k * sizes[j], (k + 1) * sizes[j]);
        rows.set(pool ? globalPool(map, channels, pool) : map, at);
      }
      return rows;
    },
    dispose: () => frozen.dispose(),
  };
}
