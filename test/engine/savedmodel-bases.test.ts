/**
 * SavedModel export of base + head models on the real pretrained bases in ../shared/models: the written
 * saved_model.pb is decoded and checked, then executed with tfjs-converter's graph executor on real
 * photos (raw 0–255 in) and compared with the tfjs layers model (preprocessed input in).
 */
import { mkdtemp, readFile, readdir, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { fileModelHandler } from '../../src/main/engine/model/io';
import { decodeSavedModel, exportSavedModel } from '../../src/main/engine/export/savedmodel';
import {
  MODELS,
  checkSavedModel,
  compareOnImages,
  loadAsGraphModel,
  loadImages,
  preprocessReference,
  seedWeights,
  useWasm,
  wireFields,
} from './savedmodel-harness';

const SIZE = 224;
let images: { data: Float32Array; n: number };
let tmp: string;

beforeAll(async () => {
  await useWasm();
  images = await loadImages(SIZE, 12);
  tmp = await mkdtemp(path.join(os.tmpdir(), 'savedmodel-bases-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

/** Base cut at its feature layer + GAP → Dense(relu) → Dropout → Dense(2, softmax), as one flat functional model. */
async function baseWithHead(
  folder: string,
  featureLayer: string | null,
  seed: number,
): Promise<tf.LayersModel> {
  const base = await tf.loadLayersModel(fileModelHandler(path.join(MODELS, folder)));
  const feat = (featureLayer ? base.getLayer(featureLayer).output : base.outputs[0]) as tf.SymbolicTensor;
  const head = [
    tf.layers.globalAveragePooling2d({ name: 'head_pool' }),
    tf.layers.dense({ units: 32, activation: 'relu', name: 'head_dense' }),
    tf.layers.dropout({ rate: 0.5, name: 'head_dropout' }),
    tf.layers.dense({ units: 2, activation: 'softmax', name: 'head_classifier' }),
  ];
  let x = feat;
  for (const l of head) x = l.apply(x) as tf.SymbolicTensor;
  const model = tf.model({ inputs: base.inputs, outputs: x });
  seedWeights(head, seed);
  return model;
}

describe.each([
  { folder: 'mobilenet_v1_0.25_224', feature: 'conv_pw_13_relu', seed: 11 },
  { folder: 'mobilenet_v2_0.35_224_no_top', feature: null, seed: 12 },
])('SavedModel export of $folder + head', ({ folder, feature, seed }) => {
  it('writes a valid frozen SavedModel that reproduces the tfjs model on real photos', async () => {
    const model = await baseWithHead(folder, feature, seed);
    const progress: [number, number][] = [];
    const res = await exportSavedModel(model, {
      outDir: tmp,
      name: folder,
      preprocessing: 'tf',
      classNames: ['ants', 'bees'],
      metadata: { base: folder, appVersion: '0.1.0-test' },
      onProgress: (d, t) => progress.push([d, t]),
    });
    expect(res.dir).toBe(path.join(tmp, folder, '1'));
    expect(await readdir(res.dir)).toEqual(['assets.extra', 'saved_model.pb', 'variables']);
    expect(await readdir(path.join(res.dir, 'variables'))).toEqual([]);
    expect(JSON.parse(await readFile(path.join(res.dir, 'assets.extra', 'labels.json'), 'utf8'))).toEqual([
      'ants',
      'bees',
    ]);
    const meta = JSON.parse(await readFile(path.join(res.dir, 'assets.extra', 'metadata.json'), 'utf8'));
    expect(meta).toMatchObject({
      base: folder,
      appVersion: '0.1.0-test',
      classNames: ['ants', 'bees'],
      inputSize: [224, 224],
      preprocessing: 'tf',
    });
    expect(await readdir(path.join(tmp, folder))).toEqual(['1']); // no temp folder left behind
    expect(progress.at(-1)![0]).toBe(progress.at(-1)![1]);
    expect(progress.map((p) => p[0])).toEqual([...progress.map((p) => p[0])].sort((a, b) => a - b));

    const pb = new Uint8Array(await readFile(path.join(res.dir, 'saved_model.pb')));
    expect(pb.length).toBe(res.bytes);
    expect((await stat(path.join(res.dir, 'saved_model.pb'))).size).toBe(res.bytes);
    // Only saved_model_schema_version and meta_graphs; only meta_info_def, graph_def and signature_def.
    expect(wireFields(pb)).toEqual({ savedModel: [1, 2], metaGraph: [1, 2, 5] });
    const graph = checkSavedModel(decodeSavedModel(pb), { height: SIZE, width: SIZE, classes: 2 });
    expect(graph.node.length).toBe(res.nodes);
    const ops = new Set(graph.node.map((n) => n.op));
    // Every BN in these bases follows a linear conv and feeds nothing else: all folded.
    expect(ops.has('FusedBatchNormV3')).toBe(false);

    const gm = await loadAsGraphModel(graph);
    const shape: [number, number, number, number] = [images.n, SIZE, SIZE, 3];
    const cmp = await compareOnImages(gm, model, images.data, preprocessReference(images.data, 'tf'), shape);
    gm.dispose();
    console.log(
      `${folder}: ${res.nodes} nodes, ${res.bytes} bytes, ops ${[...ops].sort().join(',')}; ${JSON.stringify(cmp)}`,
    );
    expect(cmp.n).toBeGreaterThanOrEqual(20);
    expect(cmp.maxAbsDiff).toBeLessThanOrEqual(1e-4);
    expect(cmp.argmaxAgree).toBe(cmp.n);
    expect(cmp.classIndexAgree).toBe(cmp.n);
    model.dispose();
  });
});
