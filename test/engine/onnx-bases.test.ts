/**
 * The frozen base on ONNX Runtime, for both shared pretrained bases: features from the OrtExtractor
 * (compiled ONNX, one CPU session, real decode path) against the tfjs layers model on 24 real photos;
 * then the whole trained-style model (base + head) exported to onnx/model.onnx and run by ORT on raw
 * 0–255 pixels against the tfjs model on preprocessed ones.
 */
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/main/engine/backend';
import { loadBase } from '../../src/main/engine/bases/load';
import { resolveBase } from '../../src/main/engine/bases/resolve';
import { scanDataset } from '../../src/main/engine/dataset/scan';
import { prepareBatch } from '../../src/main/engine/extract/batch';
import { exportOnnx } from '../../src/main/engine/export/onnx';
import { decodeModel } from '../../src/main/engine/onnx/compiler';
import { OrtExtractor } from '../../src/main/engine/onnx/extractor';
import { globalPool } from '../../src/main/engine/store/pool';
import { HYMENOPTERA, MODELS } from '../helpers/shared';
import { checkOnnxModel, compareClassifier, cpuSession, maxDiff, runOnnx } from './onnx-harness';
import { loadImages, preprocessReference, seedWeights } from './savedmodel-harness';

let tmp: string;
beforeAll(async () => {
  await initBackend('wasm');
  tmp = await mkdtemp(path.join(os.tmpdir(), 'onnx-bases-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe.each([
  { id: 'mobilenet_v1_0.25_224', seed: 11 },
  { id: 'mobilenet_v2_0.35_224', seed: 12 },
])('$id on ONNX Runtime', ({ id, seed }) => {
  it('extracts the tfjs layers model’s features from real photos (max |Δ| ≤ 1e-4 relative)', async () => {
    const base = await loadBase(await resolveBase(id, { mirrorDir: MODELS, download: false }));
    const pixel = {
      inputSize: base.inputSize,
      resize: 'stretch' as const,
      preprocessing: base.preprocessing,
    };
    const ex = await OrtExtractor.create(base, pixel, { device: 'cpu' });
    expect(ex.report.name).toBe('cpu');
    const scan = await scanDataset(HYMENOPTERA);
    const files = scan.files
      .filter((f) => f.split === 'val' && /\.jpe?g$/i.test(f.rel))
      .filter((_, i) => i % 6 === 0);
    expect(files.length).toBeGreaterThanOrEqual(20);
    const items = await Promise.all(
      files.map(async (f) => ({ bytes: new Uint8Array(await readFile(f.path)), augment: null, seed: 0 })),
    );
    const got = await ex.run(items);
    expect(got.errors.every((e) => e === null)).toBe(true);
    expect(ex.forwardPasses).toBe(files.length);
    await ex.close();
    // The reference: the same decoded pixels through the tfjs layers model.
    const batch = await prepareBatch(items, pixel);
    const ref = tf.tidy(() =>
      (
        base.model.predict(tf.tensor4d(batch.input, [files.length, ...base.inputSize, 3])) as tf.Tensor
      ).dataSync(),
    );
    const { diff, scale } = maxDiff(got.features, ref);
    console.log(
      `${id}: ${files.length} photos, max |Δ| ${diff.toExponential(2)} of max ${scale.toFixed(2)}; ${ex.describe()}`,
    );
    expect(scale).toBeGreaterThan(0.5);
    expect(diff / scale).toBeLessThanOrEqual(1e-4);

    // Pooled in the graph (what a pooling head stores) = the reference maps pooled in JS.
    const channels = base.featureShape[2];
    const perMap = ref.length / files.length;
    for (const pool of ['avg', 'max'] as const) {
      const pooledEx = await OrtExtractor.create(base, pixel, { device: 'cpu', pool });
      const pooled = await pooledEx.run(items);
      await pooledEx.close();
      expect(pooled.pooled).toBe(pool);
      expect(pooled.features.length).toBe(files.length * channels);
      const want = new Float32Array(files.length * channels);
      for (let k = 0; k < files.length; k++)
        want.set(
          globalPool(ref.subarray(k * perMap, (k + 1) * perMap) as Float32Array, channels, pool),
          k * channels,
        );
      const d = maxDiff(pooled.features, want);
      expect(d.scale).toBeGreaterThan(0.1);
      expect(d.diff / d.scale, pool).toBeLessThanOrEqual(1e-4);
    }
    base.full.dispose();
  });

  it('exports base + head as onnx/model.onnx that reproduces the tfjs model (max |Δp| ≤ 1e-4, same argmax)', async () => {
    const base = await loadBase(await resolveBase(id, { mirrorDir: MODELS, download: false }));
    const head = [
      tf.layers.globalAveragePooling2d({ name: 'head_pool' }),
      tf.layers.dense({ units: 32, activation: 'relu', name: 'head_dense' }),
      tf.layers.dropout({ rate: 0.5, name: 'head_dropout' }),
      tf.layers.dense({ units: 2, activation: 'softmax', name: 'head_classifier' }),
    ];
    let x = base.model.outputs[0];
    for (const l of head) x = l.apply(x) as tf.SymbolicTensor;
    const model = tf.model({ inputs: base.full.inputs, outputs: x });
    seedWeights(head, seed);
    const outDir = path.join(tmp, id);
    const progress: number[] = [];
    const res = await exportOnnx(model, {
      outDir,
      preprocessing: 'tf',
      classNames: ['ants', 'bees'],
      metadata: { base: id, appVersion: '0.1.0-test' },
      onProgress: (d) => progress.push(d),
    });
    expect(res.dir).toBe(path.join(outDir, 'onnx'));
    expect(await readdir(outDir)).toEqual(['onnx']); // no temp folder left behind
    expect((await readdir(res.dir)).sort()).toEqual(['labels.json', 'metadata.json', 'model.onnx']);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
    expect(JSON.parse(await readFile(path.join(res.dir, 'labels.json'), 'utf8'))).toEqual(['ants', 'bees']);
    const meta = JSON.parse(await readFile(path.join(res.dir, 'metadata.json'), 'utf8'));
    expect(meta).toMatchObject({
      base: id,
      format: 'onnx',
      opset: 17,
      classNames: ['ants', 'bees'],
      inputSize: [224, 224],
      preprocessing: 'tf',
      preprocessingInGraph: true,
      outputs: { class_index: { dtype: 'int64' } },
    });
    const bytes = new Uint8Array(await readFile(path.join(res.dir, 'model.onnx')));
    expect(bytes.length).toBe(res.bytes);
    const decoded = decodeModel(bytes);
    checkOnnxModel(decoded, { inputs: ['images'], outputs: ['probabilities', 'class_index'] });
    const props = Object.fromEntries((decoded.metadataProps ?? []).map((p) => [p.key, p.value]));
    expect(JSON.parse(props.classNames)).toEqual(['ants', 'bees']);
    expect(JSON.parse(props.inputSize)).toEqual([224, 224]);
    expect(props.preprocessing).toBe('tf');
    // Every BN in these bases follows a linear conv and feeds nothing else: all folded.
    expect(decoded.graph.node.some((n) => n.opType === 'BatchNormalization')).toBe(false);
    expect(decoded.graph.node.filter((n) => n.opType === 'Transpose')).toHaveLength(1); // NHWC → NCHW once

    const images = await loadImages(224, 12);
    const session = await cpuSession(bytes);
    const out = await runOnnx(session, { images: { data: images.data, dims: [images.n, 224, 224, 3] } });
    await session.release();
    const ref = tf.tidy(
      () =>
        (
          model.predict(
            tf.tensor4d(preprocessReference(images.data, 'tf'), [images.n, 224, 224, 3]),
          ) as tf.Tensor
        ).dataSync() as Float32Array,
    );
    const cmp = compareClassifier(
      out.probabilities.data as Float32Array,
      out.class_index.data as BigInt64Array,
      ref,
      2,
    );
    console.log(`${id} export: ${res.nodes} nodes, ${res.bytes} bytes; ${JSON.stringify(cmp)}`);
    expect(cmp.n).toBeGreaterThanOrEqual(20);
    expect(cmp.distinctClasses).toBeGreaterThan(1); // predictions vary, so agreeing argmaxes mean something
    expect(cmp.maxAbsDiff).toBeLessThanOrEqual(1e-4);
    expect(cmp.argmaxAgree).toBe(cmp.n);
    expect(cmp.classIndexAgree).toBe(cmp.n);
    model.dispose();
  });
});
