/** Issue 11, defect 6: a head over the parameter budget is refused by shape inference. */
import { describe, expect, it } from 'vitest';
import { HEAD_PRESETS, HeadSpec } from '@shared/head';
import { inferHead, MAX_HEAD_PARAMS } from '@shared/head-shape';
import { BASES } from '../../src/main/engine/bases/registry';
import { buildHead, HeadSpecError } from '../../src/main/engine/head/build';
import { tf } from '../../src/main/engine/tf';

const spec = (x: unknown) => HeadSpec.parse(x);

describe('head parameter budget', () => {
  it('allows every preset on every registry base with its feature shape (with a margin up to 7×7×2048)', () => {
    for (const b of BASES)
      for (const [id, preset] of Object.entries(HEAD_PRESETS)) {
        const info = inferHead(spec(preset), [...b.featureShape], 1000);
        expect(info.error, `${id} on ${b.id}`).toBeUndefined();
        // The 299/300-pixel bases' Flatten heads are the largest: Keras on Xception (10×10×2048) is 52.4 M.
        const margin = b.featureShape.reduce((x, y) => x * y, 1) <= 7 * 7 * 2048 ? 2 : 1;
        expect(info.totalParams * margin, `${id} on ${b.id}`).toBeLessThan(MAX_HEAD_PARAMS);
      }
  });

  it('refuses Flatten → Dense 65536 at the Dense block, before anything is built', () => {
    const info = inferHead(
      spec({
        layers: [{ type: 'flatten' }, { type: 'dense', units: 65536 }, { type: 'dropout', rate: 0.5 }],
      }),
      [7, 7, 256],
      2,
    );
    expect(info.error).toEqual({
      index: 1,
      message: expect.stringMatching(/822 M parameters, over the 64 M limit/),
    });
    expect(info.layers[1].error).toBe(info.error!.message);
    expect(info.layers[2].error).toBe('after an invalid layer');
    expect(info.error!.message).not.toContain('\n');
  });

  it('flags the classifier when it is the layer that crosses the budget', () => {
    // 100352 flattened ResNet50 features × 1000 classes ≈ 100 M.
    const info = inferHead(spec({ layers: [{ type: 'flatten' }] }), [7, 7, 2048], 1000);
    expect(info.error?.index).toBe(1);
    expect(info.layers[1]).toMatchObject({
      type: 'classifier',
      error: expect.stringMatching(/100 M parameters/),
    });
  });

  it('counts the whole head: two Dense layers each under the budget, together over it', () => {
    const info = inferHead(
      spec({ layers: [{ type: 'dense', units: 6000 }, { type: 'dense', units: 6000 }, { type: 'flatten' }] }),
      [6000],
      2,
    );
    expect(info.layers[0].error).toBeUndefined();
    expect(info.error?.index).toBe(1);
  });
  it('makes buildHead throw a one-line HeadSpecError before any tensor is allocated', async () => {
    await tf.setBackend('cpu');
    const before = tf.memory().numTensors;
    const huge = spec({ layers: [{ type: 'flatten' }, { type: 'dense', units: 65536 }] });
    expect(() => buildHead(huge, [7, 7, 256], 2)).toThrow(HeadSpecError);
    expect(() => buildHead(huge, [7, 7, 256], 2)).toThrow(
      /^head layer 2: the head would have 822 M parameters/,
    );
    expect(tf.memory().numTensors).toBe(before);
  });
});
