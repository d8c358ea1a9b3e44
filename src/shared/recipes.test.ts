import { describe, expect, it } from 'vitest';
import { KERAS_RECIPE_AUGMENT } from './augment';
import { HEAD_PRESETS, HeadSpec } from './head';
import { applyRecipe, findRecipe, KERAS_RECIPE_VGG16, RECIPE_PRESETS } from './recipes';
import { TrainConfig } from './train';

describe('the Keras recipe preset', () => {
  it('is a valid training config: VGG16, Flatten → Dense 256 relu → Dropout 0.5, Keras augmentation, Adam 1e-3, 10 epochs', () => {
    const cfg = TrainConfig.parse(KERAS_RECIPE_VGG16.config);
    expect(cfg.base).toBe('vgg16');
    expect(cfg.head).toEqual(HeadSpec.parse(HEAD_PRESETS.keras));
    expect(cfg.head.layers).toEqual([
      { type: 'flatten' },
      { type: 'dense', units: 256, activation: 'relu' },
      { type: 'dropout', rate: 0.5 },
    ]);
    expect(cfg.augment).toEqual(KERAS_RECIPE_AUGMENT);
    expect(cfg.augment).toMatchObject({
      shearRange: 0.2,
      zoomRange: 0.2,
      horizontalFlip: true,
      rotationRange: 0,
    });
    expect(cfg).toMatchObject({
      optimizer: 'adam',
      learningRate: 1e-3,
      epochs: 10,
      earlyStopping: null,
      fineTune: null,
    });
  });

  it('presets have unique ids and labels', () => {
    expect(new Set(RECIPE_PRESETS.map((r) => r.id)).size).toBe(RECIPE_PRESETS.length);
    expect(new Set(RECIPE_PRESETS.map((r) => r.label)).size).toBe(RECIPE_PRESETS.length);
  });

  it('applies over a config: sets its fields, keeps the rest (split, seed, batch size)', () => {
    const before = TrainConfig.parse({
      base: 'mobilenet_v2_0.35_224',
      seed: 7,
      batchSize: 16,
      split: { valFraction: 0.3 },
      earlyStopping: { patience: 3, restoreBest: true },
    });
    const after = applyRecipe(before, findRecipe('keras-vgg16')!);
    expect(after).toMatchObject({ base: 'vgg16', epochs: 10, learningRate: 1e-3, earlyStopping: null });
    expect(after.head).toEqual(HeadSpec.parse(HEAD_PRESETS.keras));
    expect(after).toMatchObject({ seed: 7, batchSize: 16, split: before.split });
    // The recipe's head is trained, not replaced by the default "Auto" choice.
    expect(applyRecipe({ ...before, headAuto: true }, findRecipe('keras-vgg16')!).headAuto).toBe(false);
    expect(findRecipe('nope')).toBeUndefined();
  });
});
