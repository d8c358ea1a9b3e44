import { KERAS_RECIPE_AUGMENT } from './augment';
import { HEAD_PRESETS } from './head';
import { TrainConfig, type TrainConfigInput } from './train';

/** A one-click preset: the fields of a TrainConfig it sets; everything else keeps its current value. */
export interface RecipePreset {
  /** What `--recipe` takes. */
  id: string;
  label: string;
  description: string;
  config: TrainConfigInput;
}

/**
 * The transfer-learning recipe this product replaces: `VGG16(weights='imagenet', include_top=False)`,
 * frozen, Flatten → Dense 256 relu → Dropout 0.5 → softmax, `ImageDataGenerator(shear_range=0.2,
 * zoom_range=0.2, horizontal_flip=True)`, Adam 1e-3, 10 epochs.
 */
export const KERAS_RECIPE_VGG16 = {
  id: 'keras-vgg16',
  label: 'Keras recipe (VGG16)',
  description:
    'VGG16 base, Flatten → Dense 256 relu → Dropout 0.5 → softmax, shear/zoom/flip augmentation, Adam 1e-3, 10 epochs',
  config: {
    base: 'vgg16',
    head: HEAD_PRESETS.keras,
    augment: KERAS_RECIPE_AUGMENT,
    optimizer: 'adam',
    learningRate: 1e-3,
    epochs: 10,
    // The recipe trains a fixed 10 epochs; early stopping would cut it short.
    earlyStopping: null,
    fineTune: null,
  },
} as const satisfies RecipePreset;

export const RECIPE_PRESETS: readonly RecipePreset[] = [KERAS_RECIPE_VGG16];

export const findRecipe = (id: string): RecipePreset | undefined => RECIPE_PRESETS.find((r) => r.id === id);

/**
 * `config` with the preset's fields set (the dataset's split, seed, batch size and the rest kept). A
 * preset that names a head trains that head: "Auto" (the default) is turned off.
 */
export function applyRecipe(config: TrainConfigInput, preset: RecipePreset): TrainConfig {
  const head = preset.config.head === undefined ? {} : { headAuto: false };
  return TrainConfig.parse({ ...config, ...preset.config, ...head });
}
