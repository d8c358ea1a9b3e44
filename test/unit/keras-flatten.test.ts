import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { flattenModel } from '../../src/main/engine/keras/flatten';
import { loadKerasModel } from '../../src/main/engine/keras/model';
import { writeKerasModelH5 } from '../../src/main/engine/keras/weights';
import { tf } from '../../src/main/engine/tf';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'ts-keras-flatten-'));
beforeAll(async () => {
  await tf.setBackend('cpu');
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const ap = (l: tf.layers.Layer, x: tf.SymbolicTensor | tf.SymbolicTensor[]) =>
  l.apply(x) as tf.SymbolicTensor;

/** A two-level nest: outer(Rescaling → base(block(x) + x) → pooling → dense), every weight random. */
function nestedModel() {
  const bi = tf.input({ shape: [8, 8, 4], name: 'block_in' });
  const bx = ap(tf.layers.batchNormalization({ name: 'block_bn' }), ap(tf.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', name: 'block_conv' }), bi));
  const block = tf.model({ inputs: bi, outputs: bx, name: 'block' });
  const i = tf.input({ shape: [8, 8, 3], name: 'base_in' });
  const c = ap(tf.layers.conv2d({ filters: 4, kernelSize: 1, name: 'stem' }), i);
  const base = tf.model({ inputs: i, outputs: ap(tf.layers.add({ name: 'skip' }), [ap(block, c), c]), name: 'base' });
  const x = tf.input({ shape: [8, 8, 3], name: 'pixels' });
  const scaled = ap(tf.layers.rescaling({ scale: 1 / 127.5, offset: -1, name: 'scale' }), x);
  const y = ap(tf.layers.dense({ units: 2, name: 'cls' }), ap(tf.layers.globalAveragePooling2d({ name: 'gap' }), ap(base, scaled)));
  const m = tf.model({ inputs: x, outputs: y, name: 'outer' });
  m.setWeights(m.getWeights().map((w, k) => tf.randomUniform(w.shape, 0.5, 1.5, 'float32', k + 1)));
  return m;
} // prettier-ignore

describe('nested models are inlined into one flat graph', () => {
  it('a base used inside a functional model (after in-model rescaling) flattens to the same function', async () => {
    const m = nestedModel();
    const flat = await flattenModel(m);
    expect(flat.layers.map((l) => l.name)).toEqual([
      'pixels', 'scale', 'stem', 'block_conv', 'block_bn', 'skip', 'gap', 'cls',
    ]); // prettier-ignore
    expect(flat.layers.some((l) => Array.isArray((l as tf.LayersModel).layers))).toBe(false);
    const x = tf.randomUniform([3, 8, 8, 3], 0, 255, 'float32', 3);
    const want = (m.predict(x) as tf.Tensor).dataSync();
    const got = (flat.predict(x) as tf.Tensor).dataSync();
    expect(Array.from(got)).toEqual(Array.from(want));
  });

  it('…also after a round trip through Keras’ full-model HDF5 layout', async () => {
    const m = nestedModel();
    const file = path.join(tmp, 'nested.h5');
    await writeKerasModelH5(m, file);
    const flat = await flattenModel((await loadKerasModel(file)).model);
    const x = tf.randomUniform([2, 8, 8, 3], 0, 255, 'float32', 4);
    expect(Array.from((flat.predict(x) as tf.Tensor).dataSync())).toEqual(
      Array.from((m.predict(x) as tf.Tensor).dataSync()),
    );
    expect(flat.getLayer('skip').outputShape).toEqual([null, 8, 8, 4]);
  });
});
