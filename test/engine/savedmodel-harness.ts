/**
 * Test harness for the SavedModel export: an independent structural checker (TensorFlow op allow-list
 * with each op's attrs), a converter from the decoded GraphDef to tfjs-converter's graph-model form (so
 * the exported graph really runs), real images, and seeded weights.
 */
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import protobuf from 'protobufjs';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { expect } from 'vitest';
import type {
  AttrValueObj,
  GraphDefObj,
  NodeDefObj,
  SavedModelObj,
  TensorShapeObj,
} from '../../src/main/engine/export/savedmodel';
import { mulberry32 } from '@shared/random';

export const SHARED = path.resolve(__dirname, '../../../shared');
export const MODELS = path.join(SHARED, 'models');
export const HYMENOPTERA = path.join(SHARED, 'datasets/hymenoptera_data');

export async function useWasm(): Promise<void> {
  await tf.setBackend('wasm');
  await tf.ready();
}

// ---------------------------------------------------------------------------------------------
// Structural check: what TensorFlow's op registry defines for the ops a frozen classifier may use.

type AttrKind = 'type' | 'ints4' | 'string' | 'bool' | 'float' | 'int' | 'shape' | 'tensor';
interface OpSpec {
  /** Attrs the export must set (required ones and the ones the issue lists). */
  required: Record<string, AttrKind>;
  /** Further attrs TensorFlow defines for the op (allowed, not required). */
  optional?: Record<string, AttrKind>;
  /** Number of inputs; 'N+1' for ConcatV2. */
  inputs: number | 'N+1';
}
const unaryT: OpSpec = { required: { T: 'type' }, inputs: 1 };
const binaryT: OpSpec = { required: { T: 'type' }, inputs: 2 };
const conv: OpSpec = {
  required: { T: 'type', strides: 'ints4', padding: 'string', data_format: 'string', dilations: 'ints4' },
  optional: { use_cudnn_on_gpu: 'bool' },
  inputs: 2,
};
const pool: OpSpec = {
  required: { T: 'type', ksize: 'ints4', strides: 'ints4', padding: 'string', data_format: 'string' },
  inputs: 1,
};
const reduce: OpSpec = { required: { T: 'type', Tidx: 'type', keep_dims: 'bool' }, inputs: 2 };

export const OP_ALLOW_LIST: Record<string, OpSpec> = {
  Placeholder: { required: { dtype: 'type', shape: 'shape' }, inputs: 0 },
  Const: { required: { dtype: 'type', value: 'tensor' }, inputs: 0 },
  Identity: unaryT,
  Conv2D: conv,
  DepthwiseConv2dNative: { ...conv, optional: {} },
  BiasAdd: { required: { T: 'type', data_format: 'string' }, inputs: 2 },
  MatMul: { required: { T: 'type', transpose_a: 'bool', transpose_b: 'bool' }, inputs: 2 },
  FusedBatchNormV3: {
    required: { T: 'type', U: 'type', epsilon: 'float', data_format: 'string', is_training: 'bool' },
    inputs: 5,
  },
  Relu: unaryT,
  Relu6: unaryT,
  Sigmoid: unaryT,
  Tanh: unaryT,
  Softmax: unaryT,
  Elu: unaryT,
  Selu: unaryT,
  AddV2: binaryT,
  Sub: binaryT,
  Mul: binaryT,
  RealDiv: binaryT,
  Minimum: binaryT,
  MaxPool: pool,
  AvgPool: pool,
  Mean: reduce,
  Max: reduce,
  Reshape: { required: { T: 'type', Tshape: 'type' }, inputs: 2 },
  Pad: { required: { T: 'type', Tpaddings: 'type' }, inputs: 2 },
  ConcatV2: { required: { T: 'type', N: 'int', Tidx: 'type' }, inputs: 'N+1' },
  ReverseV2: { required: { T: 'type', Tidx: 'type' }, inputs: 2 },
  ArgMax: { required: { T: 'type', Tidx: 'type', output_type: 'type' }, inputs: 2 },
};

function attrHasKind(a: AttrValueObj, kind: AttrKind): boolean {
  switch (kind) {
    case 'type':
      return typeof a.type === 'string' && (a.type as string) !== 'DT_INVALID';
    case 'ints4':
      return (a.list?.i?.length ?? 0) === 4;
    case 'string':
      return a.s instanceof Uint8Array && a.s.length > 0;
    case 'bool':
      return typeof a.b === 'boolean';
    case 'float':
      return typeof a.f === 'number';
    case 'int':
      return typeof a.i === 'number';
    case 'shape':
      return a.shape !== undefined;
    case 'tensor':
      return a.tensor !== undefined;
  }
}

export const dims = (s: TensorShapeObj | undefined): number[] => (s?.dim ?? []).map((d) => d.size ?? 0);
const str = (a: AttrValueObj | undefined): string => (a?.s ? Buffer.from(a.s).toString('utf8') : '');

/** Every check the issue lists on the decoded saved_model.pb; returns the graph for further checks. */
export function checkSavedModel(
  sm: SavedModelObj,
  expect_: { height: number; width: number; classes: number },
): GraphDefObj {
  expect(sm.savedModelSchemaVersion).toBe(1);
  expect(sm.metaGraphs).toHaveLength(1);
  const mg = sm.metaGraphs[0];
  expect(mg.metaInfoDef.tags).toEqual(['serve']);
  expect(Object.keys(mg).sort()).toEqual(['graphDef', 'metaInfoDef', 'signatureDef']);
  const sig = mg.signatureDef.serving_default;
  expect(Object.keys(mg.signatureDef)).toEqual(['serving_default']);
  expect(sig.methodName).toBe('tensorflow/serving/predict');
  expect(Object.keys(sig.inputs)).toEqual(['images']);
  expect(sig.inputs.images.name).toBe('images:0');
  expect(sig.inputs.images.dtype).toBe('DT_FLOAT');
  expect(dims(sig.inputs.images.tensorShape)).toEqual([-1, expect_.height, expect_.width, 3]);
  expect(Object.keys(sig.outputs).sort()).toEqual(['class_index', 'probabilities']);
  expect(sig.outputs.probabilities).toMatchObject({ name: 'probabilities:0', dtype: 'DT_FLOAT' });
  expect(dims(sig.outputs.probabilities.tensorShape)).toEqual([-1, expect_.classes]);
  expect(sig.outputs.class_index).toMatchObject({ name: 'class_index:0', dtype: 'DT_INT64' });
  expect(dims(sig.outputs.class_index.tensorShape)).toEqual([-1]);

  const g = mg.graphDef;
  expect(g.versions.producer).toBeGreaterThan(0);
  const seen = new Map<string, NodeDefObj>();
  for (const n of g.node) {
    expect(n.name, 'node name syntax').toMatch(/^[A-Za-z0-9.][A-Za-z0-9_.\-/>]*$/);
    expect(seen.has(n.name), `duplicate node ${n.name}`).toBe(false);
    const spec = OP_ALLOW_LIST[n.op];
    expect(spec, `op ${n.op} (node ${n.name}) is not in the allow-list`).toBeDefined();
    const attrs = n.attr ?? {};
    for (const [k, kind] of Object.entries(spec.required)) {
      expect(attrs[k], `${n.op} ${n.name} lacks attr ${k}`).toBeDefined();
      expect(attrHasKind(attrs[k], kind), `${n.op} ${n.name} attr ${k} is not a ${kind}`).toBe(true);
    }
    for (const k of Object.keys(attrs)) {
      expect(
        k in spec.required || k in (spec.optional ?? {}),
        `${n.op} ${n.name} has attr ${k}, which TensorFlow does not define`,
      ).toBe(true);
    }
    for (const k of ['padding']) if (attrs[k]) expect(['SAME', 'VALID']).toContain(str(attrs[k]));
    if (attrs.data_format) expect(str(attrs.data_format)).toBe('NHWC');
    const inputs = n.input ?? [];
    const arity = spec.inputs === 'N+1' ? (attrs.N?.i ?? -1) + 1 : spec.inputs;
    expect(inputs.length, `${n.op} ${n.name} input count`).toBe(arity);
    for (const inp of inputs) {
      const src = inp.replace(/^\^/, '').replace(/:\d+$/, '');
      // Inputs must exist and come earlier: no dangling references, a topological order.
      expect(seen.has(src), `${n.name} reads ${inp}, which is not defined before it`).toBe(true);
    }
    if (n.op === 'Const') {
      const t = attrs.value.tensor!;
      expect(t.dtype).toBe(attrs.dtype.type);
      const count = dims(t.tensorShape).reduce((a, b) => a * b, 1);
      expect(t.tensorContent?.length ?? 0, `${n.name} content size`).toBe(count * 4);
    }
    seen.set(n.name, n);
  }
  expect(seen.get('images')?.op).toBe('Placeholder');
  expect(dims(seen.get('images')!.attr!.shape.shape)).toEqual([-1, expect_.height, expect_.width, 3]);
  expect(seen.get('probabilities')?.op).toBe('Identity');
  expect(seen.get(seen.get('probabilities')!.input![0])?.op).toBe('Softmax');
  expect(seen.get('class_index')?.op).toBe('ArgMax');
  expect(seen.get('class_index')!.attr!.output_type.type).toBe('DT_INT64');
  return g;
}

/**
 * Field numbers present on the wire in the SavedModel message and in its first MetaGraphDef, read with
 * a bare protobuf reader (no schema), so fields our schema does not declare cannot hide.
 */
export function wireFields(pb: Uint8Array): { savedModel: number[]; metaGraph: number[] } {
  const fields = (bytes: Uint8Array, want?: number): { nums: number[]; sub?: Uint8Array } => {
    const r = protobuf.Reader.create(bytes);
    const nums: number[] = [];
    let sub: Uint8Array | undefined;
    while (r.pos < r.len) {
      const tag = r.uint32();
      const num = tag >>> 3;
      nums.push(num);
      if (num === want && (tag & 7) === 2 && !sub) sub = r.bytes();
      else r.skipType(tag & 7);
    }
    return { nums: [...new Set(nums)].sort((a, b) => a - b), sub };
  };
  const top = fields(pb, 2);
  return { savedModel: top.nums, metaGraph: top.sub ? fields(top.sub).nums : [] };
}

// ---------------------------------------------------------------------------------------------
// Run the exported GraphDef with tfjs-converter's graph executor.

export { graphModelArtifacts, loadAsGraphModel } from '../../src/main/engine/export/savedmodel/graph-model';

export interface Comparison {
  maxAbsDiff: number;
  argmaxAgree: number;
  classIndexAgree: number;
  n: number;
  /** How many distinct argmax classes the layers model predicted (a sanity check on the test). */
  distinctClasses: number;
  /** Smallest and largest top-class probability seen: far from 1 means the softmax is not saturated. */
  topProb: [number, number];
}

/** Run raw 0–255 images through the graph and preprocessed ones through the layers model; compare. */
export async function compareOnImages(
  graph: tf.GraphModel,
  model: tf.LayersModel,
  raw: Float32Array,
  pre: Float32Array,
  shape: [number, number, number, number],
): Promise<Comparison> {
  const rawT = tf.tensor4d(raw, shape);
  const preT = tf.tensor4d(pre, shape);
  try {
    const [probsG, idxG] = graph.execute(rawT, ['probabilities', 'class_index']) as tf.Tensor[];
    const probsL = model.predict(preT) as tf.Tensor;
    const pg = (await probsG.data()) as Float32Array;
    const pl = (await probsL.data()) as Float32Array;
    const ig = await idxG.data();
    const classes = probsL.shape[1]!;
    tf.dispose([probsG, idxG, probsL]);
    let maxAbsDiff = 0;
    let argmaxAgree = 0;
    let classIndexAgree = 0;
    const distinct = new Set<number>();
    const topProb: [number, number] = [1, 0];
    for (let i = 0; i < shape[0]; i++) {
      let ag = 0;
      let al = 0;
      for (let c = 0; c < classes; c++) {
        maxAbsDiff = Math.max(maxAbsDiff, Math.abs(pg[i * classes + c] - pl[i * classes + c]));
        if (pg[i * classes + c] > pg[i * classes + ag]) ag = c;
        if (pl[i * classes + c] > pl[i * classes + al]) al = c;
      }
      distinct.add(al);
      topProb[0] = Math.min(topProb[0], pl[i * classes + al]);
      topProb[1] = Math.max(topProb[1], pl[i * classes + al]);
      if (ag === al) argmaxAgree++;
      if (Number(ig[i]) === al) classIndexAgree++;
    }
    return { maxAbsDiff, argmaxAgree, classIndexAgree, n: shape[0], distinctClasses: distinct.size, topProb };
  } finally {
    tf.dispose([rawT, preT]);
  }
}

// ---------------------------------------------------------------------------------------------
// Real images and reference preprocessing.

/** `perClass` photos from each of val/ants and val/bees, decoded to size×size RGB, as 0–255 floats (NHWC). */
export async function loadImages(
  size: number,
  perClass = 12,
): Promise<{ data: Float32Array; n: number; files: string[] }> {
  const files: string[] = [];
  for (const cls of ['ants', 'bees']) {
    const dir = path.join(HYMENOPTERA, 'val', cls);
    const names = (await readdir(dir)).filter((f) => /\.jpe?g$/i.test(f)).sort();
    files.push(...names.slice(0, perClass).map((f) => path.join(dir, f)));
  }
  const data = new Float32Array(files.length * size * size * 3);
  for (let i = 0; i < files.length; i++) {
    const buf = await sharp(files[i])
      .removeAlpha()
      .toColourspace('srgb')
      .resize(size, size, { fit: 'fill' })
      .raw()
      .toBuffer();
    if (buf.length !== size * size * 3) throw new Error(`${files[i]} decoded to ${buf.length} bytes`);
    data.set(buf, i * size * size * 3);
  }
  return { data, n: files.length, files };
}

/** Reference preprocessing, written independently of the exporter (float64 arithmetic, Keras constants). */
export function preprocessReference(
  raw: Float32Array,
  mode: 'tf' | 'caffe' | 'torch' | 'none',
): Float32Array {
  const out = new Float32Array(raw.length);
  const caffeMean = [103.939, 116.779, 123.68];
  const mean = [0.485, 0.456, 0.406];
  const std = [0.229, 0.224, 0.225];
  for (let p = 0; p < raw.length; p += 3) {
    for (let c = 0; c < 3; c++) {
      const v = raw[p + c];
      if (mode === 'tf') out[p + c] = v / 127.5 - 1;
      else if (mode === 'torch') out[p + c] = (v / 255 - mean[c]) / std[c];
      else if (mode === 'caffe') out[p + 2 - c] = v - caffeMean[2 - c];
      else out[p + c] = v;
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Seeded weights, so BN statistics, biases etc. are non-trivial and the test can fail.

export function seedWeights(
  layers: tf.layers.Layer[],
  seed: number,
  opts: { kernelGain?: number } = {},
): void {
  const rand = mulberry32(seed);
  const gain = opts.kernelGain ?? 1;
  for (const layer of layers) {
    const ws = layer.weights;
    if (!ws.length) continue;
    const values = ws.map((w) => {
      const short = w.originalName.slice(w.originalName.lastIndexOf('/') + 1);
      const shape = w.shape as number[]; // weights always have a fully known shape
      const n = shape.reduce((a, b) => a * b, 1);
      const fanIn = shape.length > 1 ? shape.slice(0, -1).reduce((a, b) => a * b, 1) : 1;
      const v = new Float32Array(n);
      for (let i = 0; i < n; i++) {
        const u = rand();
        if (short === 'moving_variance' || short === 'gamma') v[i] = 0.5 + u;
        else if (short === 'moving_mean' || short === 'beta') v[i] = (u - 0.5) * 0.6;
        else if (short === 'bias') v[i] = (u - 0.5) * 0.2;
        else v[i] = (u * 2 - 1) * Math.sqrt(3 / fanIn) * gain;
      }
      return tf.tensor(v, shape);
    });
    layer.setWeights(values);
    tf.dispose(values);
  }
}
