import { z } from 'zod';
import { AugmentSpec } from './augment';
import { HeadSpec } from './head';
import { SplitOptions } from './dataset';

export const ResizeMode = z.enum(['stretch', 'center-crop', 'letterbox']);
export type ResizeMode = z.infer<typeof ResizeMode>;

/**
 * Seeds are any 32-bit integer (negative ones too, as the Train form allows): the engine uses them
 * mod 2^32, so each seed in this range is a different run and anything wider would alias one.
 */
export const SEED_RANGE = [-(2 ** 31), 2 ** 31 - 1] as const;

export const OptimizerName = z.enum(['adam', 'sgd', 'rmsprop']);
export type OptimizerName = z.infer<typeof OptimizerName>;

export const FineTuneSpec = z.object({
  /** Unfreeze the top N layers that hold weights… */
  layers: z.number().int().min(0).default(0),
  /** …or everything from this named layer up (wins over `layers`). */
  fromLayer: z.string().optional(),
  epochs: z.number().int().min(1).max(1000).default(5),
  learningRate: z.number().positive().max(1).default(1e-5),
});
export type FineTuneSpec = z.infer<typeof FineTuneSpec>;

export const TrainConfig = z.object({
  /** Registry id or a model directory. */
  base: z.string().default('mobilenet_v2_0.35_224'),
  head: HeadSpec.default({
    layers: [{ type: 'globalAveragePooling' }, { type: 'dense', units: 100, activation: 'relu', l2: 0 }],
  }),
  /**
   * Choose the head when training starts (the head editor's "Auto", the CLI's `--head auto`): k-fold
   * cross-validation on the training split over the presets × learning rate × L2; the run trains the
   * winner's head and learning rate instead of `head` and `learningRate`.
   */
  headAuto: z.boolean().optional(),
  augment: AugmentSpec.default(AugmentSpec.parse({})),
  /** Augmented views precomputed per training image when the base is frozen. */
  augmentViews: z.number().int().min(1).max(64).default(5),
  resize: ResizeMode.default('stretch'),
  split: SplitOptions.default(SplitOptions.parse({})),
  optimizer: OptimizerName.default('adam'),
  learningRate: z.number().positive().max(10).default(1e-3),
  momentum: z.number().min(0).max(0.999).default(0.9),
  batchSize: z.number().int().min(1).max(4096).default(32),
  epochs: z.number().int().min(1).max(10000).default(10),
  earlyStopping: z
    .object({ patience: z.number().int().min(1).default(5), restoreBest: z.boolean().default(true) })
    .nullable()
    .default({ patience: 5, restoreBest: true }),
  classWeight: z.enum(['none', 'balanced']).default('none'),
  fineTune: FineTuneSpec.nullable().default(null),
  seed: z.number().int().min(SEED_RANGE[0]).max(SEED_RANGE[1]).default(42),
});
export type TrainConfig = z.infer<typeof TrainConfig>;
export type TrainConfigInput = z.input<typeof TrainConfig>;
