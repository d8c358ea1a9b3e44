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
