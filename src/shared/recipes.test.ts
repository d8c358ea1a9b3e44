import { describe, expect, it } from 'vitest';
import { KERAS_RECIPE_AUGMENT } from './augment';
import { HEAD_PRESETS, HeadSpec } from './head';
import { KERAS_RECIPE_VGG16, RECIPE_PRESETS } from './recipes';
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
});
