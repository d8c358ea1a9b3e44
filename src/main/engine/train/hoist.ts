import type { HeadSpec } from '@shared/head';
import type { FeatureItem, FeatureSet } from '../extract/features';
import type { Head } from '../head/build';
import type { StoredForm } from '../store/store';
import { tf } from '../tf';

export { globalPool } from '../store/pool';

/**
 * What the feature store should keep for this head: with a frozen base, a head that starts with global
 * pooling only ever sees pooled vectors (the pooling has no weights), so 1/(H·W) of the data is stored
 * and trained on. Anything else (Flatten, Dense on the map) needs the full map.
 */
export function storedFormFor(spec: HeadSpec, featureShape: number[]): StoredForm {
  if (featureShape.length !== 3) return 'full';
  const first = spec.layers[0]?.type;
  return first === 'globalAveragePooling' ? 'avg' : first === 'globalMaxPooling' ? 'max' : 'full';
}

export interface HeadTraining {
  items: FeatureItem[];
  inputShape: number[];
  model: tf.LayersModel;
  logits: tf.LayersModel;
}

/**
 * The models that train on the set's rows. Full maps go through the whole head; pooled vectors go
 * through models that share the head's layers (and so its weights) minus the pooling layer.
 */
export function hoistPooling(
  spec: HeadSpec,
  head: Head,
  set: Pick<FeatureSet, 'form' | 'featureShape' | 'vectorShape' | 'items'>,
): HeadTraining {
  if (set.form === 'full')
    return { items: set.items, inputShape: set.vectorShape, model: head.model, logits: head.logits };
  const wanted = storedFormFor(spec, set.featureShape);
  if (wanted !== set.form)
    throw new Error(
      `features are ${set.form}-pooled but the head needs ${wanted === 'full' ? 'full maps' : wanted}`,
    );
  const input = tf.input({ shape: set.vectorShape, name: 'head_pooled_input' });
  const rest = head.layers.slice(1);
  const logits = rest.slice(0, -1).reduce((t, l) => l.apply(t) as tf.SymbolicTensor, input);
  const probs = rest[rest.length - 1].apply(logits) as tf.SymbolicTensor;
  return {
    items: set.items,
    inputShape: set.vectorShape,
    model: tf.model({ inputs: input, outputs: probs, name: 'head_pooled' }),
    logits: tf.model({ inputs: input, outputs: logits, name: 'head_pooled_logits' }),
  };
}
