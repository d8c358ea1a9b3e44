/**
 * How a base wants its input pixels, as Keras applications define it — one table, read by the decoder
 * (training and prediction), the tfjs export's metadata and the SavedModel graph:
 * - `tf`: x/127.5 − 1 (MobileNet v1/v2, Inception, Xception)
 * - `caffe`: RGB→BGR, minus the ImageNet BGR mean, no scaling (VGG, ResNet50 v1)
 * - `torch`: x/255, minus ImageNet mean, divided by std (DenseNet)
 * - `none`: raw 0–255 (EfficientNet, ConvNeXt: rescaling is inside the model)
 *
 * Each value is ((x / divisor) − offset − mean[c]) / std[c], steps that are absent skipped, in this order,
 * so every consumer reproduces the same numbers to the last bit.
 */
import { z } from 'zod';

export interface PreprocessingSpec {
  /** Channel order the base reads (the input is RGB; BGR reverses it first). */
  channelOrder: 'RGB' | 'BGR';
  /** Divide by this first, or null. */
  divisor: number | null;
  /** Then subtract this from every channel, or null. */
  offset: number | null;
  /** Then subtract a per-channel mean (in the base's channel order), or null. */
  mean: readonly [number, number, number] | null;
  /** Then divide by a per-channel std, or null. */
  std: readonly [number, number, number] | null;
}

export const PREPROCESSING = {
  tf: { channelOrder: 'RGB', divisor: 127.5, offset: 1, mean: null, std: null },
  caffe: { channelOrder: 'BGR', divisor: null, offset: null, mean: [103.939, 116.779, 123.68], std: null },
  torch: {
    channelOrder: 'RGB',
    divisor: 255,
    offset: null,
    mean: [0.485, 0.456, 0.406],
    std: [0.229, 0.224, 0.225],
  },
  none: { channelOrder: 'RGB', divisor: null, offset: null, mean: null, std: null },
} as const satisfies Record<string, PreprocessingSpec>;

export type Preprocessing = keyof typeof PREPROCESSING;
export const Preprocessing = z.enum(Object.keys(PREPROCESSING) as [Preprocessing, ...Preprocessing[]]);

/** The table row of a mode, or undefined for a name that is not one (e.g. from a hand-written sidecar). */
export function preprocessingSpec(mode: string): PreprocessingSpec | undefined {
  return Object.prototype.hasOwnProperty.call(PREPROCESSING, mode)
    ? PREPROCESSING[mode as Preprocessing]
    : undefined;
}
