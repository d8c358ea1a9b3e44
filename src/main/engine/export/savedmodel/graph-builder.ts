import { UniqueNames } from '../../graph/names';
import type { AttrValueObj, DataTypeName, GraphDefObj, NodeDefObj, TensorShapeObj } from './types';

/**
 * GraphDef producer version: TF_GRAPH_DEF_VERSION of TensorFlow 2.12. Loaders only reject graphs whose
 * min_consumer exceeds their own version, so older TensorFlow releases still load this graph.
 */
export const GRAPH_PRODUCER = 1394;

const utf8 = new TextEncoder();

/** Attribute value constructors (AttrValue oneof cases). */
export const attr = {
  s: (v: string): AttrValueObj => ({ s: utf8.encode(v) }),
  i: (v: number): AttrValueObj => ({ i: v }),
  f: (v: number): AttrValueObj => ({ f: v }),
  b: (v: boolean): AttrValueObj => ({ b: v }),
  type: (v: DataTypeName): AttrValueObj => ({ type: v }),
  shape: (dims: number[]): AttrValueObj => ({ shape: shapeProto(dims) }),
  ints: (v: number[]): AttrValueObj => ({ list: { i: v } }),
};

export function shapeProto(dims: number[]): TensorShapeObj {
  return { dim: dims.map((size) => ({ size })) };
}

const NODE_NAME = /^[A-Za-z0-9.][A-Za-z0-9_.\-/>]*$/;

/** Make any string a legal NodeDef name ("[A-Za-z0-9.][A-Za-z0-9_>./-]*"). */
export function sanitizeName(name: string): string {
  let s = name
    .replace(/[^A-Za-z0-9_.\-/>]/g, '_')
    .replace(/\/+/g, '/')
    .replace(/\/$/, '');
  if (!s) s = 'node';
  if (!/^[A-Za-z0-9.]/.test(s)) s = `n${s}`;
  return s;
}

/**
 * Accumulates NodeDefs in emission order (a topological order, so the bytes are stable) with unique
 * names. Every op node gets its attrs sorted by key, which is how TensorFlow itself serialises maps
 * deterministically.
 */
export class GraphBuilder {
  readonly nodes: NodeDefObj[] = [];
  private readonly names: UniqueNames;

  constructor(reserved: string[] = []) {
    this.names = new UniqueNames(reserved, sanitizeName);
  }

  /** A fresh name derived from `want` ("x", "x_1", "x_2", …). */
  uniqueName(want: string): string {
    return this.names.take(want);
  }

  /** Add a node under an exact name that was reserved up front (signature tensors). */
  addReserved(name: string, op: string, inputs: string[], attrs: Record<string, AttrValueObj>): string {
    if (!NODE_NAME.test(name)) throw new Error(`illegal node name ${name}`);
    if (this.nodes.some((n) => n.name === name)) throw new Error(`duplicate node ${name}`);
    this.nodes.push(makeNode(name, op, inputs, attrs));
    return name;
  }

  /** Add an op node; returns its (unique) name, which is also its output 0 tensor name. */
  op(want: string, op: string, inputs: string[], attrs: Record<string, AttrValueObj>): string {
    const name = this.uniqueName(want);
    this.nodes.push(makeNode(name, op, inputs, attrs));
    return name;
  }

  /** A float32 Const holding `values` (row-major) with `shape`. */
  constFloat(want: string, values: Float32Array | number[], shape: number[]): string {
    const data = values instanceof Float32Array ? values : Float32Array.from(values);
    return this.constTensor(want, 'DT_FLOAT', littleEndianBytes(data), shape, data.length);
  }

  /** An int32 Const (shapes, axes, paddings). */
  constInt32(want: string, values: number[], shape: number[]): string {
    const data = Int32Array.from(values);
    return this.constTensor(want, 'DT_INT32', littleEndianBytes(data), shape, data.length);
  }

  private constTensor(
    want: string,
    dtype: DataTypeName,
    bytes: Uint8Array,
    shape: number[],
    count: number,
  ): string {
    const expected = shape.reduce((a, b) => a * b, 1);
    if (expected !== count) throw new Error(`const ${want}: ${count} values for shape [${shape.join(',')}]`);
    return this.op(want, 'Const', [], {
      dtype: attr.type(dtype),
      value: { tensor: { dtype, tensorShape: shapeProto(shape), tensorContent: bytes } },
    });
  }

  graphDef(): GraphDefObj {
    return { node: this.nodes, versions: { producer: GRAPH_PRODUCER } };
  }
}

function makeNode(
  name: string,
  op: string,
  inputs: string[],
  attrs: Record<string, AttrValueObj>,
): NodeDefObj {
  const sorted: Record<string, AttrValueObj> = {};
  for (const k of Object.keys(attrs).sort()) sorted[k] = attrs[k];
  return { name, op, input: [...inputs], attr: sorted };
}

/** TensorProto.tensor_content is little-endian; copy so later edits of the source cannot leak in. */
function littleEndianBytes(data: Float32Array | Int32Array): Uint8Array {
  const out = new Uint8Array(data.length * 4);
  const view = new DataView(out.buffer);
  if (data instanceof Float32Array)
    for (let i = 0; i < data.length; i++) view.setFloat32(i * 4, data[i], true);
  else for (let i = 0; i < data.length; i++) view.setInt32(i * 4, data[i], true);
  return out;
}
