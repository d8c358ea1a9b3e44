/**
 * Every layer type the ONNX compiler supports (the SavedModel export's list), in the same small models
 * as the SavedModel layer tests with seeded weights, compiled to ONNX, checked structurally, and run by
 * real ONNX Runtime on real photos against the tfjs layers model. A layout model covers what NCHW
 * inside changes: odd sizes with TF's asymmetric SAME pads, concatenation on spatial axes, Flatten and
 * Reshape in NHWC order, Dense and softmax on image tensors, dilation.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/main/engine/backend';
import type { FeatureBase } from '../../src/main/engine/bases/load';
import { LazyExtractor } from '../../src/main/engine/extract/lazy';
import {
  compileClassifier,
  compileFeatureModel,
  decodeModel,
  OnnxCompileError,
} from '../../src/main/engine/onnx/compiler';
import type { Preprocessing } from '../../src/main/engine/image/preprocess';
import { PREPROCESSING } from '@shared/preprocessing';
import { SIZE, convModel, nestedModel, sequentialModel, shapeModel } from './layer-models';
import {
  checkOnnxModel,
  compareClassifier,
  cpuSession,
  maxDiff,
  modelWireFields,
  runOnnx,
} from './onnx-harness';
import { loadImages, preprocessReference, seedWeights } from './savedmodel-harness';

type ST = tf.SymbolicTensor;
const L = tf.layers;
const ap = (layer: tf.layers.Layer, x: ST | ST[]): ST => layer.apply(x) as ST;

let images: { data: Float32Array; n: number };
beforeAll(async () => {
  await initBackend('wasm');
  images = await loadImages(SIZE, 12);
});

const CASES: {
  name: string;
  build: () => tf.LayersModel;
  preprocessing: Preprocessing;
  classes: number;
  seed: number;
  /** Ops that must appear (proves the path under test was taken). */
  ops: string[];
  /** Unfolded 4-D batch norms (BatchNormalization nodes). */
  bnNodes: number;
}[] = [
  {
    name: 'conv_model',
    build: convModel,
    preprocessing: 'caffe',
    classes: 3,
    seed: 1003,
    ops: ['Gather', 'Conv', 'BatchNormalization', 'Clip', 'Elu', 'Selu', 'Tanh', 'Sigmoid', 'Pad', 'MaxPool'],
    bnNodes: 2, // sep_bn (after elu) and c2_bn (c2 has two consumers)
  },
  {
    name: 'shape_model',
    build: shapeModel,
    preprocessing: 'none',
    classes: 4,
    seed: 1004,
    ops: ['Reshape', 'MatMul', 'Gemm', 'Elu', 'Tanh', 'GlobalAveragePool', 'Concat', 'Mul', 'Add', 'Flatten'],
    bnNodes: 0,
  },
  {
    name: 'sequential_model',
    build: sequentialModel,
    preprocessing: 'tf',
    classes: 2,
    seed: 5,
    ops: ['Div', 'Sub', 'Conv', 'AveragePool', 'Transpose', 'Reshape'],
    bnNodes: 0,
  },
  {
    name: 'nested_model',
    build: nestedModel,
    preprocessing: 'torch',
    classes: 2,
    seed: 2,
    ops: ['Div', 'Sub', 'Relu', 'AveragePool', 'Add', 'GlobalAveragePool'],
    bnNodes: 0,
  },
];

const allLayers = (m: tf.LayersModel) =>
  m.layers.flatMap((l) => ('layers' in l ? (l as tf.LayersModel).layers : [l]));

describe('ONNX compiler, every supported layer', () => {
  it.each(CASES)('$name ($preprocessing preprocessing) matches the tfjs model on real photos', async (c) => {
    const model = c.build();
    seedWeights(allLayers(model), c.seed, { kernelGain: 2 });
    const compiled = compileClassifier(model, c.preprocessing, { classes: String(c.classes) });
    expect(modelWireFields(compiled.bytes)).toEqual([1, 2, 3, 7, 8, 14]);
    const decoded = decodeModel(compiled.bytes);
    const ops = checkOnnxModel(decoded, { inputs: ['images'], outputs: ['probabilities', 'class_index'] });
    for (const op of c.ops) expect(ops, `expected a ${op} node`).toContain(op);
    expect(ops.filter((o) => o === 'BatchNormalization')).toHaveLength(c.bnNodes);
    // Exactly one transpose into NCHW at the input (plus the NHWC-order ones Flatten/Reshape need).
    expect(decoded.graph.node.filter((n) => n.name === 'input_to_nchw')).toHaveLength(1);
    expect(decoded.metadataProps).toEqual([{ key: 'classes', value: String(c.classes) }]);

    const session = await cpuSession(compiled.bytes);
    const out = await runOnnx(session, { images: { data: images.data, dims: [images.n, SIZE, SIZE, 3] } });
    await session.release();
    expect(out.class_index.type).toBe('int64');
    expect(out.probabilities.dims).toEqual([images.n, c.classes]);
    const ref = tf.tidy(
      () =>
        (
          model.predict(
            tf.tensor4d(preprocessReference(images.data, c.preprocessing), [images.n, SIZE, SIZE, 3]),
          ) as tf.Tensor
        ).dataSync() as Float32Array,
    );
    const cmp = compareClassifier(
      out.probabilities.data as Float32Array,
      out.class_index.data as BigInt64Array,
      ref,
      c.classes,
    );
    console.log(
      `${c.name}: ${decoded.graph.node.length} nodes, ${compiled.bytes.length} bytes; ${JSON.stringify(cmp)}`,
    );
    expect(cmp.n).toBeGreaterThanOrEqual(20);
    expect(cmp.distinctClasses).toBeGreaterThan(1); // outputs vary across photos, so a match means something
    expect(cmp.maxAbsDiff).toBeLessThanOrEqual(1e-4);
    expect(cmp.argmaxAgree).toBe(cmp.n);
    expect(cmp.classIndexAgree).toBe(cmp.n);
    model.dispose();
  });

  it('keeps NHWC semantics with NCHW inside: odd sizes, spatial concat, Flatten/Reshape order, Dense/softmax on images', async () => {
    const S = 33;
    const inp = tf.input({ shape: [S, S, 3], name: 'img' });
    let x = ap(
      L.conv2d({ name: 'c1', filters: 8, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu' }),
      inp,
    );
    x = ap(L.conv2d({ name: 'c_dilated', filters: 8, kernelSize: 3, dilationRate: 2, padding: 'same' }), x);
    x = ap(L.conv2d({ name: 'c2', filters: 8, kernelSize: 2, strides: 2, padding: 'same' }), x); // 17 → 9, pads 0/1
    const a = ap(L.maxPooling2d({ name: 'mp', poolSize: 3, strides: 2, padding: 'same' }), x); // 9 → 5
    const b = ap(L.averagePooling2d({ name: 'ap', poolSize: 2, strides: 2, padding: 'same' }), x); // pads 0/1
    const h = ap(L.concatenate({ name: 'cat_h', axis: 1 }), [a, b]); // [10, 5, 8]
    const w = ap(L.concatenate({ name: 'cat_w', axis: 2 }), [a, b]); // [5, 10, 8]
    const hw = ap(
      L.reshape({ name: 'reshape_4d', targetShape: [5, 10, 8] }),
      ap(L.flatten({ name: 'flat' }), h),
    );
    let y = ap(L.multiply({ name: 'mul' }), [hw, w]);
    y = ap(L.dense({ name: 'dense_4d', units: 6, activation: 'softmax' }), y);
    y = ap(L.zeroPadding2d({ name: 'zpad', padding: 1 }), y);
    y = ap(L.activation({ name: 'act', activation: 'tanh' }), y);
    const model = tf.model({ inputs: inp, outputs: y, name: 'layout_model' });
    seedWeights(model.layers, 33, { kernelGain: 2 });

    const compiled = compileFeatureModel(model);
    expect(compiled.outputShape).toEqual([7, 12, 6]);
    const decoded = decodeModel(compiled.bytes);
    checkOnnxModel(decoded, { inputs: ['images'], outputs: ['features'] });
    const pads = (name: string) =>
      decoded.graph.node.find((n) => n.name === name)!.attribute!.find((t) => t.name === 'pads')!.ints;
    expect(pads('c2/Conv')).toEqual([0, 0, 1, 1]); // TF SAME: the odd pixel goes bottom/right
    expect(pads('c1/Conv')).toEqual([1, 1, 1, 1]);
    expect(pads('c_dilated/Conv')).toEqual([2, 2, 2, 2]);
    // Pools use auto_pad (SAME_UPPER is TF's SAME): ORT's PadFusion would fold zero padding into them.
    const autoPad = decoded.graph.node
      .find((n) => n.name === 'ap/AveragePool')!
      .attribute!.find((t) => t.name === 'auto_pad')!;
    expect(Buffer.from(autoPad.s!).toString()).toBe('SAME_UPPER');

    const photos = await loadImages(S, 12);
    const input = preprocessReference(photos.data, 'tf');
    const session = await cpuSession(compiled.bytes);
    const out = await runOnnx(session, { images: { data: input, dims: [photos.n, S, S, 3] } });
    await session.release();
    expect(out.features.dims).toEqual([photos.n, 7, 12, 6]);
    const ref = tf.tidy(() =>
      (model.predict(tf.tensor4d(input, [photos.n, S, S, 3])) as tf.Tensor).dataSync(),
    );
    const { diff, scale } = maxDiff(out.features.data as Float32Array, ref);
    console.log(`layout_model: max |Δ| ${diff.toExponential(2)} of max ${scale.toFixed(3)}`);
    expect(scale).toBeGreaterThan(0.1);
    expect(diff / scale).toBeLessThanOrEqual(1e-4);
    model.dispose();
  });

  it('a feature graph reading raw bytes preprocesses them as its table row says, every mode', async () => {
    const model = convModel();
    seedWeights(model.layers, 1003);
    const bytes = Uint8Array.from(images.data, (v) => Math.round(v));
    for (const mode of Object.keys(PREPROCESSING) as Preprocessing[]) {
      const compiled = compileFeatureModel(model, {}, mode);
      const decoded = decodeModel(compiled.bytes);
      expect(decoded.graph.input[0].type!.tensorType!.elemType).toBe(2); // uint8
      const session = await cpuSession(compiled.bytes);
      const dims = [images.n, SIZE, SIZE, 3];
      const out = await runOnnx(session, { images: { data: bytes, dims } });
      await session.release();
      const input = preprocessReference(Float32Array.from(bytes), mode);
      const ref = tf.tidy(() => (model.predict(tf.tensor4d(input, dims as never)) as tf.Tensor).dataSync());
      const { diff, scale } = maxDiff(out.features.data as Float32Array, ref);
      expect(scale, mode).toBeGreaterThan(0.01);
      expect(diff / scale, mode).toBeLessThanOrEqual(1e-4);
    }
    model.dispose();
  });

  it('names a layer it cannot compile, and the extractor falls back to tfjs with that reason', async () => {
    const inp = tf.input({ shape: [8, 8, 3] });
    let x = ap(L.conv2d({ name: 'c', filters: 2, kernelSize: 1 }), inp);
    x = ap(L.upSampling2d({ name: 'upsample', size: [2, 2] }), x);
    const model = tf.model({ inputs: inp, outputs: x, name: 'odd_base' });
    expect(() => compileFeatureModel(model)).toThrow(OnnxCompileError);
    expect(() => compileFeatureModel(model)).toThrow(
      'layer "upsample" (UpSampling2D) is not supported by the ONNX compiler',
    );
    // tfjs-layers ignores a depthwise dilation rate: no graph could match it, so it is refused.
    const dil = tf.input({ shape: [8, 8, 3] });
    const dilated = tf.model({
      inputs: dil,
      outputs: ap(L.depthwiseConv2d({ name: 'dw_dil', kernelSize: 3, dilationRate: 2 }), dil),
    });
    expect(() => compileFeatureModel(dilated)).toThrow(
      'layer "dw_dil" (DepthwiseConv2D): dilated depthwise convolutions are not supported',
    );
    const base = {
      id: 'odd_base',
      displayName: 'odd',
      dir: '/nonexistent',
      inputSize: [8, 8],
      preprocessing: 'none',
      featureLayer: 'upsample',
      featureShape: [16, 16, 2],
      fingerprint: 'x',
      model,
      full: model,
    } satisfies FeatureBase;
    const backend = await initBackend('wasm');
    const pixel = {
      inputSize: [8, 8] as [number, number],
      resize: 'stretch' as const,
      preprocessing: 'none' as const,
    };
    const ex = new LazyExtractor(base, backend, pixel, 1, 'auto');
    await ex.run([]);
    expect(ex.describe()).toMatch(
      /^tfjs wasm on CPU.* — onnxruntime unavailable \(layer "upsample" \(UpSampling2D\) is not supported by the ONNX compiler\)$/,
    );
    await ex.close();
    model.dispose();
  });
});
