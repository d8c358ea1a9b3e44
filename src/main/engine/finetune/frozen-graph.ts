import { attr, GraphBuilder } from '../export/savedmodel/graph-builder';
import { T } from '../export/savedmodel/emit-common';
import { loadAsGraphModel } from '../export/savedmodel/graph-model';
import { walkContainer } from '../export/savedmodel/walk';
import { tf } from '../tf';

/**
 * A frozen (never-training) model with any number of outputs, run for its values only. Plain arrays in
 * and out, so a runner on another engine (ONNX Runtime) fits the same slot.
 */
export type FrozenRunner = FrozenRunnerCommon &
  (
    | {
        reads: 'floats';
        /** `input`: n preprocessed images, [n, h, w, 3] flat. Returns one [n × size] array per output. */
        run(input: Float32Array, n: number): Promise<Float32Array[]>;
      }
    | {
        /** A graph that preprocesses its input itself (ONNX Runtime). */
        reads: 'pixels';
        /** `input`: n images' raw RGB bytes, [n, h, w, 3] flat. Returns one [n × size] array per output. */
        run(input: Uint8Array, n: number): Promise<Float32Array[]>;
      }
  );

interface FrozenRunnerCommon {
  /** What runs it: 'graph' (tfjs graph, BatchNorm folded), 'layers' (tfjs layers model), or another engine. */
  kind: string;
  /** Why a faster form was not used. */
  why?: string;
  /** One line: what runs it (device, threads). */
  describe?(): string;
  /** Float count of one sample of each output. */
  outputSizes: number[];
  dispose(): void;
}

const asList = (t: tf.Tensor | tf.Tensor[]) => (Array.isArray(t) ? t : [t]);

function tensorRunner(
  kind: string,
  model: tf.LayersModel,
  inputSize: [number, number],
  predict: (x: tf.Tensor4D) => tf.Tensor[],
  dispose: () => void,
  why?: string,
): FrozenRunner {
  return {
    kind,
    why,
    reads: 'floats',
    outputSizes: model.outputs.map((o) => (o.shape.slice(1) as number[]).reduce((a, b) => a * b, 1)),
    async run(input, n) {
      // No tidy: inside one the graph executor cannot free intermediates as it goes (see runBase).
      const x = tf.tensor4d(input, [n, ...inputSize, 3]);
      const ys = predict(x);
      x.dispose();
      const out = ys.map((y) => y.dataSync() as Float32Array);
      tf.dispose(ys);
      return out;
    },
    dispose,
  };
}

const layersRunner = (model: tf.LayersModel, inputSize: [number, number], why: string) =>
  tensorRunner(
    'layers',
    model,
    inputSize,
    (x) => asList(model.predict(x)),
    () => undefined,
    why,
  );

/** Largest |a − b| over all outputs, relative to the largest |a|. */
function relativeDiff(a: tf.Tensor[], b: tf.Tensor[]): number {
  let diff = 0;
  let scale = 0;
  a.forEach((t, i) => {
    scale = Math.max(scale, tf.max(tf.abs(t)).dataSync()[0]);
    diff = Math.max(diff, tf.max(tf.abs(tf.sub(t, b[i]))).dataSync()[0]);
  });
  return diff / (scale || 1);
}

/**
 * The multi-output generalisation of `extract/compiled-base.ts`: the model as a tfjs-converter graph
 * with BatchNorm folded into the convolutions (the SavedModel export's walker and emitters), one
 * `output_<i>` node per model output. The walker refuses to fold a BatchNorm whose input is itself an
 * output, so a boundary tensor taken between a conv and its BatchNorm stays exact. Checked against the
 * layers model on a probe batch; any mismatch or unsupported layer falls back to the layers model.
 */
export async function compileFrozen(
  model: tf.LayersModel,
  inputSize: [number, number],
): Promise<FrozenRunner> {
  const names = model.outputs.map((_, i) => `output_${i}`);
  let gm: tf.GraphModel;
  try {
    const [h, w] = inputSize;
    const b = new GraphBuilder(['images', ...names]);
    const images = b.addReserved('images', 'Placeholder', [], {
      dtype: attr.type('DT_FLOAT'),
      shape: attr.shape([-1, h, w, 3]),
    });
    const outs = walkContainer(b, model, [images], '');
    outs.forEach((o, i) => b.addReserved(names[i], 'Identity', [o], T));
    gm = await loadAsGraphModel(b.graphDef());
  } catch (e) {
    return layersRunner(model, inputSize, `graph form unavailable: ${(e as Error).message}`);
  }
  const execute = (x: tf.Tensor4D) => asList(gm.execute({ images: x }, names) as tf.Tensor | tf.Tensor[]);
  const diff = tf.tidy(() => {
    const probe = tf.randomUniform([2, ...inputSize, 3], -1, 1, 'float32', 7) as tf.Tensor4D;
    return relativeDiff(asList(model.predict(probe)), execute(probe));
  });
  if (!(diff <= 1e-4)) {
    gm.dispose();
    const why = `graph form disagrees with the layers model (relative ${diff.toExponential(1)})`;
    return layersRunner(model, inputSize, why);
  }
  return tensorRunner('graph', model, inputSize, execute, () => gm.dispose());
}
