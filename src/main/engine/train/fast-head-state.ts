/**
 * The fast head trainer's state in trainLoop's checkpoint shapes, so epoch-end checkpoints and resumes
 * work on either path: the optimizer state as a real tfjs optimizer (getWeights() order and slot names
 * as tfjs' own: every variable's first slot, then every variable's second…; Adam's running β powers as
 * its scalar fields), best weights as tensors in the head's weight order.
 */
import type { EpochMetrics, Phase } from '@shared/engine-events';
import type { OptimizerName } from '@shared/train';
import { tf } from '../tf';
import { makeOptimizer } from './loss';

/** Slot names per optimizer, in tfjs' getWeights() order. */
const SLOTS: Record<OptimizerName, string[]> = {
  adam: ['m', 'v'],
  sgd: ['momentum'],
  rmsprop: ['rms', 'momentum'],
};

export interface NamedTensor {
  name: string;
  tensor: tf.Tensor;
}

export interface BestTensors {
  epoch: number;
  valLoss: number;
  weights: tf.Tensor[];
}

/** Where a phase continues from (as trainLoop's `resume`; the loop takes ownership of the tensors). */
export interface FastResume {
  epochs: number;
  history: EpochMetrics[];
  best: BestTensors | null;
  sinceBest: number;
  optimizer: NamedTensor[] | null;
  optimizerScalars?: Record<string, number>;
}

/** What an epoch-end hook gets (as trainLoop's `onEpochEnd`). */
export interface FastEpochEnd {
  phase: Phase;
  epochs: number;
  history: readonly EpochMetrics[];
  best: Readonly<BestTensors> | null;
  sinceBest: number;
  optimizer: tf.Optimizer;
  weights: readonly tf.LayerVariable[];
}

export interface OptimizerArrays {
  name: OptimizerName;
  /** Per trainable variable (head weight order), its slot arrays (SLOTS order). */
  state: Float32Array[][];
  scalars: Record<string, number>;
  iterations: number;
}

/** A tfjs optimizer holding this state (its slots named after `variables`); dispose it after use. */
export async function toTfOptimizer(
  s: OptimizerArrays,
  variables: tf.LayerVariable[],
  lr: number,
  momentum: number,
): Promise<tf.Optimizer> {
  const opt = makeOptimizer(s.name, lr, momentum);
  const slots: NamedTensor[] = [{ name: 'iter', tensor: tf.scalar(s.iterations, 'int32') }];
  SLOTS[s.name].forEach((slot, k) =>
    variables.forEach((v, i) =>
      slots.push({
        name: `${(v.read() as tf.Variable).name}/${slot}`,
        tensor: tf.tensor(s.state[i][k], v.shape as number[]),
      }),
    ),
  );
  await opt.setWeights(slots);
  tf.dispose(slots.map((t) => t.tensor)); // the optimizer made its own variables of them
  const own = opt as unknown as Record<string, unknown>;
  for (const [k, value] of Object.entries(s.scalars)) {
    const v = own[k];
    if (v instanceof tf.Variable) tf.tidy(() => v.assign(tf.scalar(value, v.dtype)));
  }
  return opt;
}

/** Loads a checkpoint's optimizer weights (tfjs getWeights() order) into the arrays; disposes them. */
export async function fromTfWeights(
  s: OptimizerArrays,
  weights: NamedTensor[],
  scalars: Record<string, number> | undefined,
): Promise<void> {
  try {
    const slots = SLOTS[s.name];
    const [iter, ...rest] = weights;
    if (rest.length !== slots.length * s.state.length)
      throw new Error(
        `optimizer state has ${rest.length} slots, the head needs ${slots.length * s.state.length}`,
      );
    s.iterations = (await iter.tensor.data())[0];
    for (let k = 0; k < slots.length; k++)
      for (let i = 0; i < s.state.length; i++)
        s.state[i][k].set(await rest[k * s.state.length + i].tensor.data());
    // Without recorded scalars, tfjs' own setWeights rule: β^(iterations+1).
    if ('accBeta1' in s.scalars) {
      s.scalars.accBeta1 = scalars?.accBeta1 ?? Math.fround(0.9 ** (s.iterations + 1));
      s.scalars.accBeta2 = scalars?.accBeta2 ?? Math.fround(0.999 ** (s.iterations + 1));
    }
  } finally {
    tf.dispose(weights.map((w) => w.tensor));
  }
}
