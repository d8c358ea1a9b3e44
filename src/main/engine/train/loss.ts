import type { OptimizerName } from '@shared/train';
import { tf } from '../tf';

/** Keras' `class_weight='balanced'`: n_samples / (n_classes * count[c]). */
export function balancedClassWeights(counts: number[]): number[] {
  const n = counts.reduce((a, b) => a + b, 0);
  const k = counts.filter((c) => c > 0).length;
  return counts.map((c) => (c > 0 ? n / (k * c) : 0));
}

/**
 * Mean over the batch of per-sample cross-entropy times its class weight (Keras semantics).
 * `fromLogits` uses log-softmax: its gradient never vanishes the way clipped probabilities' does.
 */
export function weightedCrossEntropy(
  out: tf.Tensor2D,
  labels: tf.Tensor1D,
  classWeights: tf.Tensor1D | null,
  fromLogits = false,
): tf.Scalar {
  return tf.tidy(() => {
    const numClasses = out.shape[1];
    const oneHot = tf.oneHot(labels, numClasses).toFloat();
    const logp = fromLogits ? tf.logSoftmax(out) : tf.log(tf.clipByValue(out, 1e-7, 1));
    const ce = tf.neg(tf.sum(tf.mul(oneHot, logp), 1));
    const w = classWeights ? tf.gather(classWeights, labels) : null;
    return (w ? tf.mean(tf.mul(ce, w)) : tf.mean(ce)) as tf.Scalar;
  });
}

export function makeOptimizer(name: OptimizerName, lr: number, momentum: number): tf.Optimizer {
  switch (name) {
    case 'adam':
      return tf.train.adam(lr);
    case 'sgd':
      return tf.train.momentum(lr, momentum);
    case 'rmsprop':
      return tf.train.rmsprop(lr);
  }
}

export function countCorrect(scores: tf.Tensor2D, labels: Int32Array): number {
  const pred = tf.tidy(() => tf.argMax(scores, 1).dataSync());
  let c = 0;
  for (let i = 0; i < labels.length; i++) if (pred[i] === labels[i]) c++;
  return c;
}
