import type { HeadSpec } from '../../../shared/head';
import type { FeatureItem, FeatureVector } from '../extract/features';
import type { Head } from '../head/build';
import { tf } from '../tf';

/** Global pooling over an [H, W, C] feature map stored HWC-flat. */
export function globalPool(f: Float32Array, channels: number, mode: 'avg' | 'max'): Float32Array {
  const out = new Float32Array(channels);
  const positions = f.length / channels;
  if (mode === 'max') out.fill(-Infinity);
  for (let p = 0; p < positions; p++) {
    const o = p * channels;
    if (mode === 'avg') for (let c = 0; c < channels; c++) out[c] += f[o + c];
    else for (let c = 0; c < channels; c++) if (f[o + c] > out[c]) out[c] = f[o + c];
  }
  if (mode === 'avg') for (let c = 0; c < channels; c++) out[c] /= positions;
  return out;
}

export interface HeadTraining {
  items: FeatureItem[];
  inputShape: number[];
  model: tf.LayersModel;
  logits: tf.LayersModel;
}

/**
 * With a frozen base, a head that starts with global pooling can pool every cached feature map once:
 * the pooling has no weights, so training on pooled vectors is the same maths on 1/(H·W) of the data.
 * The returned models share the head's layers (and so its weights) minus the pooling layer.
 */
export function hoistPooling(
  spec: HeadSpec,
  head: Head,
  items: FeatureItem[],
  featureShape: number[],
): HeadTraining {
  const first = spec.layers[0]?.type;
  if ((first !== 'globalAveragePooling' && first !== 'globalMaxPooling') || featureShape.length !== 3)
    return { items, inputShape: featureShape, model: head.model, logits: head.logits };
  const channels = featureShape[2];
  const mode = first === 'globalAveragePooling' ? 'avg' : 'max';
  const pool = (v: FeatureVector): FeatureVector =>
    typeof v === 'function'
      ? async () => globalPool(await v(), channels, mode)
      : globalPool(v, channels, mode);
  const pooled = items.map((it) => ({ ...it, views: it.views.map(pool) }));
  const input = tf.input({ shape: [channels], name: 'head_pooled_input' });
  const rest = head.layers.slice(1);
  const logits = rest.slice(0, -1).reduce((t, l) => l.apply(t) as tf.SymbolicTensor, input);
  const probs = rest[rest.length - 1].apply(logits) as tf.SymbolicTensor;
  return {
    items: pooled,
    inputShape: [channels],
    model: tf.model({ inputs: input, outputs: probs, name: 'head_pooled' }),
    logits: tf.model({ inputs: input, outputs: logits, name: 'head_pooled_logits' }),
  };
}
