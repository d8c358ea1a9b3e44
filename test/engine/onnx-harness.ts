/**
 * Test harness for the ONNX compiler and export: an independent structural checker (ONNX ops with their
 * opset-17 arity and attributes, topological order, initializer sizes, ModelProto wire fields), real
 * ONNX Runtime sessions, and output comparison against the tfjs model.
 */
import * as ort from 'onnxruntime-node';
import protobuf from 'protobufjs';
import { expect } from 'vitest';
import type { ModelObj, TensorObj } from '../../src/main/engine/onnx/compiler';

interface OpSpec {
  inputs: [number, number];
  /** Attributes the op must carry (as we emit it). */
  required?: string[];
  optional?: string[];
}
const unary: OpSpec = { inputs: [1, 1] };
const binary: OpSpec = { inputs: [2, 2] };
const convLike = ['kernel_shape', 'strides'];

/** Every op the compiler may emit, with ONNX opset-17 arity. */
export const ONNX_OP_ALLOW_LIST: Record<string, OpSpec> = {
  Transpose: { inputs: [1, 1], required: ['perm'] },
  Conv: { inputs: [2, 3], required: [...convLike, 'dilations', 'group'], optional: ['pads', 'auto_pad'] },
  Gemm: { inputs: [2, 3], required: ['alpha', 'beta', 'transA', 'transB'] },
  MatMul: binary,
  BatchNormalization: { inputs: [5, 5], required: ['epsilon'] },
  Relu: unary,
  Clip: { inputs: [3, 3] },
  Sigmoid: unary,
  Tanh: unary,
  Softmax: { inputs: [1, 1], required: ['axis'] },
  Elu: { inputs: [1, 1], required: ['alpha'] },
  Selu: { inputs: [1, 1], required: ['alpha', 'gamma'] },
  Add: binary,
  Sub: binary,
  Mul: binary,
  Div: binary,
  Pad: { inputs: [2, 3], required: ['mode'] },
  MaxPool: { inputs: [1, 1], required: convLike, optional: ['pads', 'auto_pad'] },
  AveragePool: {
    inputs: [1, 1],
    required: [...convLike, 'count_include_pad'],
    optional: ['pads', 'auto_pad'],
  },
  GlobalAveragePool: unary,
  GlobalMaxPool: unary,
  Flatten: { inputs: [1, 1], required: ['axis'] },
  Reshape: binary,
  Concat: { inputs: [1, 64], required: ['axis'] },
  Gather: { inputs: [2, 2], required: ['axis'] },
  Identity: unary,
  ArgMax: { inputs: [1, 1], required: ['axis', 'keepdims'] },
};

const ELEM_BYTES: Record<number, number> = { 1: 4, 6: 4, 7: 8 };

/** Structural checks every model the compiler writes must pass; returns the op types in order. */
export function checkOnnxModel(m: ModelObj, io: { inputs: string[]; outputs: string[] }): string[] {
  expect(m.irVersion).toBe(8);
  expect(m.opsetImport).toEqual([{ domain: '', version: 17 }]);
  expect(m.producerName).toBe('transfer-studio');
  const g = m.graph;
  expect(g.input.map((v) => v.name)).toEqual(io.inputs);
  expect(g.output.map((v) => v.name)).toEqual(io.outputs);
  const defined = new Set<string>(g.input.map((v) => v.name));
  const inits = g.initializer ?? [];
  for (const t of inits) {
    expect(defined.has(t.name), `initializer ${t.name} defined twice`).toBe(false);
    defined.add(t.name);
    checkTensor(t);
  }
  const ops: string[] = [];
  const nodeNames = new Set<string>();
  for (const n of g.node) {
    const spec = ONNX_OP_ALLOW_LIST[n.opType];
    expect(spec, `op ${n.opType} (${n.name}) is not in the allow-list`).toBeDefined();
    expect(nodeNames.has(n.name), `duplicate node name ${n.name}`).toBe(false);
    nodeNames.add(n.name);
    expect(n.input.length, `${n.opType} ${n.name} input count`).toBeGreaterThanOrEqual(spec.inputs[0]);
    expect(n.input.length, `${n.opType} ${n.name} input count`).toBeLessThanOrEqual(spec.inputs[1]);
    // Inputs exist and come earlier: no dangling references, a topological order.
    for (const i of n.input) expect(defined.has(i), `${n.name} reads ${i}, not defined before it`).toBe(true);
    const attrs = new Set((n.attribute ?? []).map((a) => a.name));
    for (const a of spec.required ?? []) expect(attrs.has(a), `${n.opType} ${n.name} lacks ${a}`).toBe(true);
    for (const a of attrs)
      expect(
        [...(spec.required ?? []), ...(spec.optional ?? [])].includes(a),
        `${n.opType} ${n.name} has attribute ${a}`,
      ).toBe(true);
    for (const a of n.attribute ?? []) expect(a.type, `${n.name}.${a.name} has a type`).toBeGreaterThan(0);
    expect(n.output).toHaveLength(1);
    expect(defined.has(n.output[0]), `${n.output[0]} defined twice`).toBe(false);
    defined.add(n.output[0]);
    ops.push(n.opType);
  }
  for (const o of io.outputs) expect(defined.has(o), `output ${o} is never computed`).toBe(true);
  return ops;
}

function checkTensor(t: TensorObj): void {
  const count = (t.dims ?? []).reduce((a, b) => a * b, 1);
  expect(ELEM_BYTES[t.dataType], `${t.name} data type ${t.dataType}`).toBeDefined();
  expect(t.rawData?.length ?? 0, `${t.name} raw size`).toBe(count * ELEM_BYTES[t.dataType]);
}

/** Field numbers on the wire at the top level of a ModelProto, read with a bare reader (no schema). */
export function modelWireFields(bytes: Uint8Array): number[] {
  const r = protobuf.Reader.create(bytes);
  const nums = new Set<number>();
  while (r.pos < r.len) {
    const tag = r.uint32();
    nums.add(tag >>> 3);
    r.skipType(tag & 7);
  }
  return [...nums].sort((a, b) => a - b);
}

export async function cpuSession(bytes: Uint8Array): Promise<ort.InferenceSession> {
  return ort.InferenceSession.create(bytes, {
    executionProviders: ['cpu'],
    intraOpNumThreads: 2,
    graphOptimizationLevel: 'all',
  });
}

export async function runOnnx(
  session: ort.InferenceSession,
  feeds: Record<string, { data: Float32Array | Uint8Array; dims: number[] }>,
): Promise<Record<string, ort.Tensor>> {
  const t: Record<string, ort.Tensor> = {};
  for (const [k, v] of Object.entries(feeds))
    t[k] =
      v.data instanceof Uint8Array
        ? new ort.Tensor('uint8', v.data, v.dims)
        : new ort.Tensor('float32', v.data, v.dims);
  return (await session.run(t)) as Record<string, ort.Tensor>;
}

/** max |a − b| and max |b| (b is the reference). */
export function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): { diff: number; scale: number } {
  expect(a.length).toBe(b.length);
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < b.length; i++) {
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return { diff, scale };
}

export interface ClassifierComparison {
  n: number;
  maxAbsDiff: number;
  argmaxAgree: number;
  classIndexAgree: number;
  distinctClasses: number;
}

/** ONNX probabilities + class_index vs the tfjs model's probabilities. */
export function compareClassifier(
  probs: Float32Array,
  classIndex: ArrayLike<bigint | number>,
  ref: Float32Array,
  classes: number,
): ClassifierComparison {
  const n = ref.length / classes;
  const argmax = (p: Float32Array, i: number) => {
    let a = 0;
    for (let c = 1; c < classes; c++) if (p[i * classes + c] > p[i * classes + a]) a = c;
    return a;
  };
  let argmaxAgree = 0;
  let classIndexAgree = 0;
  const distinct = new Set<number>();
  for (let i = 0; i < n; i++) {
    const r = argmax(ref, i);
    distinct.add(r);
    if (argmax(probs, i) === r) argmaxAgree++;
    if (Number(classIndex[i]) === r) classIndexAgree++;
  }
  return {
    n,
    maxAbsDiff: maxDiff(probs, ref).diff,
    argmaxAgree,
    classIndexAgree,
    distinctClasses: distinct.size,
  };
}
