/**
 * Every layer type the SavedModel emitter supports, in small functional models with seeded weights,
 * exported, decoded, checked and executed with tfjs-converter's graph executor on real photos
 * (downscaled to 32×32) against the tfjs layers model. Covers each preprocessing mode, BN folded and
 * unfused (4-D FusedBatchNormV3 and 2-D affine), nested models and a layer called twice.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import {
  buildGraphDef,
  decodeSavedModel,
  exportSavedModel,
  type Preprocessing,
} from '../../src/main/engine/export/savedmodel';
import {
  checkSavedModel,
  compareOnImages,
  loadAsGraphModel,
  loadImages,
  preprocessReference,
  seedWeights,
  useWasm,
} from './savedmodel-harness';

import { SIZE, convModel, nestedModel, sequentialModel, shapeModel } from './layer-models';

let images: { data: Float32Array; n: number };
let tmp: string;
beforeAll(async () => {
  await useWasm();
  images = await loadImages(SIZE, 12);
  tmp = await mkdtemp(path.join(os.tmpdir(), 'savedmodel-layers-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

const CASES: {
  name: string;
  build: () => tf.LayersModel;
  preprocessing: Preprocessing;
  classes: number;
  seed: number;
  /** Ops that must appear (proves the path under test was taken). */
  ops: string[];
  fusedBn: number;
}[] = [
  {
    name: 'conv_model',
    build: convModel,
    preprocessing: 'caffe',
    classes: 3,
    seed: 1003,
    ops: [
      'ReverseV2',
      'Conv2D',
      'DepthwiseConv2dNative',
      'FusedBatchNormV3',
      'Relu6',
      'Elu',
      'Selu',
      'Tanh',
      'Sigmoid',
      'Minimum',
      'Pad',
      'MaxPool',
      'AvgPool',
      'ConcatV2',
      'Max',
      'AddV2',
      'Mul',
    ],
    fusedBn: 2, // sep_bn (after elu) and c2_bn (c2 has two consumers)
  },
  {
    name: 'shape_model',
    build: shapeModel,
    preprocessing: 'none',
    classes: 4,
    seed: 1004,
    ops: ['Reshape', 'MatMul', 'Elu', 'Tanh', 'Mean', 'ConcatV2', 'Mul', 'AddV2', 'MaxPool'],
    fusedBn: 0,
  },
  {
    name: 'sequential_model',
    build: sequentialModel,
    preprocessing: 'tf',
    classes: 2,
    seed: 5,
    ops: ['Conv2D', 'AvgPool', 'Reshape'],
    fusedBn: 0,
  },
  {
    name: 'nested_model',
    build: nestedModel,
    preprocessing: 'torch',
    classes: 2,
    seed: 2,
    ops: ['RealDiv', 'Sub', 'Relu', 'AvgPool', 'AddV2', 'Mean'],
    fusedBn: 0,
  },
];

describe('SavedModel export, every supported layer', () => {
  it.each(CASES)('$name ($preprocessing preprocessing) matches the tfjs model on real photos', async (c) => {
    const model = c.build();
    seedWeights(
      model.layers.flatMap((l) => ('layers' in l ? (l as tf.LayersModel).layers : [l])),
      c.seed,
      { kernelGain: 2 },
    );
    const res = await exportSavedModel(model, {
      outDir: tmp,
      name: c.name,
      preprocessing: c.preprocessing,
      classNames: Array.from({ length: c.classes }, (_, i) => `class${i}`),
      metadata: {},
    });
    const pb = new Uint8Array(await readFile(path.join(res.dir, 'saved_model.pb')));
    const graph = checkSavedModel(decodeSavedModel(pb), { height: SIZE, width: SIZE, classes: c.classes });
    const ops = graph.node.map((n) => n.op);
    for (const op of c.ops) expect(ops, `expected a ${op} node`).toContain(op);
    expect(ops.filter((o) => o === 'FusedBatchNormV3')).toHaveLength(c.fusedBn);

    const gm = await loadAsGraphModel(graph);
    const cmp = await compareOnImages(
      gm,
      model,
      images.data,
      preprocessReference(images.data, c.preprocessing),
      [images.n, SIZE, SIZE, 3],
    );
    gm.dispose();
    console.log(`${c.name}: ${res.nodes} nodes, ${res.bytes} bytes; ${JSON.stringify(cmp)}`);
    expect(cmp.n).toBeGreaterThanOrEqual(20);
    // Seeds and gain chosen so outputs vary across photos (else a broken graph could still "match").
    expect(cmp.distinctClasses).toBeGreaterThan(1);
    expect(cmp.maxAbsDiff).toBeLessThanOrEqual(1e-4);
    expect(cmp.argmaxAgree).toBe(cmp.n);
    expect(cmp.classIndexAgree).toBe(cmp.n);
    model.dispose();
  });

  it('folds BN into the conv it follows: same outputs, fewer nodes than an unfolded export would need', async () => {
    // c1 (no bias) + c1_bn fold to Conv2D + BiasAdd: the BN's gamma/beta/mean/variance never appear.
    const model = convModel();
    seedWeights(model.layers, 7);
    const res = await exportSavedModel(model, {
      outDir: tmp,
      name: 'fold',
      preprocessing: 'tf',
      classNames: ['a', 'b', 'c'],
      metadata: {},
    });
    const graph = decodeSavedModel(new Uint8Array(await readFile(path.join(res.dir, 'saved_model.pb'))))
      .metaGraphs[0].graphDef;
    const names = graph.node.map((n) => n.name);
    expect(names).toContain('c1/Conv2D');
    expect(names).toContain('c1/BiasAdd');
    expect(names.filter((n) => n.startsWith('c1_bn/'))).toEqual([]);
    expect(names.filter((n) => n.startsWith('dw_bn/'))).toEqual([]);
    expect(names.filter((n) => n.startsWith('d1_bn/'))).toEqual([]);
    expect(names).toContain('sep_bn/FusedBatchNormV3');
    expect(names).toContain('d2_bn/mul');
    model.dispose();
    const nested = nestedModel();
    const names2 = buildGraphDef(nested, 'none').node.map((n) => n.name);
    // The Sequential is inlined under its name; its BN folds; the shared conv is emitted per call.
    expect(names2).toContain('inner/inner_c/Conv2D');
    expect(names2.filter((n) => n.includes('_bn/'))).toEqual([]);
    expect(names2).toContain('sep/pointwise');
    expect(names2).toContain('shared/Conv2D');
    expect(names2).toContain('shared_call1/Conv2D');
    const shaped = buildGraphDef(shapeModel(), 'none').node.map((n) => n.name);
    expect(shaped.filter((n) => n.startsWith('seq_bn_folded/'))).toEqual([]);
    expect(shaped).toContain('seq_bn/mul');
  });
});
