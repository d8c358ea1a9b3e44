import { readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/main/engine/backend';
import { loadKerasModel } from '../../src/main/engine/keras/model';
import { loadKerasWeights } from '../../src/main/engine/keras/weights';
import { fileModelHandler } from '../../src/main/engine/model/io';
import { tf } from '../../src/main/engine/tf';
import { maxAbsDiff, photoBatch } from '../helpers/keras-files';
import { MODELS } from '../helpers/shared';

// The same ImageNet weights as the shared tfjs models, in Keras 2's HDF5 layouts (see models/keras/SOURCE.md).
const KERAS = path.join(MODELS, 'keras');
const V1 = path.join(MODELS, 'mobilenet_v1_0.25_224');
const V2 = path.join(MODELS, 'mobilenet_v2_0.35_224_no_top');
const PHOTOS = 12;

let photos: tf.Tensor4D;
beforeAll(async () => {
  await initBackend('wasm');
  const b = await photoBatch(PHOTOS, 224, 'tf');
  photos = tf.tensor4d(b.input, b.shape);
});

/** The architecture alone: the tfjs model with every weight zeroed, so only the file can make it right. */
async function architecture(dir: string): Promise<tf.LayersModel> {
  const m = await tf.loadLayersModel(fileModelHandler(dir));
  m.setWeights(m.getWeights().map((w) => tf.zerosLike(w)));
  return m;
}

const cut = (m: tf.LayersModel, layer: string) =>
  tf.model({ inputs: m.inputs, outputs: m.getLayer(layer).output as tf.SymbolicTensor });

function features(m: tf.LayersModel): Float32Array {
  return tf.tidy(() => (m.predict(photos, { batchSize: 4 }) as tf.Tensor).dataSync() as Float32Array);
}

async function reference(dir: string, layer: string) {
  const m = await tf.loadLayersModel(fileModelHandler(dir));
  const f = features(cut(m, layer));
  m.dispose();
  return f;
}

describe("Keras' HDF5 files of the shared MobileNets give the tfjs models' features on real photos", () => {
  it('full model (model.save): built from model_config, weights from model_weights', async () => {
    const want = await reference(V1, 'conv_pw_13_relu');
    const { model, format, kerasVersion, report } = await loadKerasModel(
      path.join(KERAS, 'mobilenet_v1_0.25_224.h5'),
    );
    expect([format, kerasVersion, report.loaded.length, report.unused]).toEqual(['h5', '2.12.0', 55, []]);
    const got = features(cut(model, 'conv_pw_13_relu'));
    expect(got).toHaveLength(PHOTOS * 7 * 7 * 256);
    expect(Math.max(...got.slice(0, 5000))).toBeGreaterThan(0.5); // real activations, not zeros
    expect(maxAbsDiff(got, want)).toBeLessThanOrEqual(1e-5);
    // The whole model, ImageNet head included, agrees too.
    const ref = await tf.loadLayersModel(fileModelHandler(V1));
    expect(maxAbsDiff(features(model), features(ref))).toBeLessThanOrEqual(1e-5);
  });

  it('weights-only notop file (save_weights) into the tfjs MobileNetV2 0.35 architecture', async () => {
    const want = await reference(V2, 'out_relu');
    const model = await architecture(V2);
    const zeroed = features(model);
    const report = await loadKerasWeights(model, path.join(KERAS, 'mobilenet_v2_0.35_224_no_top_weights.h5'));
    expect([report.layout, report.loaded.length, report.tensors]).toEqual(['weights', 104, 260]);
    const got = features(model);
    expect(maxAbsDiff(zeroed, want)).toBeGreaterThan(0.5);
    expect(maxAbsDiff(got, want)).toBeLessThanOrEqual(1e-5);
  });

  it('weights-only file with Theano-era weight names into the MobileNet v1 0.25 architecture', async () => {
    const want = await reference(V1, 'conv_pw_13_relu');
    const model = await architecture(V1);
    const report = await loadKerasWeights(
      model,
      path.join(KERAS, 'mobilenet_v1_0.25_224_weights_legacy_names.h5'),
    );
    expect(report.loaded).toHaveLength(55);
    expect(maxAbsDiff(features(cut(model, 'conv_pw_13_relu')), want)).toBeLessThanOrEqual(1e-5);
  });
});

describe('a Keras file that does not fit the architecture is refused, naming the layer', () => {
  it('wrong shape: the layer, the weight and both shapes', async () => {
    // MobileNet v1 with conv1 widened from 8 to 16 filters (and what follows it adjusted).
    const json = JSON.parse(readFileSync(path.join(V1, 'model.json'), 'utf8'));
    const layers = json.modelTopology.model_config.config.layers as {
      name: string;
      config: { filters?: number };
    }[];
    layers.find((l) => l.name === 'conv1')!.config.filters = 16;
    const model = await tf.models.modelFromJSON({ modelTopology: json.modelTopology });
    await expect(
      loadKerasWeights(model, path.join(KERAS, 'mobilenet_v1_0.25_224_weights_legacy_names.h5')),
    ).rejects.toThrow(
      'layer "conv1": weight 0 ("conv1_W_1:0") has shape [3,3,3,8] in mobilenet_v1_0.25_224_weights_legacy_names.h5 but the model expects [3,3,3,16]',
    );
  });

  it('missing layer: MobileNetV2 weights into the MobileNet v1 architecture', async () => {
    await expect(
      loadKerasWeights(await architecture(V1), path.join(KERAS, 'mobilenet_v2_0.35_224_no_top_weights.h5')),
    ).rejects.toThrow('layer "conv1" (Conv2D, 1 weights) is not in mobilenet_v2_0.35_224_no_top_weights.h5');
  });
});
