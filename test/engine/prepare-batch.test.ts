/** A batch of augmented views: each file decoded once, each view augmented with its own seed. */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { KERAS_RECIPE_AUGMENT } from '@shared/augment';
import {
  prepareBatch,
  preparePixelBatch,
  releaseBatch,
  type PixelOptions,
} from '../../src/main/engine/extract/batch';
import { preprocessInto } from '../../src/main/engine/image/preprocess';
import type { RgbImage } from '../../src/main/engine/image/rgb';
import { HYMENOPTERA } from '../helpers/bad-dataset';

const pixel: PixelOptions = { inputSize: [96, 96], resize: 'stretch', preprocessing: 'tf' };
const per = 96 * 96 * 3;

describe('prepareBatch', () => {
  it('gives every view of a shared file the pixels it gets alone, and views differ by seed', async () => {
    const a = new Uint8Array(await readFile(path.join(HYMENOPTERA, 'train', 'ants', '0013035.jpg')));
    const b = new Uint8Array(
      await readFile(path.join(HYMENOPTERA, 'train', 'bees', '16838648_415acd9e3f.jpg')),
    );
    const items = [
      { bytes: a, augment: KERAS_RECIPE_AUGMENT, seed: 1 },
      { bytes: a, augment: KERAS_RECIPE_AUGMENT, seed: 2 },
      { bytes: a, augment: null, seed: 0 },
      { bytes: b, augment: KERAS_RECIPE_AUGMENT, seed: 1 },
      { bytes: new Uint8Array([1, 2, 3]), augment: null, seed: 0 },
    ];
    const together = await prepareBatch(items, pixel);
    expect(together.okCount).toBe(4);
    expect(together.errors.map((e) => e !== null)).toEqual([false, false, false, false, true]);
    const rows = Array.from({ length: 4 }, (_, k) => together.input.slice(k * per, (k + 1) * per));
    releaseBatch(together);
    for (let k = 0; k < 4; k++) {
      const alone = await prepareBatch([items[k]], pixel);
      expect(Buffer.from(alone.input.buffer).equals(Buffer.from(rows[k].buffer)), `item ${k}`).toBe(true);
    }
    const same = (x: Float32Array, y: Float32Array) => Buffer.from(x.buffer).equals(Buffer.from(y.buffer));
    expect(same(rows[0], rows[1])).toBe(false);
    expect(same(rows[0], rows[2])).toBe(false);
  });

  it('a released input buffer is reused whole: a later batch overwrites every value', async () => {
    const a = new Uint8Array(await readFile(path.join(HYMENOPTERA, 'train', 'ants', '0013035.jpg')));
    const first = await prepareBatch([{ bytes: a, augment: null, seed: 0 }], pixel);
    const want = first.input.slice();
    first.input.fill(Number.NaN);
    releaseBatch(first);
    const second = await prepareBatch([{ bytes: a, augment: null, seed: 0 }], pixel);
    expect(second.input).toBe(first.input); // the same memory…
    expect(Buffer.from(second.input.buffer).equals(Buffer.from(want.buffer))).toBe(true); // …all rewritten
  });

  it('a pixel batch holds the raw bytes the float batch was preprocessed from, and tells each file once', async () => {
    const a = new Uint8Array(await readFile(path.join(HYMENOPTERA, 'train', 'ants', '0013035.jpg')));
    const b = new Uint8Array(
      await readFile(path.join(HYMENOPTERA, 'train', 'bees', '16838648_415acd9e3f.jpg')),
    );
    const told: RgbImage[] = [];
    const onDecoded = (img: RgbImage) => told.push(img);
    const items = [
      { bytes: a, augment: KERAS_RECIPE_AUGMENT, seed: 1, onDecoded },
      { bytes: a, augment: null, seed: 0, onDecoded },
      { bytes: new Uint8Array([1, 2, 3]), augment: null, seed: 0, onDecoded },
      { bytes: b, augment: null, seed: 0, onDecoded },
    ];
    const raw = await preparePixelBatch(items, pixel);
    expect(raw.input).toBeInstanceOf(Uint8Array);
    expect(raw.okCount).toBe(3);
    expect(raw.errors.map((e) => e !== null)).toEqual([false, false, true, false]);
    expect(told.length).toBe(2); // a and b, once each: not once per view, not for the broken file
    const floats = await prepareBatch(items, pixel);
    const want = new Float32Array(per);
    for (let k = 0; k < 3; k++) {
      const img = { width: 96, height: 96, data: raw.input.subarray(k * per, (k + 1) * per) };
      preprocessInto(img, 'tf', want);
      const got = floats.input.subarray(k * per, (k + 1) * per);
      expect(Buffer.from(want.buffer).equals(Buffer.from(got.slice().buffer)), `item ${k}`).toBe(true);
    }
  });
});
