/**
 * The MobileNetV2 builder with real ImageNet weights: ../shared's MobileNetV2 0.35 (converted from the
 * Keras-Applications notop file by the older keras-applications code, which had a `Conv1_pad` layer)
 * copied layer by layer, by name, into the tf.keras 2.x structure built here must give the same
 * features on real photos.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { fileModelHandler } from '../../src/main/engine/model/io';
import { buildMobileNetV2 } from '../../src/main/engine/keras/applications/mobilenet-v2';
import { MODELS, loadImages, preprocessReference, useWasm } from './savedmodel-harness';

describe('MobileNetV2 builder with real ImageNet weights', () => {
  it('alpha 0.35 reproduces the shared pretrained model’s features on real photos', async () => {
    await useWasm();
    const ref = await tf.loadLayersModel(fileModelHandler(path.join(MODELS, 'mobilenet_v2_0.35_224_no_top')));
    const mine = buildMobileNetV2(0.35, [224, 224], 'zeros');
    expect(mine.countParams()).toBe(410_208);
    expect(mine.countParams()).toBe(ref.countParams());
    const weighted = mine.layers.filter((l) => l.weights.length > 0);
    expect(weighted).toHaveLength(ref.layers.filter((l) => l.weights.length > 0).length);
    for (const l of weighted) l.setWeights(ref.getLayer(l.name).getWeights());
    // The older structure's extra layer: the same padding, done by the conv's own 'same'.
    expect(ref.layers.map((l) => l.name)).toContain('Conv1_pad');
    expect(mine.layers.map((l) => l.name)).not.toContain('Conv1_pad');

    const imgs = await loadImages(224, 6);
    const x = tf.tensor4d(preprocessReference(imgs.data, 'tf'), [imgs.n, 224, 224, 3]);
    const [a, b] = [mine.predict(x) as tf.Tensor, ref.predict(x) as tf.Tensor];
    const [fa, fb] = [(await a.data()) as Float32Array, (await b.data()) as Float32Array];
    tf.dispose([x, a, b]);
    let diff = 0;
    let max = 0;
    for (let i = 0; i < fa.length; i++) {
      diff = Math.max(diff, Math.abs(fa[i] - fb[i]));
      max = Math.max(max, Math.abs(fb[i]));
    }
    console.log(
      `mobilenet_v2 0.35: ${imgs.n} photos, max feature ${max.toFixed(3)}, max |Δ| ${diff.toExponential(1)}`,
    );
    expect(imgs.n).toBeGreaterThanOrEqual(10);
    expect(max).toBeGreaterThan(1);
    expect(diff).toBeLessThanOrEqual(1e-5);
    mine.dispose();
    ref.dispose();
  });
});
