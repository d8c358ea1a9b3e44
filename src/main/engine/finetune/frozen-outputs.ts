import type { FeatureBase } from '../bases/load';
import type { BoundaryOutputs } from '../extract/protocol';
import { globalPool } from '../train/hoist';
import { tf } from '../tf';
import { compileFrozen, type FrozenRunner } from './frozen-graph';
import { chooseUnfrozen, splitAtBoundary, type BoundarySplit } from './split';

export type { BoundaryOutputs };

/** The frozen pass of a boundary fine-tune: one row per image holding every array a store entry keeps. */
export interface BoundaryRunner {
  split: BoundarySplit;
  /** Floats of each array of a row: every boundary tensor, then the feature map / pooled vector if asked. */
  entrySizes: number[];
  /** Compiles the frozen graph (once; `run` does it too): what runs it, and why not a faster form. */
  ready(): Promise<{ kind: 'graph' | 'layers'; why?: string }>;
  /** n preprocessed images → [n × Σ entrySizes], item-major. */
  run(input: Float32Array, n: number): Promise<Float32Array>;
  dispose(): void;
}

/**
 * One frozen model for both uses of a fine-tuning run's single pass over the images: its outputs are
 * the boundary tensors (fine-tuning) and the base's feature map (the head phase), compiled as one graph.
 * The feature map is pooled here when the head pools first: the row stays small.
 */
export async function buildBoundaryRunner(base: FeatureBase, o: BoundaryOutputs): Promise<BoundaryRunner> {
  const split = splitAtBoundary(base.model, chooseUnfrozen(base.model, o.fineTune));
  const withFeatures = o.features !== 'none';
  const model = withFeatures
    ? tf.model({ inputs: base.model.inputs, outputs: [...split.frozen.outputs, base.model.outputs[0]] })
    : split.frozen;
  // Compiled on first use: a warm store, or engines in worker threads, never need it here.
  let compiled: Promise<FrozenRunner> | null = null;
  const compile = () => (compiled ??= compileFrozen(model, base.inputSize));
  const outputSizes = model.outputs.map((t) => (t.shape.slice(1) as number[]).reduce((a, b) => a * b, 1));
  const channels = base.featureShape[base.featureShape.length - 1];
  const pool = o.features === 'avg' || o.features === 'max' ? o.features : null;
  const sizes = [...outputSizes];
  if (pool) sizes[sizes.length - 1] = channels;
  const row = sizes.reduce((a, b) => a + b, 0);
  return {
    split,
    entrySizes: sizes,
    async ready() {
      const r = await compile();
      return { kind: r.kind === 'graph' ? 'graph' : 'layers', why: r.why };
    },
    async run(input, n) {
      const outs = await (await compile()).run(input, n);
      const rows = new Float32Array(n * row);
      for (let k = 0; k < n; k++) {
        let at = k * row;
        outs.forEach((o, j) => {
          const size = outputSizes[j];
          const one = o.subarray(k * size, (k + 1) * size);
          const v = pool && j === outs.length - 1 ? globalPool(one, channels, pool) : one;
          rows.set(v, at);
          at += v.length;
        });
      }
      return rows;
    },
    dispose: () => void compiled?.then((r) => r.dispose()),
  };
}
