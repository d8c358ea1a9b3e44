import type { HeadLayer, HeadSpec } from '@shared/head';
import { inferHead } from '@shared/head-shape';
import { tf } from '../tf';
import { CodedError } from '@shared/errors';

export class HeadSpecError extends CodedError {
  override name = 'HeadSpecError';
  constructor(message: string) {
    super('BAD_REQUEST', message);
  }
}

function makeLayer(layer: HeadLayer, index: number, seed: number): tf.layers.Layer {
  const name = `head_${index}_${layer.type}`;
  switch (layer.type) {
    case 'globalAveragePooling':
      return tf.layers.globalAveragePooling2d({ name });
    case 'globalMaxPooling':
      return tf.layers.globalMaxPooling2d({ name });
    case 'flatten':
      return tf.layers.flatten({ name });
    case 'dense':
      return tf.layers.dense({
        name,
        units: layer.units,
        activation: layer.activation as 'relu',
        kernelInitializer: tf.initializers.glorotUniform({ seed: seed + index }),
        kernelRegularizer: layer.l2 ? tf.regularizers.l2({ l2: layer.l2 }) : undefined,
      });
    case 'dropout':
      // No seed: a seeded tfjs dropout draws the same mask on every call.
      return tf.layers.dropout({ name, rate: layer.rate });
    case 'batchNormalization':
      return tf.layers.batchNormalization({ name });
  }
}

export interface Head {
  /** Feature map → class probabilities. */
  model: tf.LayersModel;
  /** Feature map → logits (same layers and weights, minus the softmax): what training differentiates. */
  logits: tf.LayersModel;
  /** The head's layers, in order, classifier last: apply them to a base's output to build the full model. */
  layers: tf.layers.Layer[];
}

/** Build the head (validated by shape inference first, so a bad stack never reaches tfjs). */
export function buildHead(spec: HeadSpec, featureShape: number[], numClasses: number, seed = 42): Head {
  const info = inferHead(spec, featureShape, numClasses);
  if (info.error) throw new HeadSpecError(`head layer ${info.error.index + 1}: ${info.error.message}`);
  const layers = spec.layers.map((l, i) => makeLayer(l, i, seed));
  // Logits and softmax as separate layers: training takes the loss from logits (stable when the
  // softmax saturates), while every saved model still ends in probabilities.
  layers.push(
    tf.layers.dense({
      name: 'head_logits',
      units: numClasses,
      kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 1000 }),
    }),
    tf.layers.activation({ name: 'head_softmax', activation: 'softmax' }),
  );
  const input = tf.input({ shape: featureShape, name: 'head_input' });
  const logits = applyLayers(layers.slice(0, -1), input);
  const probs = layers[layers.length - 1].apply(logits) as tf.SymbolicTensor;
  return {
    model: tf.model({ inputs: input, outputs: probs, name: 'head' }),
    logits: tf.model({ inputs: input, outputs: logits, name: 'head_logits_model' }),
    layers,
  };
}

export function applyLayers(layers: tf.layers.Layer[], x: tf.SymbolicTensor): tf.SymbolicTensor {
  return layers.reduce((t, l) => l.apply(t) as tf.SymbolicTensor, x);
}

/**
 * Give every dropout layer a fresh seed before a training step. tfjs draws an unseeded mask from
 * Math.random (runs not reproducible) and a seeded layer reuses one mask forever; a seed per step from
 * the run's seed gives new masks each step and the same run every time. `null` clears it again.
 */
export function reseedDropout(layers: tf.layers.Layer[], seed: number | null): void {
  for (const l of layers)
    if (l.getClassName() === 'Dropout') (l as unknown as { seed?: number }).seed = seed ?? undefined;
}
