import { UniqueNames } from '../../graph/names';
import { ATTR_TYPE, ONNX_DTYPE } from './onnx-proto';
import type { AttributeObj, NodeObj, TensorObj } from './types';

const utf8 = new TextEncoder();

/** A node attribute before it is named (the name is its key in the attrs record). */
export type AttrValue = Omit<AttributeObj, 'name'>;

/** Attribute constructors, one per AttributeType we write. */
export const attr = {
  i: (v: number): AttrValue => ({ type: ATTR_TYPE.INT, i: v }),
  f: (v: number): AttrValue => ({ type: ATTR_TYPE.FLOAT, f: v }),
  s: (v: string): AttrValue => ({ type: ATTR_TYPE.STRING, s: utf8.encode(v) }),
  ints: (v: number[]): AttrValue => ({ type: ATTR_TYPE.INTS, ints: [...v] }),
};

function rawBytes(data: Float32Array | BigInt64Array): Uint8Array {
  // TensorProto.raw_data is little-endian; copy so later edits of the source cannot leak in.
  const out = new Uint8Array(data.byteLength);
  const view = new DataView(out.buffer);
  if (data instanceof Float32Array)
    for (let i = 0; i < data.length; i++) view.setFloat32(i * 4, data[i], true);
  else for (let i = 0; i < data.length; i++) view.setBigInt64(i * 8, data[i], true);
  return out;
}

/**
 * Accumulates ONNX nodes (in emission order: a topological order, so the bytes are stable) and
 * initializers, with unique value names. A node's name is also its (single) output's name. Scalar
 * constants are shared by value (every Clip of a MobileNet reads the same 0 and 6).
 */
export class OnnxBuilder {
  readonly nodes: NodeObj[] = [];
  readonly initializers: TensorObj[] = [];
  /** Value name → op type that produced it (for checks such as "the output is a Softmax"). */
  readonly producers = new Map<string, string>();
  private readonly names: UniqueNames;
  private readonly scalars = new Map<string, string>();

  constructor(reserved: string[] = []) {
    this.names = new UniqueNames(reserved, (s) => s.replace(/\s+/g, '_') || 'node');
  }

  /** Add a node; returns the name of its output. `out` is an exact (reserved) output name. */
  op(
    want: string,
    opType: string,
    inputs: string[],
    attrs: Record<string, AttrValue> = {},
    out?: string,
  ): string {
    const name = out ?? this.names.take(want);
    const attribute = Object.keys(attrs)
      .sort()
      .map((k) => ({ name: k, ...attrs[k] }));
    this.nodes.push({
      input: [...inputs],
      output: [name],
      name,
      opType,
      ...(attribute.length ? { attribute } : {}),
    });
    this.producers.set(name, opType);
    return name;
  }

  constFloat(want: string, values: Float32Array | number[], dims: number[]): string {
    const data = values instanceof Float32Array ? values : Float32Array.from(values);
    return this.initializer(want, ONNX_DTYPE.FLOAT, rawBytes(data), dims, data.length);
  }

  constInt64(want: string, values: number[], dims: number[]): string {
    const data = BigInt64Array.from(values.map((v) => BigInt(v)));
    return this.initializer(want, ONNX_DTYPE.INT64, rawBytes(data), dims, data.length);
  }

  /** A shared float32 scalar initializer. */
  scalar(value: number): string {
    const key = String(Math.fround(value));
    let name = this.scalars.get(key);
    if (!name) {
      name = this.constFloat(`const_${key.replace(/[^0-9a-z]/gi, '_')}`, [value], []);
      this.scalars.set(key, name);
    }
    return name;
  }

  private initializer(
    want: string,
    dataType: number,
    rawData: Uint8Array,
    dims: number[],
    count: number,
  ): string {
    const expected = dims.reduce((a, b) => a * b, 1);
    if (expected !== count)
      throw new Error(`initializer ${want}: ${count} values for shape [${dims.join(',')}]`);
    const name = this.names.take(want);
    this.initializers.push({ name, dims: [...dims], dataType, rawData });
    this.producers.set(name, 'initializer');
    return name;
  }
}
