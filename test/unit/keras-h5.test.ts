import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import h5wasm from 'h5wasm/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../../src/main/engine/tf';
import {
  HDF5_OBJECT_HEADER_LIMIT,
  readNameList,
  readStringAttr,
  withH5,
  writeBytesAttr,
  writeNameList,
} from '../../src/main/engine/keras/h5';
import { toSnakeCase } from '../../src/main/engine/keras/keras3';
import { loadKerasModel } from '../../src/main/engine/keras/model';
import {
  legacyWeights,
  loadKerasWeights,
  readKerasH5Info,
  writeKerasModelH5,
  writeKerasWeights,
} from '../../src/main/engine/keras/weights';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'ts-keras-unit-'));
beforeAll(async () => {
  await tf.setBackend('cpu');
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Conv → BN → Dense with every weight random (BN statistics too), so swapped weights show. */
function smallModel(name = 'm', convFilters = 4) {
  const input = tf.input({ shape: [6, 6, 3], name: `${name}_in` });
  let x = tf.layers
    .conv2d({ filters: convFilters, kernelSize: 3, name: 'conv' })
    .apply(input) as tf.SymbolicTensor;
  x = tf.layers.batchNormalization({ name: 'bn' }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.flatten({ name: 'flat' }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.dense({ units: 2, name: 'dense' }).apply(x) as tf.SymbolicTensor;
  const m = tf.model({ inputs: input, outputs: x, name });
  randomize(m);
  return m;
}

function randomize(m: tf.LayersModel, seed = 1) {
  m.setWeights(m.getWeights().map((w, i) => tf.randomUniform(w.shape, 0.5, 1.5, 'float32', seed + i)));
}

const snapshot = (m: tf.LayersModel) => m.getWeights().map((w) => Array.from(w.dataSync()));
const zero = (m: tf.LayersModel) => m.setWeights(m.getWeights().map((w) => tf.zerosLike(w)));

async function rawAttrs(file: string, where: string) {
  await h5wasm.ready;
  const f = new h5wasm.File(file, 'r');
  try {
    const g = where === '/' ? f : (f.get(where) as InstanceType<typeof h5wasm.Group>);
    return Object.fromEntries(
      Object.entries(g.attrs).map(([k, a]) => [k, { dtype: a.dtype, shape: a.shape }]),
    );
  } finally {
    f.close();
  }
}

describe("Keras' weights-only HDF5 layout", () => {
  it('weights written in the layout load back exactly, with attributes as h5py writes them', async () => {
    const m = smallModel();
    const want = snapshot(m);
    const file = path.join(tmp, 'w.h5');
    await writeKerasWeights(m, file);
    const root = await rawAttrs(file, '/');
    // Fixed-length byte strings (numpy S<n>) for the name list; h5py's bytes scalars for the rest.
    expect(root.layer_names).toEqual({ dtype: 'A5', shape: [5] });
    expect(Object.keys(root).sort()).toEqual(['backend', 'keras_version', 'layer_names']);
    expect((await rawAttrs(file, 'bn')).weight_names.dtype).toBe('A20');
    expect(await readKerasH5Info(file)).toMatchObject({
      layout: 'weights',
      backend: 'tensorflow',
      layerNames: ['m_in', 'conv', 'bn', 'flat', 'dense'],
    });
    zero(m);
    const report = await loadKerasWeights(m, file);
    expect(report.loaded).toEqual(['conv', 'bn', 'dense']);
    expect(report.tensors).toBe(8);
    expect(snapshot(m)).toEqual(want);
  });

  it('loads weights by their position in weight_names, not by name or by the alphabetical dataset order', async () => {
    const m = smallModel();
    const want = snapshot(m);
    const file = path.join(tmp, 'legacy.h5');
    // Theano-era names: alphabetically beta < gamma < running_mean < running_std, not the layer's order.
    const legacy: Record<string, string[]> = {
      conv: ['conv_W_1:0', 'conv_b_1:0'],
      bn: ['bn_gamma_1:0', 'bn_beta_1:0', 'bn_running_mean_1:0', 'bn_running_std_1:0'],
      dense: ['zz_kernel:0', 'aa_bias:0'],
    };
    await writeKerasWeights(m, file, { weightName: (layer, i) => legacy[layer.name][i] });
    zero(m);
    await loadKerasWeights(m, file);
    expect(snapshot(m)).toEqual(want);
  });

  it('reads a name list split over layer_names0, layer_names1, … past the 64 KB header limit', async () => {
    const input = tf.input({ shape: [4], name: 'in' });
    let x: tf.SymbolicTensor = input;
    const long = 'x'.repeat(230);
    for (let i = 0; i < 300; i++)
      x = tf.layers.activation({ activation: 'linear', name: `${long}_${i}` }).apply(x) as tf.SymbolicTensor;
    x = tf.layers.dense({ units: 3, name: 'dense' }).apply(x) as tf.SymbolicTensor;
    const m = tf.model({ inputs: input, outputs: x });
    randomize(m);
    const want = snapshot(m);
    const file = path.join(tmp, 'split.h5');
    await writeKerasWeights(m, file);
    const attrs = await rawAttrs(file, '/');
    expect(attrs.layer_names).toBeUndefined();
    expect(
      Object.keys(attrs)
        .filter((k) => k.startsWith('layer_names'))
        .sort(),
    ).toEqual(['layer_names0', 'layer_names1']);
    expect(302 * 234).toBeGreaterThan(HDF5_OBJECT_HEADER_LIMIT);
    expect((await readKerasH5Info(file)).layerNames).toHaveLength(302);
    zero(m);
    await loadKerasWeights(m, file);
    expect(snapshot(m)).toEqual(want);
  });

  it('reads names and JSON as UTF-8 bytes, fixed-length and variable-length alike', async () => {
    const file = path.join(tmp, 'utf8.h5');
    await withH5(file, 'w', (f) => {
      writeNameList(f, 'layer_names', ['entrée', 'café_dense', 'plain']);
      writeBytesAttr(f, 'model_config', '{"name": "naïve — ok"}');
    });
    // h5wasm's own decoder reads fixed-length ASCII-tagged strings as windows-1252 and mangles them.
    await h5wasm.ready;
    const raw = new h5wasm.File(file, 'r');
    expect(raw.attrs.layer_names.value).not.toContain('entrée');
    raw.close();
    await withH5(file, 'r', (f) => {
      expect(readNameList(f, 'layer_names')).toEqual(['entrée', 'café_dense', 'plain']);
      expect(JSON.parse(readStringAttr(f, 'model_config')!)).toEqual({ name: 'naïve — ok' });
    });
  });
});

describe('mismatches are errors that name the layer', () => {
  it('a wrong shape names the layer, the weight and both shapes, and changes nothing', async () => {
    const file = path.join(tmp, 'four.h5');
    await writeKerasWeights(smallModel('m', 4), file);
    const other = smallModel('m', 5);
    const before = snapshot(other);
    await expect(loadKerasWeights(other, file)).rejects.toThrow(
      'layer "conv": weight 0 ("conv/kernel:0") has shape [3,3,3,4] in four.h5 but the model expects [3,3,3,5]',
    );
    expect(snapshot(other)).toEqual(before);
  });

  it('a layer missing from the file is named', async () => {
    const file = path.join(tmp, 'missing.h5');
    const input = tf.input({ shape: [6, 6, 3], name: 'm_in' });
    const x = tf.layers.conv2d({ filters: 4, kernelSize: 3, name: 'conv' }).apply(input) as tf.SymbolicTensor;
    await writeKerasWeights(tf.model({ inputs: input, outputs: x }), file);
    await expect(loadKerasWeights(smallModel(), file)).rejects.toThrow(
      'layer "bn" (BatchNormalization, 4 weights) is not in missing.h5',
    );
  });

  it('a wrong number of weights is named with both lists', async () => {
    const file = path.join(tmp, 'nobias.h5');
    const input = tf.input({ shape: [6, 6, 3], name: 'm_in' });
    const x = tf.layers.conv2d({ filters: 4, kernelSize: 3, useBias: false, name: 'conv' }).apply(input);
    await writeKerasWeights(tf.model({ inputs: input, outputs: x as tf.SymbolicTensor }), file);
    await expect(loadKerasWeights(smallModel(), file)).rejects.toThrow(
      /layer "conv": nobias.h5 has 1 weights \(conv\/kernel:0\) but the model expects 2 \(conv\/kernel \[3,3,3,4\], conv\/bias \[4\]\)/,
    );
  });

  it('files that are not Keras HDF5 weights say what they are', async () => {
    await expect(loadKerasWeights(smallModel(), path.resolve('package.json'))).rejects.toThrow(
      /package.json is not a readable HDF5 file/,
    );
    await h5wasm.ready;
    const k3 = path.join(tmp, 'k3.weights.h5');
    const f = new h5wasm.File(k3, 'w');
    f.create_group('layers').create_group('dense').create_group('vars');
    f.close();
    await expect(loadKerasWeights(smallModel(), k3)).rejects.toThrow(/is a Keras 3 weights file/);
  });
});

describe("Keras' full-model HDF5 layout", () => {
  it('model_config + model_weights rebuild the model with its weights', async () => {
    const m = smallModel();
    const file = path.join(tmp, 'full.h5');
    await writeKerasModelH5(m, file);
    const loaded = await loadKerasModel(file);
    expect(loaded.format).toBe('h5');
    expect(loaded.model.layers.map((l) => l.name)).toEqual(m.layers.map((l) => l.name));
    expect(snapshot(loaded.model)).toEqual(snapshot(m));
  });

  it("a nested model's weights are stored in Keras 2's order: all trainable then the rest, or layer by layer when frozen", () => {
    const base = smallModel('base');
    const outer = tf.sequential({ layers: [base, tf.layers.dense({ units: 1, name: 'head' })] });
    const names = () => legacyWeights(outer.getLayer('base')).map((w) => w.originalName);
    expect(names()).toEqual([
      'conv/kernel', 'conv/bias', 'bn/gamma', 'bn/beta', 'dense/kernel', 'dense/bias',
      'bn/moving_mean', 'bn/moving_variance',
    ]); // prettier-ignore
    base.trainable = false;
    expect(names()).toEqual([
      'conv/kernel', 'conv/bias', 'bn/gamma', 'bn/beta', 'bn/moving_mean', 'bn/moving_variance',
      'dense/kernel', 'dense/bias',
    ]); // prettier-ignore
  });
});

describe('Keras 3 naming', () => {
  it('snake-cases class names as keras.src.utils.naming does', () => {
    expect(
      ['Conv2D', 'BatchNormalization', 'DepthwiseConv2D', 'ReLU', 'GlobalAveragePooling2D', 'InputLayer', 'Functional'].map(
        toSnakeCase,
      ),
    ).toEqual([
      'conv2d', 'batch_normalization', 'depthwise_conv2d', 're_lu', 'global_average_pooling2d', 'input_layer',
      'functional',
    ]); // prettier-ignore
  });
});
