/**
 * Small ONNX Runtime graphs for bulk linear algebra: ORT's CPU kernels (MLAS, multi-threaded, AVX2/512)
 * run a matrix product one to two orders of magnitude faster than JavaScript. Sessions are built once
 * per graph and kept while a `kernelScope` is open (for the process when used outside one).
 */
import os from 'node:os';
import * as ort from 'onnxruntime-node';
import { encodeOnnx, OnnxType, type OnnxGraph, type OnnxNode } from './onnx-model';

const sessions = new Map<string, Promise<ort.InferenceSession>>();

function session(key: string, graph: () => OnnxGraph): Promise<ort.InferenceSession> {
  let s = sessions.get(key);
  if (!s) {
    s = ort.InferenceSession.create(encodeOnnx(graph()), {
      executionProviders: ['cpu'],
      intraOpNumThreads: Math.max(1, os.availableParallelism()),
      interOpNumThreads: 1,
      graphOptimizationLevel: 'all',
    });
    sessions.set(key, s);
  }
  return s;
}

let scopes = 0;

/**
 * Runs `fn` with the kernels' sessions kept between its calls, and releases them when the last open scope
 * ends. Why: a session's CPU arena keeps the largest temporaries it ever made for as long as it lives (the
 * pair filter's 2048 × 8192 block: ~150 MB with its mask and hits; top-k: ~90 MB), so sessions kept for
 * the process held them through every later phase and the training that follows. A session is rebuilt
 * in milliseconds; the phases using them run for seconds to minutes.
 */
export async function kernelScope<T>(fn: () => Promise<T>): Promise<T> {
  scopes++;
  try {
    return await fn();
  } finally {
    if (--scopes === 0) {
      const open = [...sessions.values()];
      sessions.clear();
      await Promise.all(open.map((s) => s.then((x) => x.release()).catch(() => undefined)));
    }
  }
}

const f32 = (name: string, dims: (number | string)[]) => ({ name, type: OnnxType.float, dims });

/** C = op(A) · op(B) with A [m × k] (or [k × m] when transA), B [k × n] (or [n × k] when transB). */
export async function gemm(
  a: Float32Array,
  aDims: [number, number],
  b: Float32Array,
  bDims: [number, number],
  transA = false,
  transB = false,
): Promise<Float32Array> {
  const s = await session(`gemm-${+transA}${+transB}`, () => ({
    name: 'gemm',
    opset: 17,
    inputs: [f32('a', ['a0', 'a1']), f32('b', ['b0', 'b1'])],
    outputs: [f32('c', ['m', 'n'])],
    nodes: [{ op: 'Gemm', inputs: ['a', 'b'], outputs: ['c'], attrs: { transA: +transA, transB: +transB } }],
  }));
  const out = await s.run({
    a: new ort.Tensor('float32', a, aDims),
    b: new ort.Tensor('float32', b, bDims),
  });
  return out.c.data as Float32Array;
}

/**
 * Index pairs (p, q) with (A · Bᵀ)[p, q] > t, A [m × k], B [n × k]: the product, the comparison and the
 * gathering of hits all run inside ORT, so only the few hits cross into JavaScript (as int32: half the
 * bytes of NonZero's int64, and no BigInt conversions).
 */
export async function pairsAbove(
  a: Float32Array,
  m: number,
  b: Float32Array,
  n: number,
  k: number,
  t: number,
): Promise<{ rows: Int32Array; cols: Int32Array }> {
  const s = await session('pairs-above', () => ({
    name: 'pairs_above',
    opset: 17,
    inputs: [f32('a', ['m', 'k']), f32('b', ['n', 'k']), f32('t', [])],
    outputs: [{ name: 'idx', type: OnnxType.int32, dims: [2, 'hits'] }],
    nodes: <OnnxNode[]>[
      { op: 'Gemm', inputs: ['a', 'b'], outputs: ['s'], attrs: { transB: 1 } },
      { op: 'Greater', inputs: ['s', 't'], outputs: ['mask'] },
      { op: 'NonZero', inputs: ['mask'], outputs: ['idx64'] },
      { op: 'Cast', inputs: ['idx64'], outputs: ['idx'], attrs: { to: OnnxType.int32 } },
    ],
  }));
  const out = await s.run({
    a: new ort.Tensor('float32', a, [m, k]),
    b: new ort.Tensor('float32', b, [n, k]),
    t: new ort.Tensor('float32', Float32Array.of(t), []),
  });
  const idx = out.idx.data as Int32Array;
  const hits = idx.length / 2;
  return { rows: idx.subarray(0, hits), cols: idx.subarray(hits) };
}

/**
 * Each row's `top` largest entries of A · Bᵀ (A [m × k], B [n × k], top ≤ n), largest first, ties by
 * lower column first (ONNX TopK): the [m × n] product never crosses into JavaScript, only [m × top].
 */
export async function topOfProduct(
  a: Float32Array,
  m: number,
  b: Float32Array,
  n: number,
  k: number,
  top: number,
): Promise<{ values: Float32Array; indices: Int32Array }> {
  const s = await session('top-of-product', () => ({
    name: 'top_of_product',
    opset: 17,
    inputs: [f32('a', ['m', 'k']), f32('b', ['n', 'k']), { name: 'top', type: OnnxType.int64, dims: [1] }],
    outputs: [f32('values', ['m', 'top']), { name: 'indices', type: OnnxType.int32, dims: ['m', 'top'] }],
    nodes: <OnnxNode[]>[
      { op: 'Gemm', inputs: ['a', 'b'], outputs: ['s'], attrs: { transB: 1 } },
      {
        op: 'TopK',
        inputs: ['s', 'top'],
        outputs: ['values', 'idx64'],
        attrs: { axis: -1, largest: 1, sorted: 1 },
      },
      { op: 'Cast', inputs: ['idx64'], outputs: ['indices'], attrs: { to: OnnxType.int32 } },
    ],
  }));
  const out = await s.run({
    a: new ort.Tensor('float32', a, [m, k]),
    b: new ort.Tensor('float32', b, [n, k]),
    top: new ort.Tensor('int64', BigInt64Array.of(BigInt(top)), [1]),
  });
  return { values: out.values.data as Float32Array, indices: out.indices.data as Int32Array };
}
