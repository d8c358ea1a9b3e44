/** Bases as the Model screen sees them: cards (what is on this machine) and a loaded base's layers. */
import { z } from 'zod';
import { Preprocessing } from '../preprocessing';

/** A user's Keras model file (`model.save('x.h5')`, or Keras 3's `.keras`), as opposed to a tfjs folder. */
export const KERAS_MODEL_FILE = /\.(h5|hdf5|keras)$/i;

export const BaseCard = z.object({
  id: z.string(),
  displayName: z.string(),
  inputSize: z.number(),
  params: z.number(),
  sizeBytes: z.number().nullable(),
  imagenetTop1: z.number().nullable(),
  featureShape: z.array(z.number()).nullable(),
  /** local: a mirror, the download cache or a user folder; download: fetchable; unavailable: neither. */
  state: z.enum(['local', 'download', 'unavailable']),
  /** Where it is (local), or why it cannot be used. */
  detail: z.string(),
  custom: z.boolean(),
});
export type BaseCard = z.infer<typeof BaseCard>;

export const BaseLayer = z.object({
  name: z.string(),
  className: z.string(),
  params: z.number().int(),
  outputShape: z.array(z.number().nullable()),
});
export type BaseLayer = z.infer<typeof BaseLayer>;

export const BaseDescription = z.object({
  id: z.string(),
  /** Registry id, or the model folder for a local base: what `TrainConfig.base` takes. */
  ref: z.string(),
  displayName: z.string(),
  dir: z.string(),
  inputSize: z.tuple([z.number(), z.number()]),
  preprocessing: Preprocessing,
  featureLayer: z.string(),
  featureShape: z.array(z.number()),
  params: z.number().int(),
  /** The cut base's layers, input first. */
  layers: z.array(BaseLayer),
});
export type BaseDescription = z.infer<typeof BaseDescription>;

/** A layer of a user's Keras model, as the feature-layer picker lists it. */
export const ModelLayer = z.object({
  name: z.string(),
  className: z.string(),
  /** Output shape without the batch dimension (the first output when a layer has several). */
  outputShape: z.array(z.number().nullable()),
  params: z.number().int(),
  /** It can be a feature layer: one 4-D output (a feature map). */
  featureMap: z.boolean(),
});
export type ModelLayer = z.infer<typeof ModelLayer>;

export const ModelLayers = z.object({
  /** The model file (the base's ref). */
  path: z.string(),
  /** The feature layer in use. */
  featureLayer: z.string(),
  /** What the picker suggests: the last feature map before the classifier. */
  suggested: z.string().nullable(),
  layers: z.array(ModelLayer),
});
export type ModelLayers = z.infer<typeof ModelLayers>;

/**
 * The last feature map before the classifier: the last 4-D output ahead of the first layer after a
 * feature map that is not one (the pooling or Flatten the classifier starts with); with none, the
 * last 4-D output.
 */
export function suggestFeatureLayer(layers: readonly ModelLayer[]): string | null {
  let last: ModelLayer | null = null;
  for (const l of layers) {
    if (l.featureMap) last = l;
    else if (last && l.outputShape.length > 0 && l.outputShape.length < 3) return last.name;
  }
  return last?.name ?? null;
}
