import { describe, expect, it } from 'vitest';
import { HEAD_PRESETS, HeadSpec } from './head';
import { inferHead } from './head-shape';

const spec = (x: unknown) => HeadSpec.parse(x);

describe('inferHead', () => {
  it('reports shapes and parameter counts of the Keras recipe on MobileNet v1 0.25 features', () => {
    const info = inferHead(spec(HEAD_PRESETS.keras), [7, 7, 256], 2);
    expect(info.error).toBeUndefined();
    expect(info.layers.map((l) => l.outputShape)).toEqual([[12544], [256], [256], [2]]);
    expect(info.layers.map((l) => l.params)).toEqual([0, 12544 * 256 + 256, 0, 256 * 2 + 2]);
    expect(info.totalParams).toBe(3_212_034);
  });

  it('counts BatchNormalization as 4 params per channel, half of them trainable', () => {
    const info = inferHead(
      spec({ layers: [{ type: 'globalAveragePooling' }, { type: 'batchNormalization' }] }),
      [7, 7, 1280],
      3,
    );
    expect(info.layers[1]).toMatchObject({ params: 5120, trainableParams: 2560 });
    expect(info.trainableParams).toBe(2560 + 1280 * 3 + 3);
  });

  it('marks global pooling after pooling at the offending layer', () => {
    const info = inferHead(
      spec({ layers: [{ type: 'globalAveragePooling' }, { type: 'globalMaxPooling' }] }),
      [7, 7, 256],
      2,
    );
    expect(info.error).toEqual({ index: 1, message: expect.stringContaining('global pooling needs') });
    expect(info.layers[1].error).toBeDefined();
  });

  it('flags a classifier fed a feature map, at the classifier', () => {
    const info = inferHead(spec({ layers: [{ type: 'dense', units: 8 }] }), [7, 7, 256], 2);
    expect(info.layers[0].outputShape).toEqual([7, 7, 8]);
    expect(info.error?.index).toBe(1);
    expect(info.error?.message).toMatch(/Flatten or global pooling/);
  });
});
