import { describe, expect, it } from 'vitest';
import { suggestFeatureLayer, type ModelLayer } from './bases';

const layer = (name: string, outputShape: (number | null)[], className = 'Conv2D'): ModelLayer => ({
  name,
  className,
  outputShape,
  params: 0,
  featureMap: outputShape.length === 3,
});

describe('suggestFeatureLayer', () => {
  it('picks the last feature map before the classifier (Flatten → Dense)', () => {
    const layers = [
      layer('input_1', [224, 224, 3], 'InputLayer'),
      layer('block5_conv3', [14, 14, 512]),
      layer('block5_pool', [7, 7, 512], 'MaxPooling2D'),
      layer('flatten', [25088], 'Flatten'),
      layer('fc1', [4096], 'Dense'),
      // A Reshape back to 4-D inside the classifier is not a feature layer of the base.
      layer('reshape', [1, 1, 4096], 'Reshape'),
      layer('predictions', [1000], 'Dense'),
    ];
    expect(suggestFeatureLayer(layers)).toBe('block5_pool');
  });

  it('takes the last 4-D output of a headless model, and null when there is none', () => {
    expect(
      suggestFeatureLayer([layer('input_1', [96, 96, 3], 'InputLayer'), layer('out_relu', [3, 3, 1280])]),
    ).toBe('out_relu');
    expect(
      suggestFeatureLayer([layer('input_1', [10], 'InputLayer'), layer('dense', [2], 'Dense')]),
    ).toBeNull();
  });
});
