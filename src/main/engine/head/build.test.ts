import { describe, expect, it } from 'vitest';
import { HEAD_PRESETS, HeadSpec } from '@shared/head';
import { inferHead } from '@shared/head-shape';
import { tf } from '../tf';
import { buildHead, HeadSpecError } from './build';

describe('buildHead', () => {
  it.each(Object.keys(HEAD_PRESETS) as (keyof typeof HEAD_PRESETS)[])(
    '%s preset: tfjs agrees with shape inference',
    async (preset) => {
      await tf.setBackend('cpu');
      const spec = HeadSpec.parse(HEAD_PRESETS[preset]);
      const info = inferHead(spec, [7, 7, 64], 3);
      const head = buildHead(spec, [7, 7, 64], 3);
      expect(head.model.countParams()).toBe(info.totalParams);
      expect(head.model.outputs[0].shape).toEqual([null, 3]);
      const p = head.model.predict(tf.ones([2, 7, 7, 64])) as tf.Tensor;
      const sums = (await tf.sum(p, 1).data()) as Float32Array;
      expect(Array.from(sums).every((s) => Math.abs(s - 1) < 1e-5)).toBe(true);
      head.model.dispose();
    },
  );

  it('refuses an impossible stack before touching tfjs', () => {
    expect(() =>
      buildHead(
        HeadSpec.parse({ layers: [{ type: 'globalAveragePooling' }, { type: 'globalAveragePooling' }] }),
        [7, 7, 8],
        2,
      ),
    ).toThrow(HeadSpecError);
  });
});
