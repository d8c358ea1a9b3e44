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

const SIZE = 32;
type ST = tf.SymbolicTensor;
const L = tf.layers;
const ap = (layer: tf.layers.Layer, x: ST | ST[]): ST => layer.apply(x) as ST;

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

/** Convolutions, every activation, BN folded and not, padding, pooling, merges. */
function convModel(): tf.LayersModel {
  const inp = tf.input({ shape: [SIZE, SIZE, 3], name: 'img' });
  let x = ap(
    L.conv2d({ name: 'c1', filters: 8, kernelSize: 3, strides: 2, padding: 'same', useBias: false }),
    inp,
  );
  x = ap(L.batchNormalization({ name: 'c1_bn' }), x); // folds into c1 (no bias)
  x = ap(L.activation({ name: 'c1_relu6', activation: 'relu6' }), x);
  x = ap(L.depthwiseConv2d({ name: 'dw', kernelSize: 3, depthMultiplier: 2, padding: 'same' }), x);
  x = ap(L.batchNormalization({ name: 'dw_bn' }), x); // folds into dw (with bias, multiplier 2)
  x = ap(L.reLU({ name: 'dw_relu', maxValue: 6 }), x);
  x = ap(
    L.separableConv2d({
      name: 'sep',
      filters: 12,
      kernelSize: 3,
      strides: 2,
      padding: 'same',
      activation: 'elu',
    }),
    x,
  );
  x = ap(L.batchNormalization({ name: 'sep_bn' }), x); // after an activation: FusedBatchNormV3
  const c = ap(L.conv2d({ name: 'c2', filters: 12, kernelSize: 1 }), x);
  const cBn = ap(L.batchNormalization({ name: 'c2_bn', center: false }), c); // c2 also feeds the Add: unfused
  x = ap(L.add({ name: 'skip' }), [c, cBn]);
  x = ap(L.activation({ name: 'act_swish', activation: 'swish' }), x);
  x = ap(
    L.zeroPadding2d({
      name: 'pad',
      padding: [
        [1, 0],
        [0, 1],
      ],
    }),
    x,
  );
  x = ap(L.maxPooling2d({ name: 'maxpool', poolSize: 2 }), x);
  x = ap(L.averagePooling2d({ name: 'avgpool', poolSize: 3, strides: 1, padding: 'same' }), x);
  const a = ap(L.conv2d({ name: 'branch_selu', filters: 6, kernelSize: 1, activation: 'selu' }), x);
  const b = ap(
    L.conv2d({ name: 'branch_tanh', filters: 6, kernelSize: 3, padding: 'same', activation: 'tanh' }),
    x,
  );
  const s = ap(L.conv2d({ name: 'branch_sigmoid', filters: 6, kernelSize: 1, activation: 'sigmoid' }), x);
  const m = ap(L.multiply({ name: 'gate' }), [a, s]);
  x = ap(L.concatenate({ name: 'concat', axis: -1 }), [m, b, a]);
  x = ap(L.reLU({ name: 'relu_cap3', maxValue: 3 }), x);
  x = ap(L.conv2d({ name: 'c3', filters: 8, kernelSize: 2, padding: 'valid', activation: 'relu' }), x);
  x = ap(L.globalMaxPooling2d({ name: 'gmp' }), x);
  x = ap(L.dense({ name: 'd1', units: 16 }), x);
  x = ap(L.batchNormalization({ name: 'd1_bn', scale: false }), x); // folds into the dense
  x = ap(L.activation({ name: 'd1_act', activation: 'relu' }), x);
  x = ap(L.dense({ name: 'd2', units: 8, activation: 'relu6' }), x);
  x = ap(L.batchNormalization({ name: 'd2_bn' }), x); // 2-D, after an activation: Mul + AddV2
  x = ap(L.activation({ name: 'lin', activation: 'linear' }), x);
  x = ap(L.dense({ name: 'out', units: 3, activation: 'softmax' }), x);
  return tf.model({ inputs: inp, outputs: x, name: 'conv_model' });
}

/** Flatten/Reshape, a rank-3 Dense, Rescaling inside the model, GAP, Dropout and a softmax Activation layer. */
function shapeModel(): tf.LayersModel {
  const inp = tf.input({ shape: [SIZE, SIZE, 3], name: 'img' });
  let x = ap(L.rescaling({ name: 'rescale', scale: 1 / 255, offset: -0.5 }), inp);
  x = ap(L.rescaling({ name: 'rescale_up', scale: 2 }), x);
  x = ap(L.conv2d({ name: 'c1', filters: 4, kernelSize: 3, strides: 2, activation: 'relu' }), x);
  const g = ap(L.globalAveragePooling2d({ name: 'gap' }), x);
  x = ap(L.maxPooling2d({ name: 'pool', poolSize: 3, strides: 3 }), x);
  x = ap(L.flatten({ name: 'flat' }), x);
  x = ap(L.dense({ name: 'd1', units: 24, activation: 'elu' }), x);
  x = ap(L.reshape({ name: 'to_seq', targetShape: [4, 6] }), x);
  x = ap(L.dense({ name: 'per_step', units: 5, activation: 'tanh' }), x); // Dense on [batch, 4, 6]
  x = ap(L.batchNormalization({ name: 'seq_bn' }), x); // 3-D after tanh: Mul + AddV2
  x = ap(L.dense({ name: 'per_step_lin', units: 5 }), x);
  x = ap(L.batchNormalization({ name: 'seq_bn_folded' }), x); // folds into the rank-3 dense
  x = ap(L.reshape({ name: 'back', targetShape: [20] }), x);
  x = ap(L.concatenate({ name: 'with_gap' }), [x, g]);
  x = ap(L.dropout({ name: 'drop', rate: 0.3 }), x);
  x = ap(L.dense({ name: 'logits', units: 4 }), x);
  x = ap(L.activation({ name: 'probs', activation: 'softmax' }), x);
  return tf.model({ inputs: inp, outputs: x, name: 'shape_model' });
}

/** A Sequential sub-model inlined in a functional model, and one conv layer called on two branches. */
function nestedModel(): tf.LayersModel {
  const inner = tf.sequential({
    name: 'inner',
    layers: [
      L.conv2d({
        name: 'inner_c',
        inputShape: [SIZE, SIZE, 3],
        filters: 6,
        kernelSize: 3,
        strides: 2,
        padding: 'same',
      }),
      L.batchNormalization({ name: 'inner_bn' }),
      L.reLU({ name: 'inner_relu' }),
    ],
  });
  const inp = tf.input({ shape: [SIZE, SIZE, 3], name: 'img' });
  let f = ap(inner, inp);
  f = ap(
    L.separableConv2d({ name: 'sep', filters: 6, kernelSize: 3, padding: 'same', depthMultiplier: 2 }),
    f,
  );
  f = ap(L.batchNormalization({ name: 'sep_bn' }), f); // folds into the pointwise kernel
  const shared = L.conv2d({ name: 'shared', filters: 6, kernelSize: 3, padding: 'same', activation: 'relu' });
  const a = ap(shared, f);
  const b = ap(shared, ap(L.averagePooling2d({ name: 'blur', poolSize: 3, strides: 1, padding: 'same' }), f));
  let x = ap(L.add({ name: 'sum3' }), [a, b, f]);
  x = ap(L.globalAveragePooling2d({ name: 'gap' }), x);
  x = ap(L.dense({ name: 'out', units: 2, activation: 'softmax' }), x);
  return tf.model({ inputs: inp, outputs: x, name: 'nested_model' });
}

/** A plain Sequential as the top-level model. */
function sequentialModel(): tf.LayersModel {
  return tf.sequential({
    name: 'seq_model',
    layers: [
      L.conv2d({
        name: 'c',
        inputShape: [SIZE, SIZE, 3],
        filters: 4,
        kernelSize: 5,
        strides: 3,
        activation: 'relu',
      }),
      L.averagePooling2d({ name: 'pool', poolSize: 2 }),
      L.flatten({ name: 'flat' }),
      L.dense({ name: 'out', units: 2, activation: 'softmax' }),
    ],
  });
}

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
