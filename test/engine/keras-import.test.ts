import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/main/engine/backend';
import { loadBase } from '../../src/main/engine/bases/load';
import { resolveBase } from '../../src/main/engine/bases/resolve';
import { importKerasModel, setFeatureLayer } from '../../src/main/engine/keras/import';
import { modelLayersJob } from '../../src/main/engine-host/runners/model-layers';
import { loadKerasModel } from '../../src/main/engine/keras/model';
import { writeKerasModelH5 } from '../../src/main/engine/keras/weights';
import { tf } from '../../src/main/engine/tf';
import {
  k3,
  k3Layer,
  maxAbsDiff,
  photoBatch,
  smallCnnKeras3,
  writeKeras3Weights,
  writeKerasArchive,
} from '../helpers/keras-files';
import { MODELS } from '../helpers/shared';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'ts-keras-import-'));
const modelsDir = path.join(tmp, 'models');
const SIZE = 32;
let small: tf.Tensor4D;
let photos224: tf.Tensor4D;

beforeAll(async () => {
  await initBackend('wasm');
  const a = await photoBatch(12, SIZE, 'tf');
  small = tf.tensor4d(a.input, a.shape);
  const b = await photoBatch(10, 224, 'tf');
  photos224 = tf.tensor4d(b.input, b.shape);
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const run = (m: tf.LayersModel, x: tf.Tensor4D) =>
  tf.tidy(() => (m.predict(x, { batchSize: 4 }) as tf.Tensor).dataSync() as Float32Array);

/** The small CNN of `smallCnnKeras3`, built directly with tfjs, every weight random (BN statistics too). */
function smallCnnTfjs(withHead: boolean, seed = 7): tf.LayersModel {
  const ap = (l: tf.layers.Layer, x: tf.SymbolicTensor | tf.SymbolicTensor[]) => l.apply(x) as tf.SymbolicTensor;
  const input = tf.input({ shape: [SIZE, SIZE, 3], name: 'image' });
  let x = ap(tf.layers.conv2d({ filters: 8, kernelSize: 3, strides: 2, padding: 'same', useBias: false, name: 'stem_conv' }), input);
  x = ap(tf.layers.batchNormalization({ name: 'stem_bn' }), x);
  const stem = ap(tf.layers.reLU({ maxValue: 6, name: 'stem_relu' }), x);
  x = ap(tf.layers.depthwiseConv2d({ kernelSize: 3, padding: 'same', useBias: false, name: 'dw' }), stem);
  x = ap(tf.layers.batchNormalization({ name: 'dw_bn' }), x);
  x = ap(tf.layers.activation({ activation: 'swish', name: 'dw_act' }), x);
  x = ap(tf.layers.conv2d({ filters: 8, kernelSize: 1, name: 'project' }), x);
  x = ap(tf.layers.add({ name: 'residual' }), [x, stem]);
  if (withHead) {
    x = ap(tf.layers.globalAveragePooling2d({ name: 'pool' }), x);
    x = ap(tf.layers.dropout({ rate: 0.2, name: 'drop' }), x);
    x = ap(tf.layers.dense({ units: 3, activation: 'softmax', name: 'probs' }), x);
  }
  const m = tf.model({ inputs: input, outputs: x, name: 'small_cnn' });
  m.setWeights(m.getWeights().map((w, i) => tf.randomUniform(w.shape, 0.3, 1.2, 'float32', seed + i)));
  return m;
} // prettier-ignore

/** Keras 3 weights for `model`: each named layer's variables under the path Keras 3 gives it. */
function keras3Vars(model: tf.LayersModel, paths: Record<string, string>, prefix = 'layers') {
  return Object.fromEntries(
    Object.entries(paths).map(([layer, p]) => [
      `${prefix}/${p}`,
      model
        .getLayer(layer)
        .weights.map((w) => ({ shape: w.shape as number[], data: w.read().dataSync() as Float32Array })),
    ]),
  );
}

async function kerasFile(name: string, config: unknown, vars: ReturnType<typeof keras3Vars>) {
  const h5 = path.join(tmp, `${name}.weights.h5`);
  await writeKeras3Weights(h5, vars);
  const file = path.join(tmp, `${name}.keras`);
  await writeKerasArchive(file, config, h5);
  return file;
}

describe('Keras 3 .keras files', () => {
  it("a Keras 3 config and weights layout load to the model's exact outputs on real photos", async () => {
    const ref = smallCnnTfjs(true);
    const { config, paths } = smallCnnKeras3(SIZE);
    const file = await kerasFile('small', config, keras3Vars(ref, paths));
    const { model, format, kerasVersion, report } = await loadKerasModel(file);
    expect([format, kerasVersion]).toEqual(['keras', '3.10.0']);
    expect(report.loaded.sort()).toEqual(Object.keys(paths).sort());
    expect(model.layers.map((l) => l.name)).toEqual(ref.layers.map((l) => l.name));
    const want = run(ref, small);
    expect(maxAbsDiff(run(model, small), want)).toBeLessThanOrEqual(1e-6);
    // The weights went where they belong: a differently seeded model disagrees.
    expect(maxAbsDiff(run(smallCnnTfjs(true, 99), small), want)).toBeGreaterThan(1e-3);
  });

  it('a nested base (Sequential[base, pooling, classifier]) imports flattened; its features are the base’s', async () => {
    const base = smallCnnTfjs(false);
    const head = tf.layers.dense({ units: 2, name: 'classifier' });
    const { config: baseConfig, paths } = smallCnnKeras3(SIZE, 'backbone', false);
    // Keras 3 Sequential: plain serialized layers (no inbound nodes), the InputLayer first.
    const seq = {
      module: 'keras',
      class_name: 'Sequential',
      config: {
        name: 'transfer',
        trainable: true,
        dtype: k3.policy,
        layers: [
          { module: 'keras.layers', class_name: 'InputLayer', config: { batch_shape: [null, SIZE, SIZE, 3], dtype: 'float32', sparse: false, ragged: false, name: 'input_layer' }, registered_name: null },
          baseConfig,
          { module: 'keras.layers', class_name: 'GlobalAveragePooling2D', config: { name: 'gap', trainable: true, dtype: k3.policy, data_format: 'channels_last', keepdims: false }, registered_name: null, build_config: { input_shape: [null, 16, 16, 8] } },
          { module: 'keras.layers', class_name: 'Dense', config: { name: 'classifier', trainable: true, dtype: k3.policy, units: 2, activation: 'softmax', use_bias: true, kernel_initializer: k3.init('GlorotUniform', { seed: null }), bias_initializer: k3.init('Zeros'), kernel_regularizer: null, bias_regularizer: null, kernel_constraint: null, bias_constraint: null, quantization_config: null }, registered_name: null, build_config: { input_shape: [null, 8] } },
        ],
        build_input_shape: [null, SIZE, SIZE, 3],
      },
      registered_name: null,
      build_config: { input_shape: [null, SIZE, SIZE, 3] },
    }; // prettier-ignore
    head.apply(tf.input({ shape: [8] }));
    head.setWeights(head.getWeights().map((w, i) => tf.randomUniform(w.shape, -1, 1, 'float32', 5 + i)));
    const vars = {
      ...keras3Vars(base, paths, 'layers/functional/layers'),
      'layers/dense': head.weights.map((w) => ({
        shape: w.shape as number[],
        data: w.read().dataSync() as Float32Array,
      })),
    };
    const file = await kerasFile('nested', seq, vars);
    const imported = await importKerasModel(file, { modelsDir });
    expect(imported.format).toBe('keras');
    expect(imported.featureLayer).toBe('residual');
    const names = imported.layers.map((l) => l.name);
    expect(names).toEqual(['input_layer', ...base.layers.slice(1).map((l) => l.name), 'gap', 'classifier']);
    expect(imported.layers.find((l) => l.name === 'residual')).toMatchObject({
      className: 'Add',
      outputShape: [16, 16, 8],
      featureMap: true,
    });
    const fb = await loadBase({ dir: imported.dir, entry: null, source: 'path' });
    expect(fb.featureShape).toEqual([16, 16, 8]);
    expect(maxAbsDiff(run(fb.model, small), run(base, small))).toBeLessThanOrEqual(1e-6);
  });

  it('a layer tfjs cannot run is refused by name', async () => {
    const { config } = smallCnnKeras3(SIZE, 'bad');
    const layers = config.config.layers as ReturnType<typeof k3Layer>[];
    const at = layers.findIndex((l) => l.name === 'pool');
    layers[at] = k3Layer('GlobalAveragePooling2D', 'pool', { data_format: 'channels_last', keepdims: true }, [
      { shape: [null, 16, 16, 8], from: 'residual' },
    ]);
    const keepdims = await kerasFile('keepdims', config, {});
    await expect(loadKerasModel(keepdims)).rejects.toThrow(
      'layer "pool" (GlobalAveragePooling2D): keepdims=True is not supported by tfjs',
    );
    // (Normalization, the usual example, is registered now: the Keras applications use it.)
    layers[at] = k3Layer('RandomFlip', 'pool', { mode: 'horizontal', seed: null }, [
      { shape: [null, 16, 16, 8], from: 'residual' },
    ]);
    await expect(loadKerasModel(await kerasFile('flip', config, {}))).rejects.toThrow(
      'layer "pool" (RandomFlip): this layer type is not supported by tfjs-layers',
    );
  });
});

describe('bring your own Keras model (.h5 full model)', () => {
  const H5 = path.join(MODELS, 'keras', 'mobilenet_v1_0.25_224.h5');

  it('converts once into the model cache, cut before its classifier, with the registry base’s features', async () => {
    const imported = await importKerasModel(H5, { modelsDir });
    expect(imported.cached).toBe(false);
    expect(path.basename(imported.dir)).toBe(`keras-${imported.sha256.slice(0, 16)}`);
    expect(imported.featureLayer).toBe('conv_pw_13_relu');
    expect(imported.layers).toHaveLength(88);
    expect(imported.layers.find((l) => l.name === 'conv_pw_11_relu')).toMatchObject({
      className: 'Activation',
      outputShape: [14, 14, 128],
      featureMap: true,
    });
    const mine = await loadBase({ dir: imported.dir, entry: null, source: 'path' });
    const registry = await loadBase(
      await resolveBase('mobilenet_v1_0.25_224', { mirrorDir: MODELS, download: false }),
    );
    expect(mine.featureShape).toEqual([7, 7, 256]);
    const want = run(registry.model, photos224);
    expect(maxAbsDiff(run(mine.model, photos224), want)).toBeLessThanOrEqual(1e-5);

    // Same bytes: reused, not converted again.
    const mtime = statSync(path.join(imported.dir, 'weights.bin')).mtimeMs;
    const again = await importKerasModel(H5, { modelsDir });
    expect([again.cached, again.dir]).toEqual([true, imported.dir]);
    expect(statSync(path.join(imported.dir, 'weights.bin')).mtimeMs).toBe(mtime);

    // The user picks another feature layer from the list.
    await setFeatureLayer(imported.dir, 'conv_pw_11_relu');
    expect((await loadBase({ dir: imported.dir, entry: null, source: 'path' })).featureShape).toEqual([
      14, 14, 128,
    ]);
    await expect(setFeatureLayer(imported.dir, 'reshape_2')).rejects.toThrow(
      'layer "reshape_2" outputs [1000]; a feature layer must output a 4-D feature map',
    );
  });

  it("the feature-layer picker's job lists layers with shapes, suggests the cut before the classifier and saves the pick", async () => {
    const dir = path.join(tmp, 'picker-models');
    const listed = await modelLayersJob({ file: H5, modelsDir: dir, featureLayer: null });
    expect(listed.layers).toHaveLength(88);
    expect(listed.suggested).toBe('conv_pw_13_relu');
    expect(listed.featureLayer).toBe('conv_pw_13_relu');
    expect(listed.layers.find((l) => l.name === 'reshape_2')).toMatchObject({
      outputShape: [1000],
      featureMap: false,
    });

    const picked = await modelLayersJob({ file: H5, modelsDir: dir, featureLayer: 'conv_pw_11_relu' });
    expect([picked.featureLayer, picked.suggested]).toEqual(['conv_pw_11_relu', 'conv_pw_13_relu']);
    // What training and describe load: the file resolves to its converted folder, cut at the pick.
    const base = await loadBase(await resolveBase(H5, { modelsDir: dir }));
    expect([base.featureLayer, base.featureShape]).toEqual(['conv_pw_11_relu', [14, 14, 128]]);
    base.full.dispose();
    await expect(modelLayersJob({ file: H5, modelsDir: dir, featureLayer: 'reshape_2' })).rejects.toThrow(
      /layer "reshape_2" outputs \[1000\]; a feature layer must output a 4-D feature map/,
    );
    await expect(modelLayersJob({ file: H5, modelsDir: dir, featureLayer: 'nope' })).rejects.toThrow(
      'feature layer "nope" is not a layer of this model',
    );
  });

  it('a damaged cache entry is rebuilt; a truncated file is refused and leaves nothing behind', async () => {
    const first = await importKerasModel(H5, { modelsDir });
    writeFileSync(path.join(first.dir, 'weights.bin'), 'x');
    const rebuilt = await importKerasModel(H5, { modelsDir });
    expect(rebuilt.cached).toBe(false);
    expect(statSync(path.join(rebuilt.dir, 'weights.bin')).size).toBeGreaterThan(800_000);

    const cut = path.join(tmp, 'truncated.h5');
    writeFileSync(cut, readFileSync(H5).subarray(0, 1_000_000));
    const other = path.join(tmp, 'models-truncated');
    await expect(importKerasModel(cut, { modelsDir: other })).rejects.toThrow(/truncated\.h5/);
    expect(() => statSync(other)).toThrow();
  });

  it('a Keras 2 model with a frozen nested base (BatchNorm inside) imports flattened with the base’s features', async () => {
    const base = smallCnnTfjs(false, 3);
    // As Keras' `base.trainable = False` does: every layer inside is frozen too (and says so in its config).
    base.trainable = false;
    base.layers.forEach((l) => (l.trainable = false));
    const outer = tf.sequential({
      name: 'transfer',
      layers: [
        base,
        tf.layers.globalAveragePooling2d({ name: 'gap' }),
        tf.layers.dense({ units: 2, name: 'out' }),
      ],
    });
    const file = path.join(tmp, 'nested_k2.h5');
    await writeKerasModelH5(outer, file);
    const imported = await importKerasModel(file, { modelsDir });
    expect(imported.featureLayer).toBe('residual');
    const fb = await loadBase({ dir: imported.dir, entry: null, source: 'path' });
    expect(maxAbsDiff(run(fb.model, small), run(base, small))).toBeLessThanOrEqual(1e-6);
  });
});
