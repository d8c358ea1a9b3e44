import { describe, expect, it } from 'vitest';
import { HEAD_PRESETS, HeadSpec } from '@shared/head';
import { KERAS_RECIPE_AUGMENT } from '@shared/augment';
import { parseTrainArgs } from './train-args';

describe('train --recipe', () => {
  it('keras-vgg16 sets the Keras recipe: VGG16, Flatten → Dense 256 → Dropout 0.5, shear/zoom/flip, Adam 1e-3, 10 epochs', () => {
    const r = parseTrainArgs(['--data', 'x', '--recipe', 'keras-vgg16'])!;
    expect(r.config).toMatchObject({
      base: 'vgg16',
      optimizer: 'adam',
      learningRate: 1e-3,
      epochs: 10,
      earlyStopping: null,
      fineTune: null,
    });
    expect(r.config.head).toEqual(HeadSpec.parse(HEAD_PRESETS.keras));
    expect(r.config.augment).toEqual(KERAS_RECIPE_AUGMENT);
  });

  it('flags given beside a recipe override its fields', () => {
    const r = parseTrainArgs([
      '--data',
      'x',
      '--recipe',
      'keras-vgg16',
      '--epochs',
      '2',
      '--base',
      'resnet50',
    ])!;
    expect(r.config).toMatchObject({ base: 'resnet50', epochs: 2, learningRate: 1e-3 });
  });

  it('an unknown recipe is a usage error naming the known ones', () => {
    expect(() => parseTrainArgs(['--data', 'x', '--recipe', 'vgg'])).toThrow(
      /unknown --recipe vgg \(one of keras-vgg16\)/,
    );
  });
});
